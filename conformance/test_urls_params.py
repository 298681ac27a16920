"""URLs and query parameters: URL objects, params encoding, merging, replacing."""

from __future__ import annotations

import warnings

import pytest

from conformance.helpers import echo, fetch, send


def query(hx, server, **kwargs) -> str:
    r = fetch(hx, server.http + "/anything", **kwargs)
    return echo(r)["raw_query"]


@pytest.mark.claim("urls.response-url-object")
def test_response_url_object(hx, requests_side, server, observe):
    url = server.http + "/get"
    with requests_side as side:
        r = side.lib.get(url)
        side.observe(type(r.url).__name__)
        assert isinstance(r.url, str)
    r = fetch(hx, url)
    observe(type(r.url).__name__)
    assert isinstance(r.url, hx.URL)
    assert str(r.url) == url


@pytest.mark.claim("params.dict-encoded")
def test_dict_encoded(hx, server, observe):
    r = fetch(hx, server.http + "/get", params={"key1": "value1", "key2": "value2"})
    observe(str(r.url))
    assert echo(r)["args"] == {"key1": "value1", "key2": "value2"}
    assert r.url.params["key1"] == "value1"


@pytest.mark.claim("params.quickstart-example-order")
def test_quickstart_example_order(hx, server, observe):
    r = fetch(hx, server.http + "/get", params={"key1": "value1", "key2": "value2"})
    observe(r.url.query.decode())
    assert r.url.query == b"key2=value2&key1=value1"


@pytest.mark.claim("params.list-values")
def test_list_values(hx, server, observe):
    raw = query(hx, server, params={"key1": "value1", "key2": ["value2", "value3"]})
    observe(raw)
    assert raw == "key1=value1&key2=value2&key2=value3"


@pytest.mark.claim("params.cheatsheet-example")
def test_cheatsheet_example(hx, server, observe):
    # The claim is about the top-level function (helpers.send: top-level claims call it).
    raw = echo(hx.get(server.http + "/anything", params={"q": "test", "page": 2}))["raw_query"]
    observe(raw)
    assert raw == "q=test&page=2"


@pytest.mark.claim("params.none-not-omitted")
def test_none_not_omitted(hx, requests_side, server, observe):
    with requests_side as side:
        r = side.lib.get(server.http + "/anything", params={"foo": None, "bar": "1"})
        side.observe(echo(r)["raw_query"])
        assert echo(r)["raw_query"] == "bar=1"
    raw = query(hx, server, params={"foo": None, "bar": "1"})
    observe(raw)
    assert "foo" in raw


@pytest.mark.claim("params.list-of-tuples-not-supported")
def test_list_of_tuples_not_supported(hx, requests_side, server, observe):
    pairs = [("key1", "value1"), ("key1", "value2")]
    with requests_side as side:
        r = side.lib.get(server.http + "/anything", params=pairs)
        side.observe(echo(r)["raw_query"])
        assert echo(r)["raw_query"] == "key1=value1&key1=value2"
    try:
        raw = query(hx, server, params=pairs)
    except (TypeError, ValueError) as error:
        observe(f"{type(error).__name__}: {error}")
        return
    observe(raw)
    assert raw != "key1=value1&key1=value2", "httpx accepted params as a list of tuples"


@pytest.mark.claim("params.form-list-of-tuples-not-supported")
def test_form_list_of_tuples_not_supported(hx, requests_side, server, observe):
    pairs = [("key1", "value1"), ("key1", "value2")]
    with requests_side as side:
        r = side.lib.post(server.http + "/anything", data=pairs)
        side.observe(echo(r)["form"])
        assert echo(r)["headers"]["content-type"] == "application/x-www-form-urlencoded"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            r = send(hx, "POST", server.http + "/anything", data=pairs)
    except (TypeError, ValueError) as error:
        observe(f"{type(error).__name__}: {error}")
        return
    observe(echo(r)["headers"].get("content-type"))
    assert not echo(r)["form"], "httpx sent a list of tuples as a form"


@pytest.mark.claim("params.replace-url-query")
def test_replace_url_query(hx, requests_side, server, observe):
    url = server.http + "/anything?a=1"
    with requests_side as side:
        r = side.lib.get(url, params={"b": "2"})
        side.observe(echo(r)["raw_query"])
        assert echo(r)["raw_query"] == "a=1&b=2"
    r = fetch(hx, url, params={"b": "2"})
    observe(echo(r)["raw_query"])
    assert echo(r)["raw_query"] == "b=2"


@pytest.mark.claim("params.client-and-request-merged")
def test_client_and_request_merged(hx, server, observe):
    with hx.Client(params={"client_id": "client1"}) as client:
        r = client.get(server.http + "/anything", params={"request_id": "request1"})
    observe(str(r.request.url))
    assert r.request.url.query == b"client_id=client1&request_id=request1"
    assert echo(r)["raw_query"] == "client_id=client1&request_id=request1"


@pytest.mark.claim("urls.mental-model-example")
def test_mental_model_example(hx, server, observe):
    r = hx.get(server.http + "/get", params={"q": "test"})  # the example's top-level call
    seen = {"status": r.status_code, "is_success": r.is_success, "url": str(r.url),
            "content-type": r.headers["content-type"], "http_version": r.http_version,
            "args": r.json()["args"]}
    observe(seen)
    assert seen == {"status": 200, "is_success": True, "url": server.http + "/get?q=test",
                    "content-type": "application/json", "http_version": "HTTP/1.1",
                    "args": {"q": "test"}}
