"""Small tools the claim tests share: one request, reading the server's echo, raw sockets."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import email.parser
import email.policy
import socket
import threading
import time
from collections.abc import Coroutine, Iterator
from typing import Any
from urllib.parse import urlencode


def send(hx: Any, method: str, url: str, **kwargs: Any) -> Any:
    """One request through a Client with the target's defaults.

    Claims about the top-level functions (httpx.get, httpx.stream...) call them; every
    other claim uses a Client, which every API generation has.
    """
    with hx.Client() as client:
        return client.request(method, url, **kwargs)


def fetch(hx: Any, url: str, **kwargs: Any) -> Any:
    """A GET through a Client with the target's defaults (see ``send``)."""
    return send(hx, "GET", url, **kwargs)


def with_query(url: str, query: dict[str, str]) -> str:
    """``url`` with ``query`` encoded into it: for claims where ``params=`` is not the point."""
    return f"{url}?{urlencode(query)}"


def echo(response: Any) -> dict[str, Any]:
    """The /anything echo document of a response (httpx or requests), its ``headers`` keyed
    by lower-case name (the server shows httpbin's capitalisation; names are
    case-insensitive, and the wire's own spelling is in ``header_list``)."""
    doc = response.json()
    if isinstance(doc.get("headers"), dict):
        doc["headers"] = {name.lower(): value for name, value in doc["headers"].items()}
    return doc


def sent_body(response: Any) -> bytes:
    """The request body exactly as the server received it."""
    return base64.b64decode(echo(response)["body_base64"])


def multipart_parts(body: bytes, content_type: str) -> list[dict[str, Any]]:
    """Parts of a multipart/form-data body: name, filename, content type, payload."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    parts = []
    for part in message.iter_parts():
        parts.append({
            "name": part.get_param("name", header="content-disposition"),
            "filename": part.get_filename(),
            "content_type": part.get("content-type"),
            "payload": part.get_payload(decode=True),
        })
    return parts


def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run one coroutine on a fresh event loop (tests are plain functions)."""
    return asyncio.run(coroutine)


@contextlib.contextmanager
def silent_listener(backlog: int = 1, fill: bool = False) -> Iterator[str]:
    """A loopback TCP port that accepts nothing and reads nothing; yields its http URL.

    With ``fill`` the accept queue is filled first, so a further connect() is not answered
    (the kernel drops the SYN) and only a connect timeout can end it.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    fillers: list[socket.socket] = []
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(backlog)
        port = listener.getsockname()[1]
        if fill:
            for _ in range(backlog + 4):
                filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                filler.setblocking(False)
                with contextlib.suppress(BlockingIOError, OSError):
                    filler.connect(("127.0.0.1", port))
                fillers.append(filler)
        yield f"http://127.0.0.1:{port}"
    finally:
        for sock in fillers:
            sock.close()
        listener.close()


@contextlib.contextmanager
def accepting_sink() -> Iterator[str]:
    """A loopback port that accepts connections but never reads from them (write stalls)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                conn, _ = listener.accept()
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                accepted.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in accepted:
            conn.close()
        listener.close()


def free_port_url() -> str:
    """An http URL on a loopback port nobody listens on (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# Concurrency claims need every request in flight at once: the server holds each for a
# delay long enough for the client to start all of them, measured, not guessed.
OVERLAP_MARGIN = 4.0  # times the measured time to start them all
OVERLAP_SAMPLES = 5
MAX_OVERLAP_DELAY = 4.0  # under the default 5 s timeout, which the claims leave as it is


def overlap_delay(hx: Any, base_url: str, concurrent: int, least: float) -> float:
    """Seconds for /delay/ so ``concurrent`` requests overlap on this machine, now.

    The cost of one request on a new connection (``Connection: close``), measured with the
    target itself, times ``concurrent`` and a margin; never below ``least`` (the delay the
    claim names) nor above MAX_OVERLAP_DELAY.
    """
    with hx.Client() as client:
        start = time.monotonic()
        for _ in range(OVERLAP_SAMPLES):
            client.get(base_url + "/get", headers={"Connection": "close"})
        cost = (time.monotonic() - start) / OVERLAP_SAMPLES
    return round(min(MAX_OVERLAP_DELAY, max(least, OVERLAP_MARGIN * concurrent * cost)), 2)


def http_connections(server: Any, stats: Any) -> int:
    """Connections the plain http listener accepted since the last reset: exact.

    From the server's accepted-socket count where the engine has one; else from the client
    ports the requests came from, which loopback's port reuse can make short. Every /stats
    read (urllib) is a connection of its own: this one is not counted, so read no other
    between the reset and this call.
    """
    port = server.http.rsplit(":", 1)[1]
    snapshot = stats.get()
    accepted = snapshot.get("accepted_by_port")
    if accepted is not None:
        return int(accepted.get(port, 0)) - 1
    return sum(n for listener, n in snapshot["connections_by_listener"].items()
               if listener == f"http:{port}")


def http_peak_in_flight(server: Any, stats: Any) -> int:
    """Most requests the plain http listener held at once since the last reset (the slow
    timeout jobs run on another listener, so they do not add to it)."""
    port = server.http.rsplit(":", 1)[1]
    return int(stats.get()["peak_in_flight_by_listener"].get(f"http:{port}", 0))
