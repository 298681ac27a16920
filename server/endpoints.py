"""The endpoint table: every path the server answers, with one line of documentation each.

Shapes follow httpbin so that documentation examples port unchanged. Every endpoint
bounds its own time (MAX_SECONDS) and size (MAX_BYTES); a bad parameter is a 400.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import gzip
import json
import random
import re
import uuid
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from server import caching, digest, documents
from server.asgi import (
    BadRequest,
    Request,
    Send,
    bounded_float,
    bounded_int,
    send_bytes,
    send_error,
    send_json,
    send_start,
)
from server.forms import parse_body, semiflatten
from server.payloads import DEFAULT_ENCODING_TEXT, SAMPLE_HTML, SAMPLE_JSON, pattern_chunks
from server.stats import ServerStats

MAX_SECONDS = 60.0
MAX_BYTES = 1024**3
MAX_REDIRECTS = 100
MAX_LINES = 10_000
MAX_LINKS = 200
DEFAULT_CHUNK = 64 * 1024

Handler = Callable[[Request, Send], Awaitable[None]]


@dataclass(frozen=True)
class Endpoint:
    pattern: str  # "/delay/{seconds}"; "{rest:path}" also matches slashes
    handler: Handler
    doc: str
    methods: tuple[str, ...] = ()  # empty: any method

    @property
    def regex(self) -> re.Pattern[str]:
        return _compile(self.pattern)


_CONVERTERS = {"str": r"[^/]+", "path": r".*"}


@cache
def _compile(pattern: str) -> re.Pattern[str]:
    def group(match: re.Match[str]) -> str:
        name, _, kind = match.group(1).partition(":")
        return f"(?P<{name}>{_CONVERTERS[kind or 'str']})"

    return re.compile("^" + re.sub(r"\{([^}]+)\}", group, pattern) + "$")


# --- echo -----------------------------------------------------------------------------


def canonical_name(name: str) -> str:
    """``user-agent`` -> ``User-Agent``: httpbin's capitalisation (werkzeug's str.title())."""
    return name.title()


def merged_headers(request: Request) -> dict[str, str]:
    """Headers by canonical name, repeated ones joined with ", " (as httpbin shows them)."""
    merged: dict[str, str] = {}
    for name, value in request.headers:
        key = canonical_name(name)
        merged[key] = f"{merged[key]}, {value}" if key in merged else value
    return merged


async def echo_document(request: Request) -> dict[str, Any]:
    """httpbin's echo (args, data, files, form, headers, json, origin, url, method) plus
    everything the client put on the wire, as the server received it."""
    body = await request.body()
    client = request.scope.get("client")
    return {
        "method": request.method,
        "url": f"{request.base_url()}{request.raw_path}"
        + (f"?{request.raw_query}" if request.raw_query else ""),
        "args": semiflatten(request.query_items),
        **parse_body(body, request.header("content-type") or ""),
        "headers": merged_headers(request),
        "origin": client[0] if client else None,
        # The harness's extras: what httpbin's shape loses.
        "path": request.scope["path"],
        "raw_path": request.raw_path,
        "raw_query": request.raw_query,
        "args_list": [list(item) for item in request.query_items],
        "header_list": [list(item) for item in request.headers],
        "body_base64": base64.b64encode(body).decode(),
        "body_length": len(body),
        "http_version": request.http_version,
        "scheme": request.scheme,
        "client": f"{client[0]}:{client[1]}" if client else None,
    }


async def anything(request: Request, send: Send) -> None:
    await send_json(send, await echo_document(request))


async def headers(request: Request, send: Send) -> None:
    document = await echo_document(request)
    await send_json(send, {"headers": document["headers"], "header_list": document["header_list"]})


async def user_agent(request: Request, send: Send) -> None:
    await send_json(send, {"user-agent": request.header("user-agent")})


async def response_headers(request: Request, send: Send) -> None:
    pairs = request.query_items
    await send_json(send, semiflatten(pairs), headers=pairs)


# --- status and redirects ---------------------------------------------------------------


def _pick_status(spec: str) -> int:
    """httpbin's /status/{codes}: one code, or a random pick from "200,201" or
    "200:0.9,500:0.1" (weighted)."""
    codes: list[int] = []
    weights: list[float] = []
    for item in spec.split(","):
        code, _, weight = item.partition(":")
        codes.append(bounded_int("code", code.strip(), 200, 200, 599))
        weights.append(bounded_float("weight", weight.strip() or None, 1.0, 0.0, 1e6))
    if len(codes) == 1:
        return codes[0]
    if sum(weights) <= 0:
        raise BadRequest("the weights must not all be 0")
    return random.choices(codes, weights)[0]


async def status(request: Request, send: Send) -> None:
    code = _pick_status(request.params["code"])
    extra = []
    if 300 <= code < 400 and code != 304:
        extra.append(("location", "/get"))
    if code == 401:
        extra.append(("www-authenticate", 'Basic realm="httpx-harness"'))
    if code == 407:
        extra.append(("proxy-authenticate", 'Basic realm="httpx-harness"'))
    await send_bytes(send, b"", code, "text/plain", extra)


def _redirect_count(request: Request) -> int:
    return bounded_int("n", request.params["n"], 1, 1, MAX_REDIRECTS)


async def redirect(request: Request, send: Send) -> None:
    n = _redirect_count(request)
    absolute = request.query.get("absolute", "false").lower() == "true"
    prefix = "absolute" if absolute else "relative"
    await relative_or_absolute(request, send, prefix, n)


async def relative_redirect(request: Request, send: Send) -> None:
    await relative_or_absolute(request, send, "relative", _redirect_count(request))


async def absolute_redirect(request: Request, send: Send) -> None:
    await relative_or_absolute(request, send, "absolute", _redirect_count(request))


async def relative_or_absolute(request: Request, send: Send, kind: str, n: int) -> None:
    path = "/get" if n == 1 else f"/{kind}-redirect/{n - 1}"
    location = f"{request.base_url()}{path}" if kind == "absolute" else path
    await send_bytes(send, b"", 302, "text/plain", [("location", location)])


async def redirect_to(request: Request, send: Send) -> None:
    url = request.query.get("url")
    if not url:
        raise BadRequest("redirect-to needs ?url=")
    code = request.query_int("status_code", 302, 300, 308)
    await send_bytes(send, b"", code, "text/plain", [("location", url)])


async def redirect_loop(request: Request, send: Send) -> None:
    await send_bytes(send, b"", 302, "text/plain", [("location", "/redirect-loop")])


# --- time -------------------------------------------------------------------------------


async def wait_or_disconnect(request: Request, seconds: float) -> bool:
    """Sleep up to ``seconds``; return False early if the client goes away."""
    await request.body()  # drain the request so the next receive() reports a disconnect

    async def disconnected() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass

    try:
        await asyncio.wait_for(disconnected(), timeout=min(seconds, MAX_SECONDS))
    except asyncio.TimeoutError:
        return True
    return False


async def delay(request: Request, send: Send) -> None:
    seconds = bounded_float("seconds", request.params["seconds"], 0.0, 0.0, MAX_SECONDS)
    if await wait_or_disconnect(request, seconds):
        await send_json(send, await echo_document(request))


async def hang(request: Request, send: Send) -> None:
    """Hold the response until the client leaves (at most ?seconds=, default MAX_SECONDS)."""
    after_headers = request.query.get("after_headers") == "1"
    seconds = request.query_float("seconds", MAX_SECONDS, 0, MAX_SECONDS)
    if after_headers:
        await send_start(send, 200, [("content-type", "text/plain"), ("content-length", "1")])
    if await wait_or_disconnect(request, seconds):
        if not after_headers:
            await send_start(send, 200, [("content-type", "text/plain"), ("content-length", "1")])
        await send({"type": "http.response.body", "body": b".", "more_body": False})


async def drip(request: Request, send: Send) -> None:
    duration = request.query_float("duration", 2.0, 0, MAX_SECONDS)
    initial = request.query_float("delay", 0.0, 0, MAX_SECONDS)
    numbytes = request.query_int("numbytes", 10, 1, 10_000)
    if duration + initial > MAX_SECONDS:
        raise BadRequest(f"delay + duration must be at most {MAX_SECONDS}")
    code = request.query_int("code", 200, 200, 599)
    if initial and not await wait_or_disconnect(request, initial):
        return
    head = [("content-type", "application/octet-stream"), ("content-length", str(numbytes))]
    await send_start(send, code, head)
    pause = duration / numbytes
    for i in range(numbytes):
        await asyncio.sleep(pause)
        await send({"type": "http.response.body", "body": b"*", "more_body": i < numbytes - 1})


# --- bodies -----------------------------------------------------------------------------


def _size_and_seed(request: Request) -> tuple[int, int, int]:
    n = bounded_int("n", request.params["n"], 0, 0, MAX_BYTES)
    seed = request.query_int("seed", 0, 0, 2**32)
    chunk = request.query_int("chunk_size", DEFAULT_CHUNK, 1, 16 * 1024 * 1024)
    return n, seed, chunk


async def _send_pattern(send: Send, n: int, seed: int, chunk: int, length: bool) -> None:
    head = [("content-type", "application/octet-stream")]
    if length:
        head.append(("content-length", str(n)))
    await send_start(send, 200, head)
    for piece in pattern_chunks(n, seed, chunk):
        await send({"type": "http.response.body", "body": piece, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def bytes_(request: Request, send: Send) -> None:
    n, seed, chunk = _size_and_seed(request)
    await _send_pattern(send, n, seed, chunk, length=True)


async def stream_bytes(request: Request, send: Send) -> None:
    n, seed, chunk = _size_and_seed(request)
    await _send_pattern(send, n, seed, chunk, length=False)


async def stream_lines(request: Request, send: Send) -> None:
    n = bounded_int("n", request.params["n"], 1, 0, MAX_LINES)
    document = await echo_document(request)
    await send_start(send, 200, [("content-type", "application/json")])
    for i in range(n):
        line = json.dumps({"id": i, "url": document["url"], "args": document["args"]}) + "\n"
        await send({"type": "http.response.body", "body": line.encode(), "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def sample_json(request: Request, send: Send) -> None:
    await send_json(send, SAMPLE_JSON)


async def sample_html(request: Request, send: Send) -> None:
    await send_bytes(send, SAMPLE_HTML.encode(), content_type="text/html; charset=utf-8")


async def encoding(request: Request, send: Send) -> None:
    charset = request.params["charset"]
    text = request.query.get("text", DEFAULT_ENCODING_TEXT)
    try:
        body = text.encode(charset)
    except LookupError:
        raise BadRequest(f"unknown charset {charset!r}") from None
    except UnicodeEncodeError:
        raise BadRequest(f"text cannot be encoded in {charset}") from None
    declare = request.query.get("declare", "1") != "0"
    content_type = f"text/plain; charset={charset}" if declare else "text/plain"
    await send_bytes(send, body, content_type=content_type)


_HTTPBIN_FLAG = {"gzip": "gzipped", "deflate": "deflated", "br": "brotli"}


async def _compressed(request: Request, send: Send, name: str, compress: Any) -> None:
    document = await echo_document(request)
    document[name] = True
    document[_HTTPBIN_FLAG[name]] = True  # httpbin's key
    raw = json.dumps(document).encode()
    await send_bytes(send, compress(raw), content_type="application/json",
                     headers=[("content-encoding", name)])


async def gzip_(request: Request, send: Send) -> None:
    await _compressed(request, send, "gzip", gzip.compress)


async def deflate(request: Request, send: Send) -> None:
    await _compressed(request, send, "deflate", zlib.compress)


async def brotli_(request: Request, send: Send) -> None:
    try:
        import brotli  # type: ignore[import-not-found]
    except ImportError:
        await send_error(send, 501, "brotli is not installed on the server")
        return
    await _compressed(request, send, "br", brotli.compress)


# --- cookies and auth -------------------------------------------------------------------


def _request_cookies(request: Request) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for name, value in request.headers:
        if name == "cookie":
            for part in value.split(";"):
                key, _, val = part.strip().partition("=")
                if key:
                    cookies[key] = val
    return cookies


async def cookies(request: Request, send: Send) -> None:
    await send_json(send, {"cookies": _request_cookies(request)})


async def cookies_set(request: Request, send: Send) -> None:
    pairs = request.query_items
    if "name" in request.params:
        pairs = [(request.params["name"], request.params["value"])]
    set_cookies = [("set-cookie", f"{k}={v}; Path=/") for k, v in pairs]
    await send_bytes(send, b"", 302, "text/plain", [("location", "/cookies"), *set_cookies])


async def cookies_delete(request: Request, send: Send) -> None:
    expired = "=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/"
    set_cookies = [("set-cookie", f"{k}{expired}") for k, _ in request.query_items]
    await send_bytes(send, b"", 302, "text/plain", [("location", "/cookies"), *set_cookies])


async def basic_auth(request: Request, send: Send) -> None:
    user, passwd = request.params["user"], request.params["passwd"]
    expected = "Basic " + base64.b64encode(f"{user}:{passwd}".encode()).decode()
    if request.header("authorization") == expected:
        await send_json(send, {"authenticated": True, "user": user})
    else:
        await send_json(send, {"authenticated": False}, 401,
                        [("www-authenticate", 'Basic realm="httpx-harness"')])


def _next_stale_after(value: str) -> str:
    """httpbin counts a numeric stale_after down by one per success; "never" stays."""
    return str(max(0, int(value) - 1)) if value.isdigit() else value


async def digest_auth(request: Request, send: Send) -> None:
    """httpbin's digest flow, cookies included: the 401 sets ``stale_after`` and ``fake``;
    a nonce used again (``last_nonce``) or ``stale_after=0`` gets a ``stale=TRUE`` challenge;
    ``?require-cookie=1`` insists the retry carries the cookies."""
    qop, user, passwd = request.params["qop"], request.params["user"], request.params["passwd"]
    algorithm = request.params.get("algorithm") or "MD5"
    stale_after = request.params.get("stale_after") or "never"
    if qop not in digest.QOPS or algorithm not in digest.ALGORITHMS:
        raise BadRequest(f"qop must be one of {digest.QOPS}, algorithm one of "
                         f"{sorted(digest.ALGORITHMS)}")
    require_cookie = request.query.get("require-cookie", "").lower() in ("1", "t", "true")
    cookies = _request_cookies(request)
    fields = digest.parse_authorization(request.header("authorization") or "")

    def cookie(name: str, value: str) -> tuple[str, str]:
        return ("set-cookie", f"{name}={value}; Path=/")

    async def challenge(stale: bool, *extra: tuple[str, str]) -> None:
        header = digest.challenge("httpx-harness", qop, algorithm, stale=stale)
        await send_json(send, {"authenticated": False}, 401, [
            ("www-authenticate", header), cookie("stale_after", stale_after), *extra,
            cookie("fake", "fake_value")])

    if not fields or (require_cookie and not cookies):
        await challenge(False)
        return
    if require_cookie and cookies.get("fake") != "fake_value":
        await send_json(send, {"errors": ["missing cookie set on challenge"]}, 403,
                        [cookie("fake", "fake_value")])
        return
    nonce = fields.get("nonce", "")
    if cookies.get("last_nonce") == nonce or cookies.get("stale_after") == "0":
        await challenge(True, cookie("last_nonce", nonce))
        return
    body = await request.body()
    if not digest.verify(fields, request.method, user, passwd, body, algorithm):
        await challenge(False, cookie("last_nonce", nonce))
        return
    head = [cookie("fake", "fake_value")]
    if "stale_after" in cookies:
        head.append(cookie("stale_after", _next_stale_after(cookies["stale_after"])))
    await send_json(send, {"authenticated": True, "user": user}, headers=head)


async def hidden_basic_auth(request: Request, send: Send) -> None:
    """Like /basic-auth, but a 404 (no challenge) without the right credentials."""
    user, passwd = request.params["user"], request.params["passwd"]
    expected = "Basic " + base64.b64encode(f"{user}:{passwd}".encode()).decode()
    if request.header("authorization") == expected:
        await send_json(send, {"authenticated": True, "user": user})
    else:
        await send_error(send, 404, "not found")


async def bearer(request: Request, send: Send) -> None:
    scheme, _, token = (request.header("authorization") or "").partition(" ")
    if scheme.lower() == "bearer" and token:
        await send_json(send, {"authenticated": True, "token": token})
    else:
        await send_bytes(send, b"", 401, "text/plain", [("www-authenticate", "Bearer")])


# --- httpbin's small documents ----------------------------------------------------------


async def index(request: Request, send: Send) -> None:
    rows = [(e.pattern, ",".join(e.methods) or "any", e.doc) for e in ENDPOINTS]
    await send_bytes(send, documents.index_page(rows).encode(),
                     content_type="text/html; charset=utf-8")


async def ip(request: Request, send: Send) -> None:
    client = request.scope.get("client")
    await send_json(send, {"origin": client[0] if client else None})


async def uuid_(request: Request, send: Send) -> None:
    await send_json(send, {"uuid": str(uuid.uuid4())})


async def base64_(request: Request, send: Send) -> None:
    value = request.params["value"]
    try:
        decoded = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (ValueError, binascii.Error):
        raise BadRequest("not base64 (URL-safe alphabet)") from None
    await send_bytes(send, decoded, content_type="text/html; charset=utf-8")


async def links(request: Request, send: Send) -> None:
    n = bounded_int("n", request.params["n"], 1, 1, MAX_LINKS)
    if "offset" not in request.params:
        await send_bytes(send, b"", 302, "text/plain", [("location", f"/links/{n}/0")])
        return
    offset = bounded_int("offset", request.params["offset"], 0, 0, n)
    await send_bytes(send, documents.links_page(n, offset).encode(),
                     content_type="text/html; charset=utf-8")


async def image(request: Request, send: Send) -> None:
    """The image the Accept header asks for (PNG for image/*); 406 for any other."""
    kind = request.params.get("kind")
    if kind is None:
        accept = request.header("accept") or ""
        kind = next((k for k, (media, _) in documents.IMAGES.items() if media in accept),
                    "png" if "image/*" in accept or "*/*" in accept else None)
        if kind is None:
            await send_json(send, {"message": "Client did not request a supported media "
                                   "type.", "accept": [m for m, _ in
                                                       documents.IMAGES.values()]}, 406)
            return
    if kind not in documents.IMAGES:
        raise BadRequest(f"image kind must be one of {sorted(documents.IMAGES)}", 404)
    media, body = documents.IMAGES[kind]
    await send_bytes(send, body, content_type=media)


def _text(body: str, content_type: str) -> Handler:
    async def handler(request: Request, send: Send) -> None:
        await send_bytes(send, body.encode(), content_type=content_type)
    return handler


# --- faults -----------------------------------------------------------------------------


class ConnectionAborted(Exception):
    """Raised by a fault endpoint to make the ASGI server drop the connection mid-body."""


async def fault_close_mid_body(request: Request, send: Send) -> None:
    await send_start(send, 200, [("content-type", "text/plain"), ("content-length", "1000")])
    await send({"type": "http.response.body", "body": b"x" * 500, "more_body": True})
    await asyncio.sleep(0.05)  # let the first half reach the client before the abort
    raise ConnectionAborted("fault: connection closed mid-body")


async def fault_bad_gzip(request: Request, send: Send) -> None:
    await send_bytes(send, b"this is not gzip data", content_type="text/plain",
                     headers=[("content-encoding", "gzip")])


async def fault_short_body(request: Request, send: Send) -> None:
    await send_start(send, 200, [("content-type", "text/plain"), ("content-length", "100")])
    await send({"type": "http.response.body", "body": b"y" * 50, "more_body": False})


# --- stats ------------------------------------------------------------------------------


def stats_endpoints(stats: ServerStats) -> list[Endpoint]:
    async def show(request: Request, send: Send) -> None:
        await send_json(send, stats.snapshot())

    async def reset(request: Request, send: Send) -> None:
        stats.reset()
        await send_json(send, stats.snapshot())

    return [
        Endpoint("/stats", show, "What the server saw since the last reset (not counted)."),
        Endpoint("/stats/reset", reset, "Zero the counters; returns the empty snapshot."),
    ]


ENDPOINTS: list[Endpoint] = [
    Endpoint("/", index, "This table as an HTML page.", ("GET", "HEAD")),
    Endpoint("/get", anything, "Echo of the request (GET only).", ("GET", "HEAD")),
    Endpoint("/post", anything, "Echo of the request (POST only).", ("POST",)),
    Endpoint("/put", anything, "Echo of the request (PUT only).", ("PUT",)),
    Endpoint("/patch", anything, "Echo of the request (PATCH only).", ("PATCH",)),
    Endpoint("/delete", anything, "Echo of the request (DELETE only).", ("DELETE",)),
    Endpoint("/anything", anything, "Echo: method, raw path and query, headers in wire order, "
             "body (base64 and length), HTTP version, client address."),
    Endpoint("/anything/{rest:path}", anything, "Same echo under any sub-path."),
    Endpoint("/headers", headers, "The request headers, merged and in wire order."),
    Endpoint("/ip", ip, "The client's address as {\"origin\": ...}."),
    Endpoint("/uuid", uuid_, "A fresh UUID4."),
    Endpoint("/user-agent", user_agent, "The User-Agent header."),
    Endpoint("/response-headers", response_headers, "Sets each query pair as a response header."),
    Endpoint("/status/{code}", status, "Empty response with that status (3xx: Location /get); "
             "several codes (200,201 or 200:0.9,500:0.1) pick one at random, weighted."),
    Endpoint("/redirect/{n}", redirect, "n relative redirects to /get (?absolute=true)."),
    Endpoint("/relative-redirect/{n}", relative_redirect, "n relative redirects to /get."),
    Endpoint("/absolute-redirect/{n}", absolute_redirect, "n absolute redirects to /get."),
    Endpoint("/redirect-to", redirect_to, "Redirect to ?url= with ?status_code= (302)."),
    Endpoint("/redirect-loop", redirect_loop, "Redirects to itself forever."),
    Endpoint("/delay/{seconds}", delay, "Echo after that many seconds (max 60)."),
    Endpoint("/hang", hang, "Holds the response until the client leaves (max ?seconds=, "
             "default and limit 60), then answers '.'; ?after_headers=1 sends headers first "
             "and holds the body."),
    Endpoint("/drip", drip, "numbytes over duration seconds after ?delay=, Content-Length set."),
    Endpoint("/bytes/{n}", bytes_, "n deterministic bytes from ?seed=, Content-Length set."),
    Endpoint("/stream-bytes/{n}", stream_bytes, "n deterministic bytes, chunked, "
             "?chunk_size= per chunk."),
    Endpoint("/stream/{n}", stream_lines, "n JSON lines, chunked."),
    Endpoint("/json", sample_json, "A fixed JSON document."),
    Endpoint("/html", sample_html, "A fixed UTF-8 HTML page."),
    Endpoint("/xml", _text(documents.SAMPLE_XML, "application/xml"), "A fixed XML document."),
    Endpoint("/robots.txt", _text(documents.ROBOTS_TXT, "text/plain"), "A robots.txt."),
    Endpoint("/deny", _text(documents.DENY_TEXT, "text/plain"), "A page robots.txt denies."),
    Endpoint("/base64/{value}", base64_, "The URL-safe base64 value, decoded."),
    Endpoint("/links/{n}", links, "Redirects to /links/{n}/0."),
    Endpoint("/links/{n}/{offset}", links, "An HTML page of n links (max 200)."),
    Endpoint("/image", image, "A PNG or SVG image, as the Accept header asks (else 406)."),
    Endpoint("/image/{kind}", image, "A PNG (png) or SVG (svg) image."),
    Endpoint("/range/{n}", caching.range_, "n bytes of a-z (max 100 KiB) honouring one "
             "Range: bytes=a-b (206, 416 when unsatisfiable)."),
    Endpoint("/etag/{etag}", caching.etag, "Echo with that ETag; If-None-Match: 304, "
             "If-Match mismatch: 412."),
    Endpoint("/cache", caching.cache, "Echo with Last-Modified and ETag; 304 to a "
             "conditional request."),
    Endpoint("/cache/{n}", caching.cache_for, "Echo with Cache-Control: public, max-age=n."),
    Endpoint("/encoding/{charset}", encoding, "?text= encoded in charset; ?declare=0 omits "
             "the charset from Content-Type."),
    Endpoint("/gzip", gzip_, "Echo, gzip-encoded."),
    Endpoint("/deflate", deflate, "Echo, deflate-encoded (zlib stream)."),
    Endpoint("/brotli", brotli_, "Echo, brotli-encoded (501 if brotli is not installed)."),
    Endpoint("/cookies", cookies, "The cookies the request carried."),
    Endpoint("/cookies/set", cookies_set, "Sets each query pair as a cookie, redirects to "
             "/cookies."),
    Endpoint("/cookies/set/{name}/{value}", cookies_set, "Sets one cookie, redirects to "
             "/cookies."),
    Endpoint("/cookies/delete", cookies_delete, "Expires each named cookie, redirects to "
             "/cookies."),
    Endpoint("/basic-auth/{user}/{passwd}", basic_auth, "200 with the right Basic "
             "credentials, else 401 with a challenge."),
    Endpoint("/digest-auth/{qop}/{user}/{passwd}", digest_auth, "Digest auth (MD5)."),
    Endpoint("/digest-auth/{qop}/{user}/{passwd}/{algorithm}", digest_auth,
             "Digest auth with MD5, SHA-256 or SHA-512; the 401 sets httpbin's cookies "
             "(stale_after, fake); ?require-cookie=1 insists the retry carries them."),
    Endpoint("/digest-auth/{qop}/{user}/{passwd}/{algorithm}/{stale_after}", digest_auth,
             "Digest auth whose nonce goes stale (stale=TRUE) after that many successes "
             "(never: never)."),
    Endpoint("/hidden-basic-auth/{user}/{passwd}", hidden_basic_auth, "Like /basic-auth, "
             "but 404 without the right credentials."),
    Endpoint("/bearer", bearer, "200 with the token of Authorization: Bearer <token>, else "
             "401 with WWW-Authenticate: Bearer."),
    Endpoint("/faults/close-mid-body", fault_close_mid_body, "Sends half of a declared body, "
             "then drops the connection (HTTP/1.1; on HTTP/2 hypercorn leaves the stream open)."),
    Endpoint("/faults/bad-gzip", fault_bad_gzip, "Content-Encoding: gzip on a body that is not."),
    Endpoint("/faults/short-body", fault_short_body, "Content-Length 100 with a 50-byte body."),
]
