"""Entries of httpx's CHANGELOG (0.23.0 to 0.28.1) observed on the wire and in the process.

Each claim carries the version it takes effect in (``since``/``until`` in claims.toml), so
the same test is expected to hold on newer targets and break on older ones. The tests pass
only the argument the entry is about; everything else is the target's default. They send
through a default Client (every API generation has one): no entry here is about the
top-level functions.
"""

from __future__ import annotations

import io
import logging
import os
import socket
import subprocess
import sys
import urllib.parse
import warnings
from typing import Any

import pytest

from conformance.helpers import echo, fetch, multipart_parts, run, send, sent_body


def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"in-process"]


def warnings_of(build: Any) -> list[str]:
    """Build something (a client) and return the DeprecationWarnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        built = build()
    if hasattr(built, "close"):
        built.close()
    return [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]


# --- 0.28.0 -------------------------------------------------------------------------------


@pytest.mark.claim("changelog.proxies-removed")
def test_proxies_removed(hx, server, observe):
    with pytest.raises(TypeError) as raised:
        hx.Client(proxies=server.http).close()
    observe(str(raised.value)[:120])


@pytest.mark.claim("changelog.proxies-deprecated")
def test_proxies_deprecated(hx, server, observe):
    messages = warnings_of(lambda: hx.Client(proxies=server.http))
    observe(messages)
    assert any("proxies" in m for m in messages)


@pytest.mark.claim("changelog.proxy-argument")
def test_proxy_argument(hx, server, observe):
    # The server stands in as the proxy: a proxy receives the absolute URL as the target
    # (without the proxy, the .invalid host could not even be resolved).
    origin = "http://proxied.invalid"
    with hx.Client(proxy=server.http) as client:
        r = client.get(origin + "/anything")
    # The server has no endpoint at an absolute URL: its 404 names the target it received.
    error = r.json().get("error", "")
    observe({"status": r.status_code, "server saw": error})
    assert f"{origin}/anything" in error


@pytest.mark.claim("changelog.app-removed")
def test_app_removed(hx, observe):
    with pytest.raises(TypeError) as raised:
        hx.Client(app=wsgi_app).close()
    observe(str(raised.value)[:120])


@pytest.mark.claim("changelog.app-deprecated")
def test_app_deprecated(hx, observe):
    messages = warnings_of(lambda: hx.Client(app=wsgi_app))
    observe(messages)
    assert messages


@pytest.mark.claim("changelog.verify-string-deprecated")
def test_verify_string_deprecated(hx, server, observe):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with hx.Client(verify=server.ca) as client:
            status = client.get(server.https + "/get").status_code
    messages = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    observe({"status": status, "warnings": messages})
    assert status == 200
    assert any("verify" in m for m in messages)


@pytest.fixture(scope="module")
def client_cert_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A PEM file with a client certificate and its key, from a throw-away CA."""
    import trustme

    path = tmp_path_factory.mktemp("client-cert") / "client.pem"
    trustme.CA().issue_cert("client.harness.invalid").private_key_and_cert_chain_pem \
        .write_to_path(str(path))
    return str(path)


@pytest.mark.claim("changelog.cert-deprecated")
def test_cert_deprecated(hx, client_cert_file, observe):
    messages = warnings_of(lambda: hx.Client(cert=client_cert_file))
    observe(messages)
    assert any("cert" in m for m in messages)


@pytest.mark.claim("changelog.path-whatwg-escapes")
def test_path_whatwg_escapes(hx, server, observe):
    raw = echo(fetch(hx, server.http + "/anything/a b{x}|^`'\"<>"))["raw_path"]
    observe(raw)
    assert raw == "/anything/a%20b%7Bx%7D|^%60'%22%3C%3E"


@pytest.mark.claim("changelog.query-whatwg-escapes")
def test_query_whatwg_escapes(hx, server, observe):
    raw = echo(fetch(hx, server.http + "/anything?q=a b{x}|^`'\"<>"))["raw_query"]
    observe(raw)
    assert raw == "q=a%20b{x}|^`'%22%3C%3E"


@pytest.mark.claim("changelog.params-empty-dict-clears-query")
def test_params_empty_dict_clears_query(hx, server, observe):
    raw = echo(fetch(hx, server.http + "/anything?a=1", params={}))["raw_query"]
    observe(raw)
    assert raw == ""


@pytest.mark.claim("changelog.httpcore-imported-lazily")
def test_httpcore_imported_lazily(hx, observe):
    code = (f"import sys, {hx.name}; "
            "print(','.join(m for m in ('httpcore', 'certifi') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env=dict(os.environ))
    assert done.returncode == 0, done.stderr[-300:]
    imported = [m for m in done.stdout.strip().split(",") if m]
    observe({"imported with the target": imported})
    assert imported == []


# --- 0.26.0 -------------------------------------------------------------------------------


@pytest.mark.claim("changelog.path-not-double-escaped")
def test_path_not_double_escaped(hx, server, observe):
    raw = echo(fetch(hx, server.http + "/anything/a b/%41"))["raw_path"]
    observe(raw)
    assert raw == "/anything/a%20b/%41"


@pytest.mark.claim("changelog.query-slash-safe")
def test_query_slash_safe(hx, server, observe):
    raw = echo(fetch(hx, server.http + "/anything?r=/x"))["raw_query"]
    observe(raw)
    assert raw == "r=/x"


@pytest.mark.claim("changelog.userinfo-with-at-sign")
def test_userinfo_with_at_sign(hx, server, observe):
    host = server.http.split("://", 1)[1]
    r = fetch(hx, f"http://us@r:pa@ss@{host}/basic-auth/us@r/pa@ss")
    observe(r.status_code)
    assert r.status_code == 200


# --- 0.25.x -------------------------------------------------------------------------------


@pytest.mark.claim("changelog.encoding-set-after-text-raises")
def test_encoding_set_after_text_raises(hx, server, observe):
    r = fetch(hx, server.http + "/encoding/utf-8")
    assert r.text
    with pytest.raises(ValueError) as raised:
        r.encoding = "latin-1"
    observe(str(raised.value)[:120])


@pytest.mark.claim("changelog.params-slash-escaped")
def test_params_slash_escaped(hx, server, observe):
    raw = echo(fetch(hx, server.http + "/anything", params={"a": "b/c"}))["raw_query"]
    observe(raw)
    assert raw == "a=b%2Fc"


@pytest.mark.claim("changelog.status-error-links-mozilla")
def test_status_error_links_mozilla(hx, server, observe):
    r = fetch(hx, server.http + "/status/404")
    with pytest.raises(hx.HTTPStatusError) as raised:
        r.raise_for_status()
    observe(str(raised.value))
    assert "developer.mozilla.org" in str(raised.value)


@pytest.mark.claim("changelog.transport-socket-options")
def test_transport_socket_options(hx, server, observe):
    transport = hx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
    with hx.Client(transport=transport) as client:
        status = client.get(server.http + "/get").status_code
    observe(status)
    assert status == 200


# --- 0.24.x -------------------------------------------------------------------------------


def request_log_lines(caplog: pytest.LogCaptureFixture, logger: str) -> list[tuple[str, str]]:
    """Request lines on the library's own logger (``httpx``; a fork logs under its name)."""
    return [(rec.levelname, rec.getMessage()) for rec in caplog.records
            if rec.name.split(".")[0] == logger and rec.getMessage().startswith("HTTP Request:")]


def logged_request_line(lines: list[tuple[str, str]], url: str) -> bool:
    """One INFO line for the request (hypercorn sends no reason phrase, so none is matched)."""
    return [level for level, _ in lines] == ["INFO"] and lines[0][1].startswith(
        f'HTTP Request: GET {url} "HTTP/1.1 200')


@pytest.mark.claim("changelog.request-logged-at-info")
def test_request_logged_at_info(hx, server, caplog, observe):
    caplog.set_level(logging.DEBUG)
    with hx.Client() as client:
        client.get(server.http + "/get")
    lines = request_log_lines(caplog, hx.name)
    observe(lines)
    assert logged_request_line(lines, server.http + "/get")


@pytest.mark.claim("changelog.async-request-logged-at-info")
def test_async_request_logged_at_info(hx, server, caplog, observe):
    caplog.set_level(logging.DEBUG)

    async def one() -> None:
        async with hx.AsyncClient() as client:
            await client.get(server.http + "/get")

    run(one())
    lines = request_log_lines(caplog, hx.name)
    observe(lines)
    assert logged_request_line(lines, server.http + "/get")


@pytest.mark.claim("changelog.params-space-percent-20")
def test_params_space_percent_20(hx, requests_side, server, observe):
    with requests_side as side:
        r = side.lib.get(server.http + "/anything", params={"a": "b c"})
        side.observe(echo(r)["raw_query"])
        assert echo(r)["raw_query"] == "a=b+c"
    raw = echo(fetch(hx, server.http + "/anything", params={"a": "b c"}))["raw_query"]
    observe(raw)
    assert raw == "a=b%20c"


@pytest.mark.claim("changelog.netrc-not-automatic")
def test_netrc_not_automatic(hx, server, tmp_path, monkeypatch, observe):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1\nlogin u\npassword p\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    r = fetch(hx, server.http + "/basic-auth/u/p")
    observe(r.status_code)
    assert r.status_code == 401


# --- 0.23.x -------------------------------------------------------------------------------


@pytest.mark.claim("changelog.params-scalar-types")
def test_params_scalar_types(hx, server, observe):
    params = {"a": 1, "b": True, "c": 1.5}
    raw = echo(fetch(hx, server.http + "/anything", params=params))["raw_query"]
    observe(raw)
    assert raw == "a=1&b=true&c=1.5"


@pytest.mark.claim("changelog.digest-nonce-counting")
def test_digest_nonce_counting(hx, server, observe):
    auth = hx.DigestAuth("u", "p")
    url = server.http + "/digest-auth/auth/u/p"
    with hx.Client(auth=auth) as client:
        first, second = client.get(url), client.get(url)
    sent = second.request.headers.get("authorization", "")
    nc = next((p.split("=", 1)[1] for p in sent.replace(" ", "").split(",")
               if p.startswith("nc=")), None)
    observe({"history": [len(first.history), len(second.history)],
             "status": second.status_code, "second nc": nc})
    assert second.status_code == 200
    assert second.history == []
    assert nc == "00000002"


class UnknownLength(io.RawIOBase):
    """A readable binary file whose length cannot be determined (no seek, no fileno)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.name = "stream.bin"

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._data.read(len(buffer))
        buffer[:len(chunk)] = chunk
        return len(chunk)


@pytest.mark.claim("changelog.multipart-unknown-length-chunked")
def test_multipart_unknown_length_chunked(hx, server, observe):
    r = send(hx, "POST", server.http + "/anything", files={"f": UnknownLength(b"x" * 1000)})
    headers = echo(r)["headers"]
    observe({k: headers.get(k) for k in ("transfer-encoding", "content-length")})
    assert headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in headers
    assert b"x" * 1000 in sent_body(r)


@pytest.mark.claim("changelog.content-dict-rejected")
def test_content_dict_rejected(hx, server, observe):
    with pytest.raises(TypeError) as raised:
        send(hx, "POST", server.http + "/anything", content={"a": 1})
    observe(str(raised.value)[:120])


@pytest.mark.claim("changelog.multipart-explicit-boundary")
def test_multipart_explicit_boundary(hx, server, observe):
    content_type = "multipart/form-data; boundary=harness-b0undary"
    r = send(hx, "POST", server.http + "/anything", headers={"Content-Type": content_type},
                files={"f": ("a.txt", b"hello")})
    doc = echo(r)
    body = sent_body(r)
    observe({"content-type": doc["headers"]["content-type"],
             "body starts": body[:20].decode("latin-1")})
    assert doc["headers"]["content-type"] == content_type
    assert body.startswith(b"--harness-b0undary\r\n")
    parts = multipart_parts(body, content_type)
    assert [(p["name"], p["payload"]) for p in parts] == [("f", b"hello")]


@pytest.mark.claim("changelog.multipart-tuple-values")
def test_multipart_tuple_values(hx, server, observe):
    r = send(hx, "POST", server.http + "/anything", data={"a": ("1", "2")},
                files={"f": ("a.txt", b"x")})
    parts = multipart_parts(sent_body(r), echo(r)["headers"]["content-type"])
    fields = [(p["name"], p["payload"]) for p in parts if p["filename"] is None]
    observe([(name, payload.decode()) for name, payload in fields])
    assert fields == [("a", b"1"), ("a", b"2")]


@pytest.mark.claim("changelog.empty-params-kept")
def test_empty_params_kept(hx, server, observe):
    raw = echo(fetch(hx, server.http + "/anything", params={"a": "", "b": "1"}))["raw_query"]
    observe(raw)
    assert raw == "a=&b=1"


@pytest.mark.claim("changelog.utf8-default-charset")
def test_utf8_default_charset(hx, server, observe):
    # The server's options go in the URL itself: params= is not what this claim is about.
    query = urllib.parse.urlencode({"declare": "0", "text": "Ça coûte"})
    r = fetch(hx, server.http + "/encoding/utf-8?" + query)
    observe({"encoding": r.encoding, "text": r.text})
    assert r.encoding == "utf-8"
    assert r.text == "Ça coûte"


@pytest.mark.claim("changelog.multipart-file-rewound")
def test_multipart_file_rewound(hx, server, observe):
    upload = io.BytesIO(b"whole file")
    upload.name = "a.txt"
    upload.read()  # at the end, as after a checksum
    r = send(hx, "POST", server.http + "/anything", files={"f": upload})
    parts = multipart_parts(sent_body(r), echo(r)["headers"]["content-type"])
    observe([p["payload"].decode() for p in parts])
    assert [p["payload"] for p in parts] == [b"whole file"]
