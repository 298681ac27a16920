"""Cookies: response cookies, the cookies= parameter, domains, client persistence."""

from __future__ import annotations

import warnings

import pytest

from conformance.helpers import fetch


@pytest.mark.claim("cookies.from-response")
def test_from_response(hx, server, observe):
    r = fetch(hx, server.http + "/cookies/set?chocolate=chip")
    observe(dict(r.cookies))
    assert isinstance(r.cookies, hx.Cookies)
    assert r.cookies["chocolate"] == "chip"


@pytest.mark.claim("cookies.cookies-parameter")
def test_cookies_parameter(hx, server, observe):
    r = hx.get(server.http + "/cookies", cookies={"peanut": "butter"})  # the quickstart's call
    observe(r.json())
    assert r.json() == {"cookies": {"peanut": "butter"}}


@pytest.mark.claim("cookies.domain-scoped")
def test_domain_scoped(hx, server, observe):
    cookies = hx.Cookies()
    cookies.set("cookie_on_domain", "hello, there!", domain="127.0.0.1")
    cookies.set("cookie_off_domain", "nope.", domain="example.org")
    r = hx.get(server.http + "/cookies", cookies=cookies)  # per request: the claim
    observe(r.json())
    assert r.json() == {"cookies": {"cookie_on_domain": "hello, there!"}}


@pytest.mark.claim("cookies.client-persistence")
def test_client_persistence(hx, server, observe):
    with hx.Client() as client:
        client.get(server.http + "/cookies/set?flavour=oat")
        r = client.get(server.http + "/cookies")
    observe(r.json())
    assert r.json()["cookies"] == {"flavour": "oat"}


@pytest.mark.claim("cookies.client-level")
def test_client_level(hx, server, observe):
    with hx.Client(cookies={"session": "abc"}) as client:
        seen = [client.get(server.http + "/cookies").json()["cookies"] for _ in range(2)]
    observe(seen)
    assert seen == [{"session": "abc"}] * 2


@pytest.mark.claim("cookies.per-request-deprecated")
def test_per_request_deprecated(hx, requests_side, server, observe):
    url = server.http + "/cookies"
    with requests_side as side, side.lib.Session() as session, warnings.catch_warnings(
            record=True) as caught:
        warnings.simplefilter("always")
        r = session.get(url, cookies={"a": "b"})
        side.observe({"cookies": r.json()["cookies"], "warnings": len(caught)})
        assert r.json()["cookies"] == {"a": "b"} and not caught
    with hx.Client() as client, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client.get(url, cookies={"a": "b"})
    messages = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    observe(messages)
    assert messages, "per-request cookies on a client should be refused or deprecated"


@pytest.mark.claim("cookies.client-and-request-merged")
def test_client_and_request_merged(hx, server, observe):
    with hx.Client(cookies={"from_client": "1"}) as client, \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        r = client.get(server.http + "/cookies", cookies={"from_request": "2"})
    observe(r.json()["cookies"])
    assert r.json()["cookies"] == {"from_client": "1", "from_request": "2"}
