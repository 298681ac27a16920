"""Redirects: not followed by default, opt-in per request or per client, history, limits."""

from __future__ import annotations

import pytest

from conformance.helpers import fetch


@pytest.mark.claim("redirects.not-followed-by-default")
def test_not_followed_by_default(hx, requests_side, server, observe):
    url = server.http + "/redirect/1"
    with requests_side as side:
        r = side.lib.get(url)
        side.observe({"status": r.status_code, "history": len(r.history)})
        assert (r.status_code, len(r.history)) == (200, 1)
    r = fetch(hx, url)
    observe({"status": r.status_code})  # first the status: every API generation has it
    assert r.status_code == 302
    observe({"status": r.status_code, "history": len(r.history)})
    assert r.history == []


@pytest.mark.claim("redirects.client-not-followed-by-default")
def test_client_not_followed_by_default(hx, requests_side, server, observe):
    url = server.http + "/redirect/1"
    with requests_side as side, side.lib.Session() as session:
        r = session.get(url)
        side.observe(r.status_code)
        assert r.status_code == 200
    with hx.Client() as client:
        r = client.get(url)
    observe(r.status_code)
    assert r.status_code == 302


@pytest.mark.claim("redirects.follow-per-request")
def test_follow_per_request(hx, server, observe):
    with hx.Client() as client:
        r = client.get(server.http + "/redirect/1", follow_redirects=True)
    observe({"status": r.status_code, "url": str(r.url)})
    assert r.status_code == 200
    assert r.url.path == "/get"


@pytest.mark.claim("redirects.follow-per-client")
def test_follow_per_client(hx, server, observe):
    with hx.Client(follow_redirects=True) as client:
        r = client.get(server.http + "/redirect/2")
    observe({"status": r.status_code, "url": str(r.url)})
    assert r.status_code == 200
    assert r.url.path == "/get"


@pytest.mark.claim("redirects.history-empty-and-next-request")
def test_history_empty_and_next_request(hx, server, observe):
    r = fetch(hx, server.http + "/redirect/1")
    observe({"status": r.status_code, "history": len(r.history),
             "next_request": None if r.next_request is None else str(r.next_request.url)})
    assert r.status_code == 302
    assert r.history == []
    assert isinstance(r.next_request, hx.Request)
    assert r.next_request.url == hx.URL(server.http + "/get")


@pytest.mark.claim("redirects.history-in-order")
def test_history_in_order(hx, server, observe):
    r = fetch(hx, server.http + "/redirect/3", follow_redirects=True)
    paths = [h.url.path for h in r.history]
    observe({"history": paths, "codes": [h.status_code for h in r.history]})
    assert paths == ["/redirect/3", "/relative-redirect/2", "/relative-redirect/1"]
    assert all(isinstance(h, hx.Response) and h.status_code == 302 for h in r.history)
    assert r.url.path == "/get"


@pytest.mark.claim("redirects.next-request-attribute")
def test_next_request_attribute(hx, requests_side, server, observe):
    url = server.http + "/redirect/3"
    with requests_side as side, side.lib.Session() as session:
        request = side.lib.Request("GET", url).prepare()
        seen = []
        while request is not None:
            response = session.send(request, allow_redirects=False)
            seen.append(response.status_code)
            request = response.next
        side.observe(seen)
        assert seen == [302, 302, 302, 200]
    with hx.Client() as client:
        request = client.build_request("GET", url)
        seen = []
        while request is not None and len(seen) < 10:
            response = client.send(request)
            seen.append(response.status_code)
            request = response.next_request
    observe(seen)
    assert seen == [302, 302, 302, 200]
    assert not hasattr(response, "next")


@pytest.mark.claim("redirects.allow-redirects-not-accepted")
def test_allow_redirects_not_accepted(hx, requests_side, server, observe):
    url = server.http + "/redirect/1"
    with requests_side as side:
        r = side.lib.get(url, allow_redirects=False)
        side.observe(r.status_code)
        assert r.status_code == 302
    with pytest.raises(TypeError) as error:
        fetch(hx, url, allow_redirects=False)
    observe(f"TypeError: {error.value}")


@pytest.mark.claim("redirects.max-redirects")
def test_max_redirects(hx, server, observe):
    with hx.Client(max_redirects=2, follow_redirects=True) as client:
        within = client.get(server.http + "/redirect/2")
        with pytest.raises(hx.TooManyRedirects) as error:
            client.get(server.http + "/redirect/3")
    observe({"redirect/2": within.status_code, "redirect/3": type(error.value).__name__})
    assert within.status_code == 200


@pytest.mark.claim("redirects.final-url")
def test_final_url(hx, server, observe):
    r = fetch(hx, server.http + "/absolute-redirect/2", follow_redirects=True)
    observe(str(r.url))
    assert isinstance(r.url, hx.URL)
    assert str(r.url) == server.http + "/get"
