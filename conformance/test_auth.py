"""Authentication: Basic (tuple and class), Digest's challenge flow, NetRC, custom flows."""

from __future__ import annotations

import base64

import pytest

from conformance.helpers import echo, fetch, run, send


def basic_header(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.claim("auth.basic-tuple")
def test_basic_tuple(hx, server, observe):
    r = fetch(hx, server.http + "/basic-auth/user/passwd", auth=("user", "passwd"))
    observe({"status": r.status_code, "authorization": r.request.headers.get("authorization")})
    assert r.status_code == 200
    assert r.request.headers["authorization"] == basic_header("user", "passwd")


@pytest.mark.claim("auth.basic-bytes-tuple")
def test_basic_bytes_tuple(hx, server, observe):
    r = fetch(hx, server.http + "/basic-auth/user/passwd", auth=(b"user", b"passwd"))
    observe(r.status_code)
    assert r.status_code == 200


@pytest.mark.claim("auth.basic-class")
def test_basic_class(hx, server, observe):
    auth = hx.BasicAuth(username="finley", password="secret")
    with hx.Client() as client:
        r = client.get(server.http + "/basic-auth/finley/secret", auth=auth)
    observe({"status": r.status_code, "history": len(r.history)})
    assert r.status_code == 200
    assert r.history == []


@pytest.mark.claim("auth.client-level")
def test_client_level(hx, server, observe):
    auth = hx.BasicAuth(username="finley", password="secret")
    with hx.Client(auth=auth) as client:
        codes = [client.get(server.http + "/basic-auth/finley/secret").status_code
                 for _ in range(2)]
    observe(codes)
    assert codes == [200, 200]


@pytest.mark.claim("auth.basic-without-https")
def test_basic_without_https(hx, server, observe):
    r = fetch(hx, server.http + "/basic-auth/u/p", auth=("u", "p"))
    observe({"scheme": r.url.scheme, "status": r.status_code})
    assert (r.url.scheme, r.status_code) == ("http", 200)


@pytest.mark.claim("auth.digest-challenge")
def test_digest_challenge(hx, server, observe):
    auth = hx.DigestAuth(username="olivia", password="secret")
    with hx.Client(auth=auth) as client:
        r = client.get(server.http + "/digest-auth/auth/olivia/secret")
    observe({"status": r.status_code, "history": [h.status_code for h in r.history],
             "scheme": r.request.headers.get("authorization", "").split(" ")[0]})
    assert r.status_code == 200
    assert [h.status_code for h in r.history] == [401]
    assert r.request.headers["authorization"].startswith("Digest ")


@pytest.mark.claim("auth.digest-one-off")
def test_digest_one_off(hx, server, observe):
    r = fetch(hx, server.http + "/digest-auth/auth/my_user/password123",
               auth=hx.DigestAuth("my_user", "password123"))
    observe(r.status_code)
    assert r.status_code == 200


@pytest.mark.claim("auth.digest-wrong-password")
def test_digest_wrong_password(hx, server, observe):
    r = fetch(hx, server.http + "/digest-auth/auth/olivia/secret",
               auth=hx.DigestAuth("olivia", "wrong"))
    observe(r.status_code)
    assert r.status_code == 401


@pytest.mark.claim("auth.request-level-wins")
def test_request_level_wins(hx, server, observe):
    with hx.Client(auth=("tom", "mot123")) as client:
        r = client.get(server.http + "/anything", auth=("alice", "ecila123"))
    _, _, token = r.request.headers["Authorization"].partition(" ")
    decoded = base64.b64decode(token)
    observe(decoded.decode())
    assert decoded == b"alice:ecila123"
    assert echo(r)["headers"]["authorization"] == r.request.headers["Authorization"]


@pytest.mark.claim("auth.netrc")
def test_netrc(hx, server, tmp_path, observe):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1\nlogin example-username\npassword example-password\n\n"
                     "machine python-httpx.org\nlogin other-username\npassword other-password\n")
    netrc.chmod(0o600)
    with hx.Client(auth=hx.NetRCAuth(file=str(netrc))) as client:
        r = client.get(server.http + "/basic-auth/example-username/example-password")
    observe(r.status_code)
    assert r.status_code == 200


@pytest.mark.claim("auth.callable")
def test_callable(hx, server, observe):
    def add_token(request):
        request.headers["X-Authentication"] = "token-123"
        return request

    r = fetch(hx, server.http + "/anything", auth=add_token)
    sent = echo(r)["headers"].get("x-authentication")
    observe(sent)
    assert sent == "token-123"


@pytest.mark.claim("auth.custom-flow-single")
def test_custom_flow_single(hx, server, observe):
    class TokenAuth(hx.Auth):
        def auth_flow(self, request):
            request.headers["X-Authentication"] = "token-abc"
            yield request

    r = fetch(hx, server.http + "/anything", auth=TokenAuth())
    observe(echo(r)["headers"].get("x-authentication"))
    assert echo(r)["headers"]["x-authentication"] == "token-abc"


@pytest.mark.claim("auth.custom-flow-retry-on-401")
def test_custom_flow_retry_on_401(hx, server, observe):
    class RetryAuth(hx.Auth):
        def auth_flow(self, request):
            response = yield request
            if response.status_code == 401:
                request.headers["Authorization"] = basic_header("u", "p")
                yield request

    r = fetch(hx, server.http + "/basic-auth/u/p", auth=RetryAuth())
    observe({"status": r.status_code, "history": [h.status_code for h in r.history]})
    assert r.status_code == 200
    assert [h.status_code for h in r.history] == [401]


@pytest.mark.claim("auth.requires-request-body")
def test_requires_request_body(hx, server, observe):
    seen = []

    class SigningAuth(hx.Auth):
        requires_request_body = True

        def auth_flow(self, request):
            seen.append(request.content)
            request.headers["X-Signature"] = str(len(request.content))
            yield request

    def body():
        yield b"streamed "
        yield b"body"

    r = send(hx, "POST", server.http + "/anything", content=body(), auth=SigningAuth())
    observe({"seen": [s.decode() for s in seen], "signature": echo(r)["headers"].get(
        "x-signature")})
    assert seen == [b"streamed body"]
    assert echo(r)["headers"]["x-signature"] == "13"


@pytest.mark.claim("auth.requires-response-body")
def test_requires_response_body(hx, server, observe):
    seen = []

    class ReadingAuth(hx.Auth):
        requires_response_body = True

        def auth_flow(self, request):
            response = yield request
            seen.append(response.json()["authenticated"])

    r = fetch(hx, server.http + "/basic-auth/u/p", auth=ReadingAuth())
    observe(seen)
    assert r.status_code == 401
    assert seen == [False]


@pytest.mark.claim("auth.sync-and-async-flows")
def test_sync_and_async_flows(hx, server, observe):
    class SplitAuth(hx.Auth):
        def sync_auth_flow(self, request):
            request.headers["X-Flow"] = "sync"
            yield request

        async def async_auth_flow(self, request):
            request.headers["X-Flow"] = "async"
            yield request

    with hx.Client() as client:
        sync_flow = echo(client.get(server.http + "/anything", auth=SplitAuth()))["headers"]

    async def fetch():
        async with hx.AsyncClient() as client:
            r = await client.get(server.http + "/anything", auth=SplitAuth())
            return echo(r)["headers"]

    async_flow = run(fetch())
    observe({"Client": sync_flow.get("x-flow"), "AsyncClient": async_flow.get("x-flow")})
    assert (sync_flow.get("x-flow"), async_flow.get("x-flow")) == ("sync", "async")
