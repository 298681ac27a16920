"""A scripted wire server: plays one exchange per connection on a raw loopback socket.

What an ASGI app cannot do (a chosen reason phrase, a malformed header, a reset at a
chosen byte, RST_STREAM or GOAWAY mid-flight) is written here byte by byte, or frame by
frame with the ``h2`` library. A script is a function ``script(conn, index)`` called in
a thread for each accepted connection (``index`` counts them from 0, so a script can
misbehave on the first and answer the retry properly).

Bounded: every read has a deadline (``DEADLINE`` seconds per connection), a request head
is at most ``MAX_HEAD`` bytes, a drained body at most ``MAX_DRAIN`` bytes, and ``stop()``
closes the listener and every connection, then joins the threads within 2 s. Loopback
only. TLS uses a throw-away trustme CA kept in memory (server.certs).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from server.certs import CertificateFiles, make_certificates

DEADLINE = 10.0  # seconds a connection may live
MAX_HEAD = 64 * 1024
MAX_DRAIN = 32 * 1024 * 1024
STOP_JOIN = 2.0


class ScriptTimeout(Exception):
    """The client did not send what the script waited for within the deadline."""


@cache
def certificates() -> CertificateFiles:
    """One throw-away CA per process, in memory files that vanish with the process."""
    return make_certificates()


def client_ssl_context() -> ssl.SSLContext:
    """A client context that trusts only the wire server's CA."""
    return ssl.create_default_context(cafile=str(certificates().ca))


class WireCA:
    """The wire server's CA in the shape a client's trust set-up reads: ``ca`` (a file
    path) and ``ssl_context()``, as ``ServerInfo`` has them for the main server."""

    @property
    def ca(self) -> Path:
        return certificates().ca

    def ssl_context(self) -> ssl.SSLContext:
        return client_ssl_context()


def _server_ssl_context(alpn: list[str]) -> ssl.SSLContext:
    certs = certificates()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(certs.cert_chain), str(certs.key))
    context.set_alpn_protocols(alpn)
    return context


@dataclass
class WireConnection:
    """One accepted connection, with the few moves scripts make."""

    sock: socket.socket
    index: int
    deadline: float
    notes: dict[str, Any] = field(default_factory=dict)  # what the script saw, for tests
    buffer: bytes = b""
    received: int = 0  # bytes read from the client so far
    # Set once an HTTP/2 script has judged the client's first bytes (a preface or not),
    # or the connection ended: what WireServer.settle() waits for.
    judged: threading.Event = field(default_factory=threading.Event)

    def _remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise ScriptTimeout("connection deadline reached")
        return left

    def recv(self, size: int = 65536) -> bytes:
        """Next bytes from the client (b"" when it closed)."""
        if self.buffer:
            data, self.buffer = self.buffer[:size], self.buffer[size:]
            return data
        self.sock.settimeout(min(self._remaining(), 1.0))
        while True:
            try:
                data = self.sock.recv(size)
            except TimeoutError:
                self.sock.settimeout(min(self._remaining(), 1.0))
                continue
            self.received += len(data)
            return data

    def read_head(self) -> bytes:
        """The request line and headers, up to the blank line (the rest stays buffered)."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.recv()
            if not chunk:
                raise ConnectionError("client closed before a full request head")
            data += chunk
            if len(data) > MAX_HEAD:
                raise ConnectionError("request head over MAX_HEAD")
        head, _, rest = data.partition(b"\r\n\r\n")
        self.buffer = rest + self.buffer
        return head

    def read_body(self, head: bytes) -> bytes:
        """The Content-Length body that follows ``head`` (bounded)."""
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = min(int(value), MAX_DRAIN)
        body = b""
        while len(body) < length:
            chunk = self.recv(length - len(body))
            if not chunk:
                break
            body += chunk
        return body

    def read_request(self) -> bytes:
        head = self.read_head()
        self.read_body(head)
        return head

    def send(self, data: bytes) -> None:
        self.sock.settimeout(self._remaining())
        self.sock.sendall(data)

    def drip(self, data: bytes, interval: float) -> None:
        """Send one byte every ``interval`` seconds (stops early if the client leaves)."""
        for i in range(len(data)):
            self.send(data[i:i + 1])
            time.sleep(interval)

    def wait_for_close(self, limit: float = DEADLINE) -> None:
        """Read and discard until the client closes (bounded in time and bytes)."""
        end = min(self.deadline, time.monotonic() + limit)
        drained = 0
        while time.monotonic() < end and drained < MAX_DRAIN:
            self.sock.settimeout(max(0.01, min(end - time.monotonic(), 1.0)))
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            drained += len(data)

    def reset(self) -> None:
        """Abort with a TCP RST (SO_LINGER 0) instead of an orderly FIN."""
        with contextlib.suppress(OSError):
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close()

    def finish(self, limit: float = 2.0) -> None:
        """An orderly close (a FIN): stop writing, read what the client still sends until it
        closes (bounded), then close. A bare close() with bytes unread in the receive
        buffer (an HTTP/2 client's SETTINGS ACK, say) makes Linux send an RST instead."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_WR)  # on TLS: no close_notify, a TCP FIN only
        self.wait_for_close(limit)
        self.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


Script = Callable[[WireConnection], None]


def no_http2_preface(error: Exception) -> bool:
    """h2's own error for a client whose first bytes are not the HTTP/2 connection preface."""
    return type(error).__module__.startswith("h2.") and "preamble" in str(error)


@dataclass
class WireServer:
    """A loopback listener running ``script`` on every connection, until ``stop()``."""

    script: Script
    tls: bool = False
    alpn: tuple[str, ...] = ("http/1.1",)
    http2: bool = False  # the script speaks HTTP/2 (over TLS: ALPN h2; else prior knowledge)
    deadline: float = DEADLINE
    errors: list[str] = field(default_factory=list)  # what scripts raised, for the test
    # Connections of an HTTP/2 script whose client sent no HTTP/2 preface (it spoke
    # HTTP/1.1 though asked for HTTP/2): the target's doing, not a failed script.
    not_http2: list[int] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)  # shared by every connection
    connections: int = 0
    trust: dict[str, Any] = field(default_factory=dict)  # client arguments trusting the CA
    _listener: socket.socket | None = None
    _threads: list[threading.Thread] = field(default_factory=list)
    _socks: list[socket.socket] = field(default_factory=list)
    _judged: list[threading.Event] = field(default_factory=list)  # one per connection
    _stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        assert self._listener is not None
        port = self._listener.getsockname()[1]
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{port}"

    def start(self) -> WireServer:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        listener.settimeout(0.1)
        self._listener = listener
        context = _server_ssl_context(list(self.alpn)) if self.tls else None
        acceptor = threading.Thread(target=self._accept, args=(context,), daemon=True,
                                    name="wire-accept")
        self._threads.append(acceptor)
        acceptor.start()
        return self

    def _accept(self, context: ssl.SSLContext | None) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            index, self.connections = self.connections, self.connections + 1
            self._socks.append(sock)
            worker = threading.Thread(target=self._serve, args=(sock, index, context),
                                      daemon=True, name=f"wire-conn-{index}")
            self._threads.append(worker)
            worker.start()

    def _serve(self, sock: socket.socket, index: int, context: ssl.SSLContext | None) -> None:
        deadline = time.monotonic() + self.deadline
        judged = threading.Event()  # before the handshake: settle() waits for it too
        self._judged.append(judged)
        try:
            if context is not None:
                sock.settimeout(self.deadline)
                sock = context.wrap_socket(sock, server_side=True)
                self._socks.append(sock)
            self.script(WireConnection(sock, index, deadline, self.notes, judged=judged))
        except Exception as error:
            if self.http2 and no_http2_preface(error):
                self.not_http2.append(index)
            elif not self._stopping.is_set():
                self.errors.append(f"connection {index}: {type(error).__name__}: {error}")
        finally:
            judged.set()  # after the error is recorded
            with contextlib.suppress(OSError):
                sock.close()

    def settle(self, timeout: float) -> None:
        """Wait, at most ``timeout`` seconds in all, until every connection's script has
        judged what its client sent first: a client that gave up at once (it read HTTP/2
        frames as HTTP/1.1) returns before its script has read that client's bytes."""
        deadline = time.monotonic() + timeout
        for judged in list(self._judged):
            judged.wait(max(0.0, deadline - time.monotonic()))

    def stop(self) -> None:
        """Close the listener and every connection; threads end within STOP_JOIN."""
        self._stopping.set()
        if self._listener is not None:
            self._listener.close()
        for sock in self._socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()
        end = time.monotonic() + STOP_JOIN
        for thread in self._threads:
            thread.join(timeout=max(0.0, end - time.monotonic()))

    def alive_threads(self) -> int:
        return sum(thread.is_alive() for thread in self._threads)

    def __enter__(self) -> WireServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


class H2Peer:
    """The server side of an HTTP/2 connection on a WireConnection, built on ``h2``."""

    def __init__(self, conn: WireConnection, settings: dict[int, int] | None = None) -> None:
        import h2.config
        import h2.connection
        import h2.settings

        self.conn = conn
        # No outbound validation or normalisation: the scripts send malformed headers.
        config = h2.config.H2Configuration(client_side=False, header_encoding="utf-8",
                                           validate_inbound_headers=False,
                                           validate_outbound_headers=False,
                                           normalize_outbound_headers=False)
        self.h2 = h2.connection.H2Connection(config=config)
        if settings:  # in the first SETTINGS frame, as servers do
            self.h2.local_settings = h2.settings.Settings(client=False, initial_values=settings)
        self.h2.initiate_connection()
        self.requests: dict[int, list[tuple[str, str]]] = {}  # stream id -> headers
        self.ended: set[int] = set()  # streams whose request body is complete
        self.ping_acks = 0
        self.open_streams = 0
        self.peak_open_streams = 0
        self.closed = False
        self.flush()

    def flush(self) -> None:
        data = self.h2.data_to_send()
        if data:
            self.conn.send(data)

    def pump(self) -> list[Any]:
        """Read once from the client and feed h2; returns the events."""
        import h2.events

        data = self.conn.recv()
        if not data:
            self.closed = True
            self.conn.judged.set()
            return []
        events = self.h2.receive_data(data)
        self.conn.judged.set()  # the preface was read (else receive_data raised)
        for event in events:
            if isinstance(event, h2.events.RequestReceived):
                self.requests[event.stream_id] = list(event.headers)
                self.open_streams += 1
                self.peak_open_streams = max(self.peak_open_streams, self.open_streams)
            elif isinstance(event, h2.events.StreamEnded):
                self.ended.add(event.stream_id)
            elif isinstance(event, h2.events.PingAckReceived):
                self.ping_acks += 1
            elif isinstance(event, h2.events.DataReceived):
                self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        self.flush()
        return events

    def wait_until(self, condition: Callable[[], bool]) -> None:
        while not condition():
            if self.closed:
                raise ConnectionError("client closed the connection")
            self.pump()

    def wait_for_requests(self, count: int) -> list[int]:
        """Stream ids of the first ``count`` complete requests."""
        self.wait_until(lambda: len(self.ended & set(self.requests)) >= count)
        return sorted(self.ended & set(self.requests))[:count]

    def respond(self, stream_id: int, body: bytes = b"", status: int = 200,
                end: bool = True, headers: list[tuple[str, str]] | None = None,
                length: int | None = None) -> None:
        head = [(":status", str(status)), ("content-length",
                                           str(len(body) if length is None else length)),
                *(headers or [])]
        self.h2.send_headers(stream_id, head)
        if body or end:
            self.h2.send_data(stream_id, body, end_stream=end)
        if end:
            self.open_streams -= 1
        self.flush()

    def reset(self, stream_id: int, code: int = 0x8) -> None:  # CANCEL
        self.h2.reset_stream(stream_id, error_code=code)
        self.open_streams -= 1
        self.flush()

    def goaway(self, last_stream_id: int, code: int = 0) -> None:
        """A GOAWAY frame written by hand: h2's close_connection() would refuse to send on
        the streams at or below last_stream_id, which the server may still complete."""
        from hyperframe.frame import GoAwayFrame

        self.flush()
        frame = GoAwayFrame(0, last_stream_id=last_stream_id, error_code=code)
        self.conn.send(frame.serialize())
