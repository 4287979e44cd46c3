"""A ``streamlit run`` server for the browser tests and the benchmarks: on a free port, from
the project folder, its output written to a log file that is read, never a pipe.

(A pipe nobody reads fills at 64 KB of log lines, and then the server blocks.)
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
LOG_TAIL = 4000  # characters of the log shown when the server fails to start


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path  # everything the server printed

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(server: Server, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{server.log_text()[-LOG_TAIL:]}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"streamlit did not come up at {server.url}")


@contextlib.contextmanager
def running(
    script: Path = APP,
    environment: dict[str, str] | None = None,
    arguments: Sequence[str] = (),
    *,
    keep_log: bool = False,
) -> Iterator[Server]:
    """``streamlit run script`` on a free port until the block ends; yields the server.

    Started in the project folder, where ``.streamlit/config.toml`` lives, as on
    Community Cloud. The log is removed afterwards unless ``keep_log``.
    """
    port = free_port()
    handle, name = tempfile.mkstemp(prefix="streamlit-server-", suffix=".log")
    log = Path(name)
    with os.fdopen(handle, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script),
             "--server.port", str(port), "--server.address", "127.0.0.1", *arguments],
            cwd=ROOT,
            env={**os.environ, **(environment or {})},
            stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_until_healthy(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if not keep_log:
            log.unlink(missing_ok=True)
