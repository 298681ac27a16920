"""The floor: a minimal raw-socket HTTP/1.1 client, to show what the server itself allows.

It sends a fixed GET and reads a Content-Length body, nothing else (no chunked coding, no
redirects, no header objects). Measured beside the clients under test on the same server in
the same run, its time per request is the part of a request no Python client can avoid.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from urllib.parse import urlsplit

MAX_HEADER_BYTES = 64 * 1024


class FloorError(RuntimeError):
    """The server's answer was not the small HTTP/1.1 response the floor client expects."""


def _request_bytes(host: str, path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n\r\n".encode("ascii")


def _parse_head(head: bytes) -> tuple[int, int]:
    """(status, content length) from a response head; the floor needs nothing more."""
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
        raise FloorError(f"not an HTTP/1.x status line: {lines[0][:60]!r}")
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length is None:
        raise FloorError("response has no Content-Length")
    return int(parts[1]), length


class FloorClient:
    """One keep-alive connection to ``base_url`` (http or https), GET only."""

    def __init__(self, base_url: str, ssl_context: ssl.SSLContext | None = None,
                 timeout: float = 10.0) -> None:
        url = urlsplit(base_url)
        self.host = url.netloc
        self.address = (url.hostname or "127.0.0.1", url.port or 80)
        self.tls = url.scheme == "https"
        self.ssl_context = ssl_context
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self.buffer = b""

    def connect(self) -> None:
        # The socket options httpx's sync transport sets (httpcore: TCP_NODELAY, nothing
        # else); the async floor gets the same from asyncio. tests/test_bench_floor.py
        # compares them with httpx's own socket.
        sock = socket.create_connection(self.address, timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls:
            context = self.ssl_context or ssl.create_default_context()
            sock = context.wrap_socket(sock, server_hostname=self.address[0])
        self.sock, self.buffer = sock, b""

    def get(self, path: str) -> tuple[int, bytes]:
        """Send one GET on the open connection (opening it if needed); (status, body)."""
        if self.sock is None:
            self.connect()
        assert self.sock is not None
        self.sock.sendall(_request_bytes(self.host, path))
        while b"\r\n\r\n" not in self.buffer:
            if len(self.buffer) > MAX_HEADER_BYTES:
                raise FloorError("response head over 64 KiB")
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status, length = _parse_head(head)
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, body

    def _fill(self) -> None:
        assert self.sock is not None
        chunk = self.sock.recv(256 * 1024)
        if not chunk:
            raise FloorError("server closed the connection mid-response")
        self.buffer += chunk

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def __enter__(self) -> FloorClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def get_once(base_url: str, path: str, ssl_context: ssl.SSLContext | None = None) -> int:
    """One GET on a new connection (the floor for one-off calls); returns the status."""
    with FloorClient(base_url, ssl_context) as client:
        return client.get(path)[0]


async def get_once_async(base_url: str, path: str,
                         ssl_context: ssl.SSLContext | None = None) -> int:
    """One GET on a new asyncio connection (the floor for concurrent fan-out)."""
    url = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(
        url.hostname, url.port, ssl=ssl_context if url.scheme == "https" else None)
    try:
        writer.write(_request_bytes(url.netloc, path))
        head = await reader.readuntil(b"\r\n\r\n")
        status, length = _parse_head(head[:-4])
        await reader.readexactly(length)
        return status
    finally:
        writer.close()
