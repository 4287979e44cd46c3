"""How many visitors at a person's pace one server (or N replicas behind nginx) holds.

Each simulated visitor is an asyncio task speaking Streamlit's own websocket
protocol (benchmarks/protocol.py), so the client costs the machine little (its
CPU is reported). Visitors tour Draw (a stroke), Test images (open, a new
random set), Explore (a test number, a code slider), Denoise (the noise level)
and switch pages between them, 2-6 s apart (benchmarks/visitor.py). An action's
latency runs from its BackMsg to its last ``script_finished`` and its last
media file fetched. For each N of the sweep it reports p50/p95 per action and
overall, errors, the server's peak RSS and CPU (process trees, psutil), the
client's CPU, and the largest N with p95 <= 1 s and no errors.

    python benchmarks/capacity.py --visitors 10,20,40,60,80 --seconds 60
    python benchmarks/capacity.py --visitors 20,40,60,80 --seconds 60 --replicas 2
    python benchmarks/capacity.py --visitors 10,20,40,60,80 --seconds 60 --replicas 1,2  # both
    python benchmarks/capacity.py --visitors 10 --seconds 60 --browser       # + 1 Chromium
    python benchmarks/capacity.py --visitors 10 --seconds 60 --hostile 3 --holders 20
        # 20 sessions upload the largest model, 3 of them tour every page, beside 10
        # normal visitors (the first --visitors count); then everyone leaves
    python benchmarks/capacity.py --url http://host:8080 --server-pids 123,456 --visitors 10

Without ``--url`` it starts its own servers (benchmarks/cluster.py), one per
replica, with the same cookie secret, behind deploy/nginx.conf when there are
two or more. Run it on a quiet machine: the figures are only as steady as the
cores are free.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from autoencoder.network import parameter_count  # noqa: E402
from benchmarks import cluster, hostile  # noqa: E402
from benchmarks.machine import TreeSampler, own_cpu_seconds, tree_rss_mb  # noqa: E402
from benchmarks.report import (  # noqa: E402
    TARGET_P95_SECONDS,
    Level,
    Spread,
    largest_passing,
    markdown,
    spread_text,
    table,
)
from benchmarks.visitor import Visitor, make_drawings  # noqa: E402

PAUSE_BETWEEN_LEVELS = 8.0  # seconds for the last level's sessions to close
WARM_UP_SECONDS = 25.0  # one quick untimed tour first: caches filled, modules imported


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", default="5,10,20", help="a sweep: N,N,... (default 5,10,20)")
    parser.add_argument("--seconds", type=float, default=60.0, help="per level (default 60)")
    parser.add_argument("--url", help="an already running server or proxy (else one is started)")
    parser.add_argument(
        "--server-pids", default="", help="with --url: pids whose process trees are the server"
    )
    parser.add_argument(
        "--replicas",
        default="1",
        help="servers behind nginx (default 1); 1,2: both, side by side; with --url, a label",
    )
    parser.add_argument("--browser", action="store_true", help="+1 Playwright visitor per level")
    parser.add_argument("--hostile", type=int, default=0, help="holders that tour every page")
    parser.add_argument("--holders", type=int, default=20, help="sessions holding the big model")
    parser.add_argument("--settle", type=float, default=60.0, help="hostile: seconds watched after")
    parser.add_argument("--timeout", type=float, default=30.0, help="an action's timeout (s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-warm-up", action="store_true", help="time a cold server too")
    args = parser.parse_args(argv)
    args.levels = [int(value) for value in args.visitors.split(",") if value.strip()]
    args.pids = [int(value) for value in args.server_pids.split(",") if value.strip()]
    args.replica_counts = [int(value) for value in args.replicas.split(",") if value.strip()]
    if not args.replica_counts or min(args.replica_counts) < 1:
        parser.error("--replicas takes positive counts, e.g. 1 or 1,2")
    if args.url and len(args.replica_counts) > 1:
        parser.error("with --url, --replicas is one number: the label of what is behind it")
    if not args.levels or min(args.levels) < 1:
        parser.error("--visitors takes positive counts, e.g. 10,20,40")
    if args.hostile > args.holders:
        parser.error("--hostile counts holders that tour: at most --holders")
    return args


@contextlib.contextmanager
def target(args: argparse.Namespace, replicas: int) -> Iterator[tuple[str, list[int], list[str]]]:
    """The URL to measure, the pids whose trees are the server side (nginx included),
    and the URLs to warm up (each replica directly: through the proxy, one would stay cold).
    """
    if args.url:
        yield args.url.rstrip("/"), args.pids, [args.url.rstrip("/")]
        return
    logs = Path(tempfile.mkdtemp(prefix="capacity-servers-"))  # kept, to read afterwards
    with cluster.cluster(replicas, log_dir=logs) as started:  # with this environment
        url, servers, front = started
        pids = [server.pid for server in servers] + ([front.pid] if front else [])
        print(f"# servers: {', '.join(s.url for s in servers)}; logs in {servers[0].log.parent}")
        if front is not None:
            print(f"# nginx at {front.url} (prefix {front.prefix})")
        yield url, pids, [server.url for server in servers]


async def warm_up(urls: list[str], seed: int) -> None:
    """One visitor per server, quickly, through the whole tour: nothing of it is timed."""
    drawings = make_drawings(seed, 1)
    visitors = [Visitor(url, seed, drawings, think=(0.05, 0.1)) for url in urls]
    until = time.monotonic() + WARM_UP_SECONDS
    await asyncio.gather(*(visitor.run(until) for visitor in visitors))


async def run_level(
    url: str,
    visitors: int,
    args: argparse.Namespace,
    pids: list[int],
    drawings: list[dict],
    replicas: int,
) -> Level:
    before = tree_rss_mb(pids) if pids else math.nan
    sampler = TreeSampler(pids).start()
    cpu_before, started = own_cpu_seconds(), time.monotonic()
    until = started + args.seconds
    crowd = [
        Visitor(url, args.seed * 10_000 + index, drawings, timeout=args.timeout)
        for index in range(visitors)
    ]
    tasks = [visitor.run(until) for visitor in crowd]
    browser = None
    if args.browser:
        from benchmarks.browser_visitor import BrowserVisitor

        browser = BrowserVisitor(url, args.seed * 10_000 + 9_999, timeout=args.timeout)
        tasks.append(browser.run(until))
    results = await asyncio.gather(*tasks, return_exceptions=True)
    wall = time.monotonic() - started
    client_cores = (own_cpu_seconds() - cpu_before) / wall
    usage = sampler.stop()
    level = Level(
        visitors=visitors,
        timings=[timing for visitor in crowd for timing in visitor.timings],
        seconds=wall,
        server_rss_peak_mb=usage.rss_peak_mb if pids else math.nan,
        server_rss_before_mb=before,
        server_cpu_cores=usage.cpu_cores if pids else math.nan,
        client_cpu_cores=client_cores,
        machine_steal=usage.machine_steal,
        replicas=replicas,
    )
    crashed = [result for result in results if isinstance(result, BaseException)]
    for error in crashed:
        print(f"# a visitor crashed: {type(error).__name__}: {error}", file=sys.stderr)
    if browser is not None:
        level.browser = browser.timings
        level.browser_errors = browser.errors
    return level


async def sweep(
    url: str, args: argparse.Namespace, pids: list[int], warm: list[str], replicas: int
) -> list[Level]:
    drawings = make_drawings(args.seed)
    if not args.no_warm_up:
        await warm_up(warm, args.seed)
    levels = []
    for index, visitors in enumerate(args.levels):
        if index:
            await asyncio.sleep(PAUSE_BETWEEN_LEVELS)
        level = await run_level(url, visitors, args, pids, drawings, replicas)
        overall = level.overall()
        print(
            f"# N={visitors}: {overall.count} actions, p95 {overall.p95 * 1000:.0f} ms, "
            f"{level.error_count()} errors",
            file=sys.stderr,
        )
        levels.append(level)
    return levels


async def hostile_run(url: str, args: argparse.Namespace, pids: list[int], warm: list[str]) -> str:
    """Holders of the largest model, some touring every page, beside normal visitors."""
    config, data = hostile.largest_model_zip(args.seed)
    if not args.no_warm_up:
        await warm_up(warm, args.seed)
    before = tree_rss_mb(pids) if pids else math.nan
    sampler = TreeSampler(pids).start()
    holders = [
        hostile.Holder(url, data, tour=index < args.hostile, timeout=max(args.timeout, 60))
        for index in range(args.holders)
    ]
    for holder in holders:  # one after another, as a class's attackers arrive
        try:
            await holder.upload()
        except Exception as error:
            holder.upload_errors.append(f"{type(error).__name__}: {error}")
    until = time.monotonic() + args.seconds
    drawings = make_drawings(args.seed)
    normal = [
        Visitor(url, args.seed * 10_000 + index, drawings, timeout=args.timeout)
        for index in range(args.levels[0])
    ]
    await asyncio.gather(
        *(visitor.run(until) for visitor in normal),
        *(holder.tour_pages(until) for holder in holders if holder.tour and holder.accepted),
        return_exceptions=True,
    )
    usage = sampler.stop()
    for holder in holders:
        await holder.leave()
    settled = await hostile.settle(pids, before, args.settle) if pids else None
    normal_spread = Spread.of([t.seconds for visitor in normal for t in visitor.timings])
    normal_errors = sum(len(t.errors) for visitor in normal for t in visitor.timings)
    attack = [t for holder in holders for t in holder.tour_timings]
    attack_spread = Spread.of([t.seconds for t in attack])
    refused = sum(holder.refused_full for holder in holders)
    accepted = sum(holder.accepted for holder in holders)
    upload_errors = [error for holder in holders for error in holder.upload_errors]
    back = settled.back_after if settled else None
    rows = [
        ["the model", f"{config.describe()} ({parameter_count(config):,} parameters)"],
        ["its zip (MB)", f"{len(data) / 2**20:.2f}"],
        ["holders / touring every page", f"{args.holders} / {args.hostile}"],
        ["uploads accepted", str(accepted)],
        ["uploads refused: 'server is full'", str(refused)],
        ["upload errors", f"{len(upload_errors)} {sorted(set(upload_errors))[:3]}"],
        ["normal visitors", str(len(normal))],
        ["normal visitors: p50 / p95 ms (n)", spread_text(normal_spread)],
        ["normal visitors: errors", str(normal_errors)],
        ["attackers' page opens: p50 / p95 ms (n)", spread_text(attack_spread)],
        ["attackers' errors", str(sum(len(t.errors) for t in attack))],
        ["server RSS before (MB)", f"{before:.0f}"],
        ["server RSS peak (MB)", f"{usage.rss_peak_mb:.0f}"],
        ["server CPU (cores)", f"{usage.cpu_cores:.2f}"],
        [
            f"server RSS {args.settle:.0f} s after all left (MB)",
            f"{settled.last_mb:.0f}" if settled else "",
        ],
        [
            "back within 100 MB of before after (s)",
            "never" if settled and back is None else (f"{back:.0f}" if back is not None else ""),
        ],
        [
            f"normal p95 <= {TARGET_P95_SECONDS:g} s, RSS <= 1.5 GB, memory back",
            "yes"
            if normal_spread.p95 <= TARGET_P95_SECONDS
            and normal_errors == 0
            and usage.rss_peak_mb <= 1536
            and back is not None
            else "no",
        ],
    ]
    return markdown(["hostile run", "value"], rows)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    print(
        f"# capacity: {args.visitors} visitors x {args.seconds:.0f} s, replicas {args.replicas}"
        + (", + 1 browser" if args.browser else "")
        + (f", hostile: {args.holders} holders, {args.hostile} touring" if args.hostile else "")
        + f"; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    levels: list[Level] = []
    for replicas in args.replica_counts:
        with target(args, replicas) as (url, pids, warm):
            if args.hostile:
                print(f"## {replicas} server(s)")
                print(asyncio.run(hostile_run(url, args, pids, warm)))
                continue
            levels += asyncio.run(sweep(url, args, pids, warm, replicas))
    if not levels:
        return
    print(table(levels))
    for replicas in args.replica_counts:
        best = largest_passing(level for level in levels if level.replicas == replicas)
        print(
            f"\nLargest N with p95 <= {TARGET_P95_SECONDS:g} s and no errors, "
            f"{replicas} server(s): " + (str(best) if best is not None else "none of those tried")
        )
    print(f"(load average at the end {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
