"""Streamlit servers for the benchmarks, one or several behind deploy/nginx.conf.

:func:`replicas` starts ``streamlit run app.py`` on free ports, each with its
output in a log file (never a pipe, which fills and stalls a busy server) and the
same ``server.cookieSecret``; :func:`proxy` runs nginx in the foreground with a
temporary prefix and the deploy configuration rendered for those ports. The
server helpers shared with the browser tests (free ports, the health wait) are
imported from tests/browser/conftest.py, not copied.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.browser.conftest import free_port  # noqa: E402

NGINX_TEMPLATE = ROOT / "deploy" / "nginx.conf"
NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")
ACCESS_LOG = "logs/access.log"
# One line per request: which replica served it, for whom (the route cookie), what.
LOG_FORMAT = '$upstream_addr "$route" $status "$request_method $uri" $request_time'
START_SECONDS = 90.0


@dataclass(frozen=True)
class Server:
    url: str
    pid: int
    log: Path


def nginx_path() -> str | None:
    found = shutil.which("nginx")
    return found or next((path for path in NGINX_CANDIDATES if Path(path).exists()), None)


def wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} was not healthy within {timeout:.0f} s")


@contextlib.contextmanager
def replicas(
    count: int = 1,
    *,
    environment: dict[str, str] | None = None,
    options: dict[str, str] | None = None,
    log_dir: Path | None = None,
) -> Iterator[list[Server]]:
    """``count`` servers of app.py sharing one cookie secret; stopped on exit.

    Their logs go to ``log_dir``, kept; without one, to a temporary folder removed on exit.
    """
    secret = secrets.token_hex(16)
    folder = Path(log_dir or tempfile.mkdtemp(prefix="capacity-servers-"))
    folder.mkdir(parents=True, exist_ok=True)
    started: list[tuple[subprocess.Popen[bytes], Server]] = []
    env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": secret, **(environment or {})}
    try:
        for _ in range(count):
            port = free_port()
            log = folder / f"streamlit-{port}.log"
            flags = [f"--{name}={value}" for name, value in (options or {}).items()]
            with open(log, "wb") as output:
                process = subprocess.Popen(
                    [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
                     "--server.port", str(port), "--server.address", "127.0.0.1", *flags],
                    cwd=ROOT,  # where .streamlit/config.toml lives, as on Community Cloud
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )  # fmt: skip
            started.append((process, Server(f"http://127.0.0.1:{port}", process.pid, log)))
        for process, server in started:
            wait_healthy(server.url, process, server.log, START_SECONDS)
        yield [server for _, server in started]
    finally:
        for process, _ in started:
            process.terminate()
        for process, _ in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if log_dir is None:
            shutil.rmtree(folder, ignore_errors=True)


def render_site(template: str, upstreams: list[str], listen: str) -> str:
    """deploy/nginx.conf with these replicas (``host:port``) and this ``listen`` address."""
    lines = template.splitlines()
    out: list[str] = []
    in_upstream = replaced = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("upstream "):
            in_upstream = True
        elif in_upstream and stripped == "}":
            in_upstream = False
        if in_upstream and re.match(r"server\s+\S+:\d+", stripped):
            if not replaced:
                indent = line[: len(line) - len(line.lstrip())]
                out += [f"{indent}server {address} max_fails=0;" for address in upstreams]
                replaced = True
            continue
        if re.match(r"listen\s+\S+;", stripped):
            line = re.sub(r"listen\s+\S+;", f"listen {listen};", line)
        out.append(line)
    if not replaced:
        raise ValueError("the template's upstream has no `server host:port` lines")
    return "\n".join(out) + "\n"


def main_config(site: str, worker_processes: int = 1) -> str:
    """A whole nginx.conf around ``site`` for a foreground, unprivileged nginx."""
    return f"""# Generated by benchmarks/cluster.py: nginx run in the foreground from a temp prefix.
worker_processes {worker_processes};
pid nginx.pid;
error_log logs/error.log warn;
events {{ worker_connections 4096; }}
http {{
    log_format replicas '{LOG_FORMAT}';
    access_log {ACCESS_LOG} replicas;
    client_body_temp_path temp/body;
    proxy_temp_path temp/proxy;
    fastcgi_temp_path temp/fastcgi;
    uwsgi_temp_path temp/uwsgi;
    scgi_temp_path temp/scgi;
{site}
}}
"""


@dataclass(frozen=True)
class Proxy:
    url: str
    pid: int
    prefix: Path

    def access_log(self) -> list[str]:
        path = self.prefix / ACCESS_LOG
        return path.read_text(errors="replace").splitlines() if path.exists() else []


@contextlib.contextmanager
def proxy(upstreams: list[str], *, nginx: str | None = None) -> Iterator[Proxy]:
    """nginx (not a daemon) on a free port in front of ``upstreams``; stopped on exit."""
    binary = nginx or nginx_path()
    if binary is None:
        raise FileNotFoundError("nginx is not installed")
    prefix = Path(tempfile.mkdtemp(prefix="capacity-nginx-"))
    for folder in ("logs", "temp"):
        (prefix / folder).mkdir()
    port = free_port()
    site = render_site(NGINX_TEMPLATE.read_text(), upstreams, f"127.0.0.1:{port}")
    (prefix / "nginx.conf").write_text(main_config(site))
    command = [binary, "-p", f"{prefix}/", "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"]
    check = subprocess.run([*command[:5], "-t"], capture_output=True, text=True, check=False)
    if check.returncode != 0:
        raise RuntimeError(f"nginx refused the configuration:\n{check.stderr}")
    with open(prefix / "logs" / "stdout.log", "wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, prefix / "logs" / "error.log", 20)
        yield Proxy(url, process.pid, prefix)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(prefix, ignore_errors=True)


@contextlib.contextmanager
def cluster(
    count: int, *, environment: dict[str, str] | None = None, log_dir: Path | None = None
) -> Iterator[tuple[str, list[Server], Proxy | None]]:
    """One server (no proxy) or ``count`` replicas behind nginx: (url, servers, proxy)."""
    with replicas(count, environment=environment, log_dir=log_dir) as servers:
        if count == 1:
            yield servers[0].url, servers, None
            return
        with proxy([server.url.removeprefix("http://") for server in servers]) as front:
            yield front.url, servers, front
