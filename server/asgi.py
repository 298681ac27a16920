"""Small helpers for writing plain-ASGI handlers: a request view and response senders."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Headers = list[tuple[str, str]]

# Requests larger than this are refused with 413 rather than buffered.
MAX_REQUEST_BODY = 64 * 1024 * 1024


class BadRequest(Exception):
    """A parameter the endpoint cannot accept; becomes a 400 with a JSON error."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Request:
    """What a handler needs to know about the request it is answering."""

    scope: Scope
    receive: Receive
    params: dict[str, str] = field(default_factory=dict)
    _body: bytes | None = None

    @property
    def method(self) -> str:
        return self.scope["method"]

    @property
    def raw_path(self) -> str:
        raw = self.scope.get("raw_path") or self.scope["path"].encode()
        return raw.decode("latin-1")

    @property
    def raw_query(self) -> str:
        return self.scope.get("query_string", b"").decode("latin-1")

    @property
    def query_items(self) -> list[tuple[str, str]]:
        return parse_qsl(self.raw_query, keep_blank_values=True)

    @property
    def query(self) -> dict[str, str]:
        return dict(self.query_items)

    @property
    def headers(self) -> Headers:
        """Headers in wire order, names lower-cased as the ASGI server hands them over."""
        return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in self.scope["headers"]]

    def header(self, name: str, default: str | None = None) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return default

    @property
    def http_version(self) -> str:
        return self.scope.get("http_version", "1.1")

    @property
    def scheme(self) -> str:
        return self.scope.get("scheme", "http")

    @property
    def host(self) -> str:
        return self.header("host") or self.header(":authority") or "127.0.0.1"

    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}"

    def query_float(self, name: str, default: float, low: float, high: float) -> float:
        return bounded_float(name, self.query.get(name), default, low, high)

    def query_int(self, name: str, default: int, low: int, high: int) -> int:
        return bounded_int(name, self.query.get(name), default, low, high)

    async def body(self) -> bytes:
        if self._body is None:
            chunks: list[bytes] = []
            size = 0
            while True:
                message = await self.receive()
                if message["type"] == "http.disconnect":
                    break
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > MAX_REQUEST_BODY:
                    raise BadRequest(f"request body over {MAX_REQUEST_BODY} bytes", 413)
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
            self._body = b"".join(chunks)
        return self._body


def bounded_float(name: str, raw: str | None, default: float, low: float, high: float) -> float:
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}, got {raw}")
    return value


def bounded_int(name: str, raw: str | None, default: int, low: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}, got {raw}")
    return value


def encode_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]


async def send_start(send: Send, status: int, headers: Iterable[tuple[str, str]]) -> None:
    await send(
        {"type": "http.response.start", "status": status, "headers": encode_headers(headers)}
    )


async def send_bytes(
    send: Send,
    body: bytes,
    status: int = 200,
    content_type: str = "application/octet-stream",
    headers: Iterable[tuple[str, str]] = (),
) -> None:
    all_headers = [("content-type", content_type), ("content-length", str(len(body)))]
    all_headers.extend(headers)
    await send_start(send, status, all_headers)
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def send_json(
    send: Send, data: Any, status: int = 200, headers: Iterable[tuple[str, str]] = ()
) -> None:
    body = json.dumps(data, separators=(",", ":")).encode() + b"\n"
    await send_bytes(send, body, status, "application/json", headers)


async def send_error(send: Send, status: int, message: str) -> None:
    await send_json(send, {"error": message, "status": status}, status)
