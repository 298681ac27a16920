"""httpbin's conditional and partial requests: /etag, /cache, /cache/{n}, /range/{n}."""

from __future__ import annotations

import re
import uuid
from email.utils import formatdate

from server.asgi import BadRequest, Request, Send, bounded_int, send_bytes, send_json

MAX_RANGE_BYTES = 100 * 1024  # httpbin's limit for /range
_ALPHABET = b"abcdefghijklmnopqrstuvwxyz"


async def _get_echo(request: Request) -> dict[str, object]:
    from server.endpoints import echo_document

    document = await echo_document(request)
    return {k: document[k] for k in ("args", "headers", "origin", "url")}


def _etags(header: str | None) -> list[str]:
    return [tag.strip().removeprefix("W/").strip('"') for tag in (header or "").split(",")
            if tag.strip()]


async def etag(request: Request, send: Send) -> None:
    """304 if If-None-Match matches, 412 if If-Match does not, else the echo with ETag."""
    tag = request.params["etag"]
    head = [("etag", f'"{tag}"')]
    if_none_match = _etags(request.header("if-none-match"))
    if_match = request.header("if-match")
    if tag in if_none_match or "*" in if_none_match:
        await send_bytes(send, b"", 304, "application/json", head)
    elif if_match is not None and tag not in _etags(if_match) and "*" not in _etags(if_match):
        await send_bytes(send, b"", 412, "application/json")
    else:
        await send_json(send, await _get_echo(request), headers=head)


async def cache(request: Request, send: Send) -> None:
    """304 if the request is conditional, else the echo with Last-Modified and ETag."""
    if request.header("if-modified-since") or request.header("if-none-match"):
        await send_bytes(send, b"", 304, "application/json")
        return
    head = [("last-modified", formatdate(usegmt=True)), ("etag", uuid.uuid4().hex)]
    await send_json(send, await _get_echo(request), headers=head)


async def cache_for(request: Request, send: Send) -> None:
    seconds = bounded_int("n", request.params["n"], 0, 0, 10**9)
    await send_json(send, await _get_echo(request),
                    headers=[("cache-control", f"public, max-age={seconds}")])


def _range_bytes(start: int, stop: int) -> bytes:
    return bytes(_ALPHABET[i % 26] for i in range(start, stop))


async def range_(request: Request, send: Send) -> None:
    """n bytes of a-z; honours one ``Range: bytes=a-b`` (206, or 416 when unsatisfiable)."""
    n = bounded_int("n", request.params["n"], 0, 1, MAX_RANGE_BYTES)
    head = [("etag", f"range{n}"), ("accept-ranges", "bytes")]
    header = request.header("range")
    if not header:
        await send_bytes(send, _range_bytes(0, n), 200, "application/octet-stream", head)
        return
    match = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", header)
    if not match or match.groups() == ("", ""):
        raise BadRequest(f"cannot parse Range {header!r}")
    first, last = match.groups()
    if first == "":  # suffix: the last N bytes
        start, stop = max(0, n - int(last)), n
    else:
        start, stop = int(first), min(n, int(last) + 1) if last else n
    if start >= n or start >= stop:
        await send_bytes(send, b"", 416, "application/octet-stream",
                         [*head, ("content-range", f"bytes */{n}")])
        return
    await send_bytes(send, _range_bytes(start, stop), 206, "application/octet-stream",
                     [*head, ("content-range", f"bytes {start}-{stop - 1}/{n}")])
