"""The Client parameter defaults documented in docs/api.md (tag 0.28.1), one claim each.

Every client here is built with no argument at all (``hx.Client()``): the default is the
thing under test. Where the default can be seen on the wire it is observed there.
"""

from __future__ import annotations

import concurrent.futures
import urllib.parse

import psutil
import pytest

from conformance.helpers import echo


def connections_to(url: str) -> set[int]:
    """Local ports of the TCP connections this process holds open to the server at ``url``."""
    port = int(url.rsplit(":", 1)[1])
    return {conn.laddr.port for conn in psutil.Process().net_connections(kind="tcp")
            if conn.raddr and conn.raddr.port == port
            and conn.status == psutil.CONN_ESTABLISHED}


@pytest.mark.claim("client-defaults.auth")
def test_auth(hx, server, observe):
    with hx.Client() as client:
        r = client.get(server.http + "/basic-auth/u/p")
    sent = "authorization" in r.request.headers
    observe({"status": r.status_code, "authorization sent": sent})
    assert r.status_code == 401
    assert not sent


@pytest.mark.claim("client-defaults.params")
def test_params(hx, server, observe):
    with hx.Client() as client:
        raw = echo(client.get(server.http + "/anything"))["raw_query"]
    observe(raw)
    assert raw == ""


@pytest.mark.claim("client-defaults.headers")
def test_headers(hx, server, observe):
    with hx.Client() as client:
        doc = echo(client.get(server.http + "/anything"))
    names = sorted({name.lower() for name, _ in doc["header_list"]})
    observe(names)
    assert names == ["accept", "accept-encoding", "connection", "host", "user-agent"]


@pytest.mark.claim("client-defaults.cookies")
def test_cookies(hx, server, observe):
    with hx.Client() as client:
        jar = dict(client.cookies)
        doc = echo(client.get(server.http + "/anything"))
    observe({"jar": jar, "cookie header": doc["headers"].get("cookie")})
    assert jar == {}
    assert "cookie" not in doc["headers"]


@pytest.mark.claim("client-defaults.verify")
def test_verify(hx, server, monkeypatch, observe):
    # The server's CA is a throw-away one: only the environment could make it trusted.
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with hx.Client() as client, pytest.raises(hx.ConnectError) as raised:
        client.get(server.https + "/get")
    # The class is the claim; the message (which names the certificate on httpx) is
    # recorded, not asserted: forks word it differently.
    observe({"raised": type(raised.value).__name__, "message": str(raised.value)[:160]})


@pytest.mark.claim("client-defaults.trust-env")
def test_trust_env(hx, server, monkeypatch, observe):
    # Setup, not the claim: the target must be able to check this server's name at all
    # (1.0.dev6 checks "127.0.0.1:<port>"); if it cannot, that is its own finding
    # (tls.local-server-custom-ca) and this claim is setup-failed, not broken.
    hx.trusting(server, name_check=True)
    monkeypatch.setenv("SSL_CERT_FILE", server.ca)
    with hx.Client() as client:
        status = client.get(server.https + "/get").status_code
    observe(status)
    assert status == 200


@pytest.mark.claim("client-defaults.http1-only")
def test_http1_only(hx, server, monkeypatch, observe):
    hx.trusting(server, name_check=True)  # setup, as in test_trust_env
    monkeypatch.setenv("SSL_CERT_FILE", server.ca)  # trust through the default trust_env
    with hx.Client() as client:
        version = client.get(server.https + "/get").http_version
    observe(version)
    assert version == "HTTP/1.1"


@pytest.mark.claim("client-defaults.timeout")
def test_timeout(hx, observe):
    with hx.Client() as client:
        timeout = client.timeout
    seen = {k: getattr(timeout, k) for k in ("connect", "read", "write", "pool")}
    observe(seen)
    assert seen == {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}


@pytest.mark.claim("client-defaults.follow-redirects")
def test_follow_redirects(hx, server, observe):
    with hx.Client() as client:
        flag = client.follow_redirects
        r = client.get(server.http + "/redirect/1")
    observe({"follow_redirects": flag, "status": r.status_code})
    assert flag is False
    assert r.status_code == 302
    assert r.next_request is not None


@pytest.mark.claim("client-defaults.max-redirects")
def test_max_redirects(hx, server, observe):
    with hx.Client() as client:
        r = client.get(server.http + "/redirect/20", follow_redirects=True)
        with pytest.raises(hx.TooManyRedirects):
            client.get(server.http + "/redirect/21", follow_redirects=True)
    observe({"/redirect/20": [r.status_code, len(r.history)], "/redirect/21": "TooManyRedirects"})
    assert (r.status_code, len(r.history)) == (200, 20)


@pytest.mark.claim("client-defaults.limits")
def test_limits(hx, server, server_stats, observe):
    # 30 requests at once: all 30 are in flight together (the cap is 100 connections), and
    # the pool keeps at most 20 of them (max_keepalive_connections) once they are done.
    # Counted, not timed: the server's peak of requests in flight, and the connections
    # still open by local port (so an earlier test's connection closing is not miscounted).
    earlier = connections_to(server.http)
    with hx.Client() as client, concurrent.futures.ThreadPoolExecutor(30) as pool:
        codes = list(pool.map(lambda _: client.get(server.http + "/delay/1").status_code,
                              range(30)))
        kept = len(connections_to(server.http) - earlier)
    peak = server_stats.get()["peak_in_flight"]
    observe({"requests": len(codes), "server peak in flight": peak, "kept open": kept})
    assert codes == [200] * 30
    assert peak == 30, "the 30 requests were not all in flight at once"
    assert kept == 20


@pytest.mark.claim("client-defaults.event-hooks")
def test_event_hooks(hx, observe):
    with hx.Client() as client:
        hooks = {k: list(v) for k, v in client.event_hooks.items()}
    observe({k: len(v) for k, v in hooks.items()})
    assert hooks == {"request": [], "response": []}


@pytest.mark.claim("client-defaults.base-url")
def test_base_url(hx, observe):
    with hx.Client() as client:
        base = str(client.base_url)
        with pytest.raises(hx.RequestError) as raised:
            client.get("/anything")
    observe({"base_url": base, "raised": type(raised.value).__name__})
    assert base == ""
    assert isinstance(raised.value, hx.UnsupportedProtocol)


@pytest.mark.claim("client-defaults.default-encoding")
def test_default_encoding(hx, server, observe):
    with hx.Client() as client:
        query = urllib.parse.urlencode({"declare": "0", "text": "café"})
        r = client.get(server.http + "/encoding/latin-1?" + query)
    observe({"encoding": r.encoding, "text": r.text})
    assert r.encoding == "utf-8"
    assert r.text == "caf\ufffd"
