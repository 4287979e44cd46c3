"""A tiny asyncio HTTP/1.1 client, as much of one as a simulated browser needs.

GET and PUT over a few keep-alive connections per visitor (a browser keeps up to
six per host), with a cookie jar, so that a proxy's affinity cookie and
Streamlit's XSRF cookie travel with every request as a browser's would. No
TLS, no redirects, no compression: the benchmark talks to its own servers.
aiohttp is not installed, and a thread per request (urllib) would cost the
client more CPU than the servers it measures.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from urllib.parse import urlsplit

CONNECTIONS = 6  # per visitor and host, as Chromium opens
READ_LIMIT = 2**24  # longest header block or chunk line accepted


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # lower-cased names; repeated Set-Cookie joined by "\n"
    body: bytes


class HttpError(RuntimeError):
    """The connection failed or the answer was not HTTP."""


def parse_set_cookie(value: str) -> tuple[str, str] | None:
    """``name=value; Path=/; ...`` -> (name, value); None for a malformed header."""
    pair = value.split(";", 1)[0].strip()
    if "=" not in pair:
        return None
    name, _, cookie = pair.partition("=")
    return name.strip(), cookie.strip()


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


class HttpClient:
    """One visitor's HTTP side: keep-alive connections to one host and its cookies."""

    def __init__(self, base_url: str, connections: int = CONNECTIONS) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.host_header = parts.netloc
        self.cookies: dict[str, str] = {}
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(connections)

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    async def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return await self.request("GET", path, headers=headers)

    async def put_multipart(
        self,
        path: str,
        *,
        field: str,
        filename: str,
        data: bytes,
        content_type: str = "application/octet-stream",
        headers: dict[str, str] | None = None,
    ) -> Response:
        """One file as ``multipart/form-data``, as a browser's FormData sends it."""
        boundary = "----capacityBoundary7MA4YWxkTrZu0gW"
        head = (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        body = head + data + f"\r\n--{boundary}--\r\n".encode()
        extra = {"Content-Type": f"multipart/form-data; boundary={boundary}", **(headers or {})}
        return await self.request("PUT", path, headers=extra, body=body)

    async def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> Response:
        async with self._slots:
            reused = bool(self._idle)
            connection = self._idle.pop() if reused else await self._open()
            try:
                response, keep = await self._exchange(connection, method, path, headers, body)
            except (OSError, asyncio.IncompleteReadError, HttpError):
                connection.close()
                if not reused:
                    raise
                # A kept-alive connection the server closed meanwhile: once more, on a new one.
                connection = await self._open()
                response, keep = await self._exchange(connection, method, path, headers, body)
            if keep:
                self._idle.append(connection)
            else:
                connection.close()
        for line in response.headers.get("set-cookie", "").split("\n"):
            cookie = parse_set_cookie(line) if line else None
            if cookie:
                self.cookies[cookie[0]] = cookie[1]
        return response

    async def close(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()

    async def _open(self) -> _Connection:
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port, limit=READ_LIMIT)
        except OSError as error:
            raise HttpError(f"cannot connect to {self.host}:{self.port}: {error}") from error
        return _Connection(reader, writer)

    async def _exchange(
        self,
        connection: _Connection,
        method: str,
        path: str,
        headers: dict[str, str] | None,
        body: bytes,
    ) -> tuple[Response, bool]:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host_header}"]
        sent = {"Connection": "keep-alive", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = self.cookie_header()
        if body or method in ("PUT", "POST"):
            sent["Content-Length"] = str(len(body))
        lines += [f"{name}: {value}" for name, value in sent.items()]
        connection.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await connection.writer.drain()
        return await read_response(connection.reader, head_only=method == "HEAD")


async def read_response(
    reader: asyncio.StreamReader, head_only: bool = False
) -> tuple[Response, bool]:
    """Read one response; also whether its connection may be used again."""
    block = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = block.decode("latin-1").split("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise HttpError(f"not an HTTP response: {status_line[:80]!r}")
    status = int(parts[1])
    headers: dict[str, str] = {}
    for line in header_lines:
        if not line:
            continue
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        headers[name] = f"{headers[name]}\n{value}" if name in headers else value
    if head_only or status in (204, 304) or 100 <= status < 200:
        body = b""
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        body = await _read_chunked(reader)
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    else:  # delimited by the connection's end
        body = await reader.read()
        return Response(status, headers, body), False
    keep = headers.get("connection", "").lower() != "close" and parts[0] == "HTTP/1.1"
    return Response(status, headers, body), keep


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers, then the end
                pass
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)
