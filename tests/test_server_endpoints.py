"""Every endpoint in the table, over every listener, with httpx and with curl."""

from __future__ import annotations

import base64
import gzip
import json
import shutil
import subprocess
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest

from server.endpoints import ENDPOINTS
from server.payloads import DEFAULT_ENCODING_TEXT, SAMPLE_JSON, pattern_bytes
from server.process import ServerInfo

LISTENERS = ("http", "https", "https_h1")


@dataclass(frozen=True)
class Case:
    """One request that exercises an endpoint, and what a correct answer looks like."""

    path: str
    status: int
    # Either asserts itself (returns None) or returns the truth of what it checked.
    check: Callable[[httpx.Response], bool | None] = lambda r: None
    method: str = "GET"
    content: bytes | None = None
    auth: httpx.Auth | tuple[str, str] | None = None


def _echo(method: str = "GET") -> Callable[[httpx.Response], None]:
    def check(r: httpx.Response) -> None:
        doc = r.json()
        assert doc["method"] == method
        assert doc["raw_path"] == r.request.url.raw_path.decode().split("?")[0]
    return check


def _body_is(expected: bytes) -> Callable[[httpx.Response], None]:
    def check(r: httpx.Response) -> None:
        assert r.content == expected
    return check


def _json_has(**fields: object) -> Callable[[httpx.Response], None]:
    def check(r: httpx.Response) -> None:
        doc = r.json()
        for key, value in fields.items():
            assert doc[key] == value, (key, doc.get(key))
    return check


def _anything_check(r: httpx.Response) -> None:
    doc = r.json()
    assert doc["method"] == "PUT"
    assert doc["raw_path"] == "/anything/a%20b"
    assert doc["raw_query"] == "x=1&x=2&y="
    assert doc["args"] == {"x": ["1", "2"], "y": ""}
    assert base64.b64decode(doc["body_base64"]) == b"payload"
    assert doc["body_length"] == 7
    assert doc["http_version"] in ("1.1", "2")
    assert doc["client"].startswith("127.0.0.1:")
    names = [name for name, _ in doc["header_list"]]
    assert names.index("x-first") < names.index("x-second")  # wire order kept


def _redirect_to_get(r: httpx.Response) -> None:
    assert r.headers["location"] == "/get"


def _stream_lines(r: httpx.Response) -> None:
    lines = r.text.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [0, 1, 2]


def _encoded(r: httpx.Response) -> None:
    assert r.headers["content-type"] == "text/plain; charset=latin-1"
    assert r.content == DEFAULT_ENCODING_TEXT.encode("latin-1")


def _cookies_set(r: httpx.Response) -> None:
    assert r.headers["location"] == "/cookies"
    assert "flavour=oat" in r.headers["set-cookie"]


def _compressed(name: str) -> Callable[[httpx.Response], None]:
    def check(r: httpx.Response) -> None:
        assert r.headers["content-encoding"] == name
        assert r.json()[name] is True  # httpx decoded the body
    return check


CASES: dict[str, Case] = {
    "/stats": Case("/stats", 200, lambda r: r.json()["connections"] >= 0),
    "/stats/reset": Case("/stats/reset", 200, _json_has(requests=0)),
    "/get": Case("/get?q=test", 200, _json_has(args={"q": "test"})),
    "/post": Case("/post", 200, _echo("POST"), "POST", b"x"),
    "/put": Case("/put", 200, _echo("PUT"), "PUT", b"x"),
    "/patch": Case("/patch", 200, _echo("PATCH"), "PATCH", b"x"),
    "/delete": Case("/delete", 200, _echo("DELETE"), "DELETE"),
    "/anything": Case("/anything", 200, _echo("GET")),
    "/anything/{rest:path}": Case("/anything/a%20b?x=1&x=2&y=", 200, _anything_check, "PUT",
                                  b"payload"),
    "/headers": Case("/headers", 200, lambda r: r.json()["headers"]["X-First"] == "1"),
    "/": Case("/", 200, lambda r: "/digest-auth/{qop}/{user}/{passwd}" in r.text),
    "/ip": Case("/ip", 200, _json_has(origin="127.0.0.1")),
    "/uuid": Case("/uuid", 200, lambda r: uuid.UUID(r.json()["uuid"]).version == 4),
    "/xml": Case("/xml", 200, lambda r: r.text.startswith("<?xml")
                 and r.headers["content-type"] == "application/xml"),
    "/robots.txt": Case("/robots.txt", 200, _body_is(b"User-agent: *\nDisallow: /deny\n")),
    "/deny": Case("/deny", 200, lambda r: "YOU SHOULDN'T BE HERE" in r.text),
    "/base64/{value}": Case("/base64/SFRUUEJJTiBpcyBhd2Vzb21l", 200,
                            _body_is(b"HTTPBIN is awesome")),
    "/links/{n}": Case("/links/3", 302, lambda r: r.headers["location"] == "/links/3/0"),
    "/links/{n}/{offset}": Case("/links/3/1", 200, lambda r: r.text.count("<a href=") == 2),
    "/image": Case("/image", 200, lambda r: r.content.startswith(b"\x89PNG\r\n")),
    "/image/{kind}": Case("/image/svg", 200,
                          lambda r: r.headers["content-type"] == "image/svg+xml"),
    "/range/{n}": Case("/range/30", 200, _body_is(b"abcdefghijklmnopqrstuvwxyzabcd")),
    "/etag/{etag}": Case("/etag/abc", 200, lambda r: r.headers["etag"] == '"abc"'),
    "/cache": Case("/cache", 200, lambda r: "last-modified" in r.headers),
    "/cache/{n}": Case("/cache/60", 200,
                       lambda r: r.headers["cache-control"] == "public, max-age=60"),
    "/bearer": Case("/bearer", 401, lambda r: r.headers["www-authenticate"] == "Bearer"),
    "/hidden-basic-auth/{user}/{passwd}": Case("/hidden-basic-auth/ann/pw", 200,
                                               _json_has(authenticated=True),
                                               auth=("ann", "pw")),
    "/user-agent": Case("/user-agent", 200,
                        lambda r: r.json()["user-agent"].startswith("python-httpx")),
    "/response-headers": Case("/response-headers?x-test=yes", 200,
                              lambda r: r.headers["x-test"] == "yes"),
    "/status/{code}": Case("/status/418", 418),
    "/redirect/{n}": Case("/redirect/2", 302,
                          lambda r: r.headers["location"] == "/relative-redirect/1"),
    "/relative-redirect/{n}": Case("/relative-redirect/1", 302, _redirect_to_get),
    "/absolute-redirect/{n}": Case("/absolute-redirect/1", 302,
                                   lambda r: r.headers["location"] == f"{r.url.scheme}://"
                                   f"{r.url.host}:{r.url.port}/get"),
    "/redirect-to": Case("/redirect-to?url=/json&status_code=307", 307,
                         lambda r: r.headers["location"] == "/json"),
    "/redirect-loop": Case("/redirect-loop", 302,
                           lambda r: r.headers["location"] == "/redirect-loop"),
    "/delay/{seconds}": Case("/delay/0.1", 200, _echo("GET")),
    "/hang": Case("/hang", 0),  # checked separately: it must not answer
    "/drip": Case("/drip?duration=0.2&numbytes=4", 200, _body_is(b"****")),
    "/bytes/{n}": Case("/bytes/1000?seed=7", 200, _body_is(pattern_bytes(1000, 7))),
    "/stream-bytes/{n}": Case("/stream-bytes/200000?seed=3&chunk_size=4096", 200,
                              _body_is(pattern_bytes(200_000, 3))),
    "/stream/{n}": Case("/stream/3", 200, _stream_lines),
    "/json": Case("/json", 200, lambda r: r.json() == SAMPLE_JSON),
    "/html": Case("/html", 200, lambda r: "<h1>" in r.text),
    "/encoding/{charset}": Case("/encoding/latin-1", 200, _encoded),
    "/gzip": Case("/gzip", 200, _compressed("gzip")),
    "/deflate": Case("/deflate", 200, _compressed("deflate")),
    "/brotli": Case("/brotli", 200, lambda r: r.json()["br"] is True),
    "/cookies": Case("/cookies", 200, _json_has(cookies={})),
    "/cookies/set": Case("/cookies/set?flavour=oat", 302, _cookies_set),
    "/cookies/set/{name}/{value}": Case("/cookies/set/flavour/oat", 302, _cookies_set),
    "/cookies/delete": Case("/cookies/delete?flavour", 302,
                            lambda r: "Max-Age=0" in r.headers["set-cookie"]),
    "/basic-auth/{user}/{passwd}": Case("/basic-auth/ann/s3cret", 200,
                                        _json_has(authenticated=True), auth=("ann", "s3cret")),
    "/digest-auth/{qop}/{user}/{passwd}": Case("/digest-auth/auth/ann/s3cret", 200,
                                               _json_has(authenticated=True),
                                               auth=httpx.DigestAuth("ann", "s3cret")),
    "/digest-auth/{qop}/{user}/{passwd}/{algorithm}": Case(
        "/digest-auth/auth/ann/s3cret/SHA-256", 200, _json_has(authenticated=True), "POST",
        b"body", auth=httpx.DigestAuth("ann", "s3cret")),
    "/digest-auth/{qop}/{user}/{passwd}/{algorithm}/{stale_after}": Case(
        "/digest-auth/auth/ann/s3cret/MD5/never", 200, _json_has(authenticated=True),
        auth=httpx.DigestAuth("ann", "s3cret")),
    "/faults/close-mid-body": Case("/faults/close-mid-body", 0),  # checked separately
    "/faults/bad-gzip": Case("/faults/bad-gzip", 0),
    "/faults/short-body": Case("/faults/short-body", 0),
}


def test_every_endpoint_has_a_case() -> None:
    assert set(CASES) == {e.pattern for e in ENDPOINTS} | {"/stats", "/stats/reset"}


def _client(server: ServerInfo, listener: str) -> httpx.Client:
    return httpx.Client(base_url=server.url(listener), verify=server.ssl_context(),
                        http2=listener == "https", timeout=10)


@pytest.mark.parametrize("listener", LISTENERS)
@pytest.mark.parametrize("pattern", [p for p, c in CASES.items() if c.status])
def test_endpoint_with_httpx(server: ServerInfo, listener: str, pattern: str) -> None:
    case = CASES[pattern]
    with _client(server, listener) as client:
        r = client.request(case.method, case.path, content=case.content, auth=case.auth,
                           headers={"x-first": "1", "x-second": "2"})
    assert r.status_code == case.status, r.text
    assert r.http_version == ("HTTP/2" if listener == "https" else "HTTP/1.1")
    assert case.check(r) in (None, True)


@pytest.mark.parametrize("listener", ["http", "https_h1"])
def test_faults_fail_the_way_they_say(server: ServerInfo, listener: str) -> None:
    # HTTP/1.1 only: on HTTP/2 an app cannot drop the connection through ASGI, and
    # hypercorn leaves the stream open instead (the client waits for its read timeout).
    with _client(server, listener) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/faults/close-mid-body")
        with pytest.raises(httpx.DecodingError):
            client.get("/faults/bad-gzip")
        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/faults/short-body")


@pytest.mark.parametrize("listener", LISTENERS)
def test_hang_holds_the_response(server: ServerInfo, listener: str) -> None:
    with _client(server, listener) as client, pytest.raises(httpx.ReadTimeout):
        client.get("/hang", timeout=0.5)


def test_hang_answers_after_its_seconds(server: ServerInfo) -> None:
    # A client that stays: the held body comes after ?seconds=, not after a minute.
    start = time.monotonic()
    r = httpx.get(server.http + "/hang?after_headers=1&seconds=0.3", timeout=10)
    assert (r.status_code, r.content) == (200, b".")
    assert 0.3 <= time.monotonic() - start < 5


@pytest.mark.parametrize("path", ["/delay/abc", "/delay/61", "/bytes/-1", "/status/99",
                                  "/drip?numbytes=x", "/encoding/no-such-charset",
                                  "/redirect/0", "/redirect-to", "/digest-auth/bad/u/p"])
def test_bad_parameters_get_a_400_with_a_json_error(server: ServerInfo, path: str) -> None:
    r = httpx.get(server.http + path, timeout=10)
    assert r.status_code == 400
    assert r.json()["status"] == 400 and r.json()["error"]


def test_unknown_path_and_wrong_method(server: ServerInfo) -> None:
    assert httpx.get(server.http + "/no/such/thing").status_code == 404
    assert httpx.post(server.http + "/get").status_code == 405


def test_body_and_compression_bytes_are_what_the_header_says(server: ServerInfo) -> None:
    # Read the raw bytes (no automatic decoding) to check the server really compressed.
    with httpx.Client(base_url=server.http) as client:
        for path, decompress in (("/gzip", gzip.decompress), ("/deflate", zlib.decompress)):
            with client.stream("GET", path) as r:
                raw = b"".join(r.iter_raw())
            assert json.loads(decompress(raw))["method"] == "GET"


# --- an independent client: curl ---------------------------------------------------------

needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


def curl(server: ServerInfo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["curl", "-sS", "--max-time", "10", "--cacert", server.ca, *args],
                          capture_output=True, text=True, timeout=20, check=True)


@needs_curl
@pytest.mark.parametrize(("listener", "flag", "version"), [
    ("https", "--http2", "2"),
    ("https_h1", "--http2", "1.1"),  # ALPN offers http/1.1 only: curl must fall back
    ("http", "--http2-prior-knowledge", "2"),  # h2c on the plain listener
    ("http", "--http1.1", "1.1"),
])
def test_curl_negotiates_the_documented_protocol(server: ServerInfo, listener: str, flag: str,
                                                 version: str) -> None:
    out = curl(server, flag, "-o", "/dev/null", "-w", "%{http_version}",
               server.url(listener) + "/get")
    assert out.stdout == version


@needs_curl
@pytest.mark.parametrize("listener", LISTENERS)
def test_curl_sees_the_same_bodies(server: ServerInfo, listener: str) -> None:
    url = server.url(listener)
    echo = json.loads(curl(server, "-X", "PUT", "--data-binary", "abc", url + "/anything").stdout)
    assert (echo["method"], base64.b64decode(echo["body_base64"])) == ("PUT", b"abc")
    raw = subprocess.run(["curl", "-sS", "--cacert", server.ca, url + "/bytes/5000?seed=9"],
                         capture_output=True, timeout=20, check=True).stdout
    assert raw == pattern_bytes(5000, 9)
    digest = curl(server, "--digest", "-u", "ann:pw", url + "/digest-auth/auth/ann/pw")
    assert json.loads(digest.stdout)["authenticated"] is True
    basic = curl(server, "-u", "ann:pw", url + "/basic-auth/ann/pw")
    assert json.loads(basic.stdout)["authenticated"] is True
