"""base_url joining: every case of the NVCF note, plus the Client docs' example.

The note's host is replaced by the local server, with /anything in front of its path so
the server echoes the path it received.
"""

from __future__ import annotations

import pytest

from conformance.helpers import echo

FUNCTIONS = "/anything/v2/nvcf/pexec/functions"
FUNCTION_ID = "a52271e8-e395-485e-9c77-d51d28b82e8f"
BODY = {"prompt": "hello"}

# (claim, base path, path passed to post, path expected on the wire)
JOINS = [
    ("nvcf.base-host-leading-slash", "/anything", f"/v2/nvcf/pexec/functions/{FUNCTION_ID}",
     f"{FUNCTIONS}/{FUNCTION_ID}"),
    ("nvcf.base-trailing-slash-leading-slash", f"{FUNCTIONS}/", f"/{FUNCTION_ID}",
     f"{FUNCTIONS}/{FUNCTION_ID}"),
    ("nvcf.empty-path-gains-trailing-slash", f"{FUNCTIONS}/{FUNCTION_ID}", "",
     f"{FUNCTIONS}/{FUNCTION_ID}/"),
    ("base-url.no-trailing-slash-leading-slash", FUNCTIONS, f"/{FUNCTION_ID}",
     f"{FUNCTIONS}/{FUNCTION_ID}"),
    ("base-url.no-trailing-slash-relative", FUNCTIONS, FUNCTION_ID,
     f"{FUNCTIONS}/{FUNCTION_ID}"),
    ("base-url.trailing-slash-relative", f"{FUNCTIONS}/", FUNCTION_ID,
     f"{FUNCTIONS}/{FUNCTION_ID}"),
]


@pytest.mark.parametrize(("base", "path", "expected"), [
    pytest.param(base, path, expected, id=claim, marks=pytest.mark.claim(claim))
    for claim, base, path, expected in JOINS])
def test_join(hx, server, base, path, expected, observe):
    headers = {"Authorization": "Bearer TOKEN"}
    with hx.Client(base_url=server.http + base, headers=headers) as client:
        r = client.post(path, json=BODY)
    doc = echo(r)
    # .get: a join that misses /anything reaches a 404 whose body has no raw_path.
    observe({"request.url": str(r.request.url).removeprefix(server.http),
             "status": r.status_code, "server path": doc.get("raw_path")})
    assert str(r.request.url) == server.http + expected
    assert doc["raw_path"] == expected
    assert doc["json"] == BODY
    assert doc["headers"]["authorization"] == "Bearer TOKEN"


@pytest.mark.claim("base-url.clients-example")
def test_clients_example(hx, server, observe):
    with hx.Client(base_url=server.http) as client:
        r = client.get("/headers")
    observe(str(r.request.url))
    assert r.request.url == hx.URL(server.http + "/headers")


@pytest.mark.claim("base-url.absolute-url-wins")
def test_absolute_url_wins(hx, server, observe):
    with hx.Client(base_url=server.http + "/anything/base") as client:
        r = client.get(server.http + "/anything/elsewhere")
    observe(echo(r)["raw_path"])
    assert echo(r)["raw_path"] == "/anything/elsewhere"


@pytest.mark.claim("nvcf.client-post")
def test_client_post(hx, server, observe):
    client = hx.Client()
    try:
        r = client.post(server.http + "/anything", headers={"X-Key": "k"}, json=BODY)
    finally:
        client.close()
    doc = echo(r)
    observe({"json": doc["json"], "x-key": doc["headers"].get("x-key")})
    assert (doc["json"], doc["headers"]["x-key"]) == (BODY, "k")


@pytest.mark.claim("nvcf.request-send")
def test_request_send(hx, server, observe):
    with hx.Client() as client:
        request = hx.Request("POST", server.http + "/anything", headers={"X-Key": "k"},
                             json=BODY)
        r = client.send(request)
    doc = echo(r)
    observe({"method": doc["method"], "json": doc["json"]})
    assert (doc["method"], doc["json"], doc["headers"]["x-key"]) == ("POST", BODY, "k")
