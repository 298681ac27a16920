"""Headers: custom and default headers, merging, case-insensitive access, Request objects."""

from __future__ import annotations

import importlib

import pytest

from conformance.helpers import echo, fetch


def sent_headers(response) -> dict[str, str]:
    return echo(response)["headers"]


@pytest.mark.claim("headers.custom-per-request")
def test_custom_per_request(hx, server, observe):
    r = fetch(hx, server.http + "/headers", headers={"User-Agent": "my-app/1.0"})
    observe(sent_headers(r).get("user-agent"))
    assert sent_headers(r)["user-agent"] == "my-app/1.0"


@pytest.mark.claim("headers.client-default-headers")
def test_client_default_headers(hx, server, observe):
    with hx.Client(headers={"Authorization": "Bearer TOKEN"}) as client:
        seen = [sent_headers(client.get(server.http + path)).get("authorization")
                for path in ("/headers", "/anything")]
    observe(seen)
    assert seen == ["Bearer TOKEN", "Bearer TOKEN"]


@pytest.mark.claim("headers.client-user-agent")
def test_client_user_agent(hx, server, observe):
    with hx.Client(headers={"user-agent": "my-app/0.0.1"}) as client:
        r = client.get(server.http + "/headers")
    observe(echo(r)["headers"].get("user-agent"))
    assert echo(r)["headers"]["user-agent"] == "my-app/0.0.1"


@pytest.mark.claim("headers.request-headers-visible")
def test_request_headers_visible(hx, server, observe):
    with hx.Client() as client:
        r = client.get(server.http + "/get", headers={"X-Custom": "value"})
    observe(r.request.headers.get("X-Custom"))
    assert r.request.headers["X-Custom"] == "value"
    assert sent_headers(r)["x-custom"] == "value"


@pytest.mark.claim("headers.client-and-request-merged")
def test_client_and_request_merged(hx, server, observe):
    with hx.Client(headers={"X-Auth": "from-client"}) as client:
        r = client.get(server.http + "/anything", headers={"X-Custom": "from-request"})
    seen = sent_headers(r)
    observe({"x-auth": seen.get("x-auth"), "x-custom": seen.get("x-custom")})
    assert (r.request.headers["X-Auth"], r.request.headers["X-Custom"]) == (
        "from-client", "from-request")
    assert (seen["x-auth"], seen["x-custom"]) == ("from-client", "from-request")


@pytest.mark.claim("headers.default-user-agent")
def test_default_user_agent(hx, requests_side, server, observe):
    with requests_side as side:
        r = side.lib.get(server.http + "/headers")
        side.observe(sent_headers(r)["user-agent"])
        assert sent_headers(r)["user-agent"] == f"python-requests/{side.lib.__version__}"
    r = fetch(hx, server.http + "/headers")
    agent = sent_headers(r)["user-agent"]
    observe(agent)
    assert agent == f"python-httpx/{hx.__version__}"


@pytest.mark.claim("headers.default-accept-encoding")
def test_default_accept_encoding(hx, server, observe):
    r = fetch(hx, server.http + "/headers")
    offered = [token.strip() for token in sent_headers(r)["accept-encoding"].split(",")]
    observe(offered)
    assert {"gzip", "deflate"} <= set(offered)
    if _importable("brotli") or _importable("brotlicffi"):
        assert "br" in offered


def _importable(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


@pytest.mark.claim("headers.case-insensitive")
def test_case_insensitive(hx, server, observe):
    r = fetch(hx, server.http + "/json")
    values = [r.headers["Content-Type"], r.headers["content-type"],
              r.headers.get("CONTENT-TYPE")]
    observe(values)
    assert values == ["application/json"] * 3


@pytest.mark.claim("headers.multiple-values-joined")
def test_multiple_values_joined(hx, server, observe):
    r = fetch(hx, server.http + "/response-headers?x-multi=a&x-multi=b")
    observe(r.headers.get("x-multi"))
    assert r.headers["x-multi"] == "a, b"


@pytest.mark.claim("headers.build-request-edit")
def test_build_request_edit(hx, server, observe):
    headers = {"X-Api-Key": "secret", "X-Client-ID": "ABC123"}
    with hx.Client(headers=headers) as client:
        request = client.build_request("GET", server.http + "/anything")
        assert request.headers["X-Client-ID"] == "ABC123"
        del request.headers["X-Api-Key"]
        seen = sent_headers(client.send(request))
    observe({k: seen.get(k) for k in ("x-api-key", "x-client-id")})
    assert "x-api-key" not in seen
    assert seen["x-client-id"] == "ABC123"
