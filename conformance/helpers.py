"""Small tools the claim tests share: one request, reading the server's echo, raw sockets."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import email.parser
import email.policy
import socket
import threading
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
