"""What the server saw on the wire since the last reset: connections, versions, concurrency.

Plain ASGI has no connection object, so a connection is identified by the listener address
(``scope["server"]``) and the client's address and port (``scope["client"]``): a TCP
connection keeps its client port for life, and HTTP/2 streams share their connection's.
A connection is counted from its first request; one that carries none is not seen.
Bytes are counted at the ASGI level (header names and values plus body, both ways): what
the app exchanged, not the wire (no framing, TLS records or HPACK compression).
Loopback reuses a closed connection's port at once, so that count can be short: where the
engine accepts in Python (hypercorn), ``AcceptCounter`` counts accepted sockets exactly.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from server.asgi import Message, Receive, Scope, Send

ConnectionKey = tuple[Any, ...]


@dataclass
class _Connection:
    listener: str
    protocol: str  # "HTTP/1.1", "HTTP/2", ...
    requests: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0


@dataclass
class ServerStats:
    """Counters the app updates around every request it serves (except /stats itself)."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _connections: dict[ConnectionKey, _Connection] = field(default_factory=dict)
    _versions: Counter[str] = field(default_factory=Counter)
    _in_flight: int = 0
    _peak_in_flight: int = 0
    _in_flight_by_listener: Counter[str] = field(default_factory=Counter)
    _peak_by_listener: Counter[str] = field(default_factory=Counter)
    _requests: int = 0
    _bytes_received: int = 0
    _bytes_sent: int = 0
    _since: float = field(default_factory=time.time)

    def reset(self) -> None:
        with self._lock:
            self._connections.clear()
            self._versions.clear()
            self._in_flight_by_listener.clear()
            self._peak_by_listener.clear()
            self._in_flight = self._peak_in_flight = self._requests = 0
            self._bytes_received = self._bytes_sent = 0
            ACCEPTED.reset()
            self._since = time.time()

    def request_started(self, scope: Scope) -> ConnectionKey:
        key = _connection_key(scope)
        protocol = "HTTP/" + scope.get("http_version", "1.1")
        with self._lock:
            conn = self._connections.get(key)
            if conn is None:
                listener = f"{scope.get('scheme', 'http')}:{_port(scope.get('server'))}"
                conn = self._connections[key] = _Connection(listener, protocol)
            conn.requests += 1
            conn.in_flight += 1
            conn.peak_in_flight = max(conn.peak_in_flight, conn.in_flight)
            self._versions[protocol] += 1
            self._requests += 1
            self._in_flight += 1
            self._peak_in_flight = max(self._peak_in_flight, self._in_flight)
            self._bytes_received += _header_bytes(scope.get("headers") or ())
            self._in_flight_by_listener[conn.listener] += 1
            self._peak_by_listener[conn.listener] = max(
                self._peak_by_listener[conn.listener], self._in_flight_by_listener[conn.listener])
        return key

    def counting(self, receive: Receive, send: Send) -> tuple[Receive, Send]:
        """``receive`` and ``send`` that add the bodies and response headers to the bytes."""
        async def counted_receive() -> Message:
            message = await receive()
            with self._lock:
                self._bytes_received += len(message.get("body") or b"")
            return message

        async def counted_send(message: Message) -> None:
            size = len(message.get("body") or b"") + _header_bytes(message.get("headers") or ())
            with self._lock:
                self._bytes_sent += size
            await send(message)

        return counted_receive, counted_send

    def request_finished(self, key: ConnectionKey) -> None:
        with self._lock:
            conn = self._connections.get(key)
            if conn is not None:  # a reset may have happened mid-request
                conn.in_flight -= 1
                self._in_flight -= 1
                self._in_flight_by_listener[conn.listener] -= 1

    def snapshot(self) -> dict[str, Any]:
        """The JSON document served at /stats."""
        with self._lock:
            conns = list(self._connections.values())
            by_protocol = Counter(c.protocol for c in conns)
            by_listener = Counter(c.listener for c in conns)
            h2_peaks = [c.peak_in_flight for c in conns if c.protocol == "HTTP/2"]
            return {
                "since": self._since,
                "requests": self._requests,
                "connections": len(conns),
                "connections_by_protocol": dict(by_protocol),
                "connections_by_listener": dict(by_listener),
                "requests_per_connection": [c.requests for c in conns],
                "http_versions": dict(self._versions),
                "in_flight": self._in_flight,
                "peak_in_flight": self._peak_in_flight,
                "peak_streams_per_h2_connection": max(h2_peaks, default=0),
                "bytes_received": self._bytes_received,
                "bytes_sent": self._bytes_sent,
                "peak_in_flight_by_listener": dict(self._peak_by_listener),
                # Exact, by listening port; None where the engine accepts outside Python.
                "accepted_by_port": ACCEPTED.snapshot(),
            }


def _header_bytes(headers: Any) -> int:
    return sum(len(name) + len(value) for name, value in headers)


class AcceptCounter:
    """Sockets accepted per listening port, counted at ``socket.accept``.

    hypercorn (asyncio) accepts through ``socket.socket.accept``, so wrapping it counts
    every connection, whatever port the client reuses. granian accepts in Rust: there the
    counter is never installed and the snapshot is None.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[int] = Counter()
        self.installed = False

    def install(self) -> None:
        if self.installed:
            return
        original = socket.socket.accept
        counter = self

        def accept(sock: socket.socket) -> tuple[socket.socket, Any]:
            accepted = original(sock)
            with counter._lock:
                counter._counts[sock.getsockname()[1]] += 1
            return accepted

        socket.socket.accept = accept  # type: ignore[method-assign]
        self.installed = True

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()

    def snapshot(self) -> dict[str, int] | None:
        with self._lock:
            return ({str(port): n for port, n in self._counts.items()} if self.installed
                    else None)


ACCEPTED = AcceptCounter()


def _port(address: Any) -> Any:
    return address[1] if address else None


def _connection_key(scope: Scope) -> ConnectionKey:
    server = tuple(scope.get("server") or ())
    client = tuple(scope.get("client") or ())
    return (scope.get("scheme"), server, client)
