"""Event hooks: when they run, what they see, and whether they may change things."""

from __future__ import annotations

import pytest

from conformance.helpers import echo, run


@pytest.mark.claim("hooks.request-and-response")
def test_request_and_response(hx, server, observe):
    calls = []

    def log_request(request):
        calls.append(("request", request.method, request.url.path))

    def log_response(response):
        calls.append(("response", response.request.method, response.status_code))

    hooks = {"request": [log_request], "response": [log_response]}
    with hx.Client(event_hooks=hooks) as client:
        client.get(server.http + "/get")
    observe(calls)
    assert calls == [("request", "GET", "/get"), ("response", "GET", 200)]


@pytest.mark.claim("hooks.raise-on-4xx-5xx")
def test_raise_on_4xx_5xx(hx, server, observe):
    def raise_on_4xx_5xx(response):
        response.raise_for_status()

    with hx.Client(event_hooks={"response": [raise_on_4xx_5xx]}) as client:
        ok = client.get(server.http + "/get").status_code
        with pytest.raises(hx.HTTPStatusError) as error:
            client.get(server.http + "/status/404")
    observe({"200": ok, "404": type(error.value).__name__})


@pytest.mark.claim("hooks.body-not-read-in-hook")
def test_body_not_read_in_hook(hx, server, observe):
    seen = {}

    def inspect_body(response):
        try:
            seen["content before read"] = f"available ({len(response.content)} bytes)"
        except hx.ResponseNotRead:
            seen["content before read"] = "ResponseNotRead"
        seen["after read()"] = len(response.read())

    with hx.Client(event_hooks={"response": [inspect_body]}) as client:
        r = client.get(server.http + "/json")
    observe(seen)
    assert seen["content before read"] == "ResponseNotRead"
    assert seen["after read()"] == len(r.content) > 0


@pytest.mark.claim("hooks.may-modify-request")
def test_may_modify_request(hx, server, observe):
    def add_timestamp(request):
        request.headers["x-request-timestamp"] = "2024-01-01T00:00:00+00:00"

    with hx.Client(event_hooks={"request": [add_timestamp]}) as client:
        r = client.get(server.http + "/anything")
    observe(echo(r)["headers"].get("x-request-timestamp"))
    assert echo(r)["headers"]["x-request-timestamp"] == "2024-01-01T00:00:00+00:00"


@pytest.mark.claim("hooks.cannot-mutate")
def test_cannot_mutate(hx, requests_side, server, observe):
    with requests_side as side:
        def replace_status(response, *args, **kwargs):
            response.status_code = 299
            return response

        r = side.lib.get(server.http + "/get", hooks={"response": replace_status})
        side.observe(r.status_code)
        assert r.status_code == 299

    def add_header(request):
        request.headers["x-mutated"] = "yes"

    with hx.Client(event_hooks={"request": [add_header]}) as client:
        r = client.get(server.http + "/anything")
    mutated = echo(r)["headers"].get("x-mutated")
    observe({"header added by the hook reached the server": mutated == "yes"})
    assert mutated is None, "the request hook changed the request that was sent"


@pytest.mark.claim("hooks.several-in-order")
def test_several_in_order(hx, server, observe):
    order = []
    hooks = {"response": [lambda r: order.append("first"), lambda r: order.append("second")]}
    with hx.Client(event_hooks=hooks) as client:
        client.get(server.http + "/get")
    observe(order)
    assert order == ["first", "second"]


@pytest.mark.claim("hooks.property-editable")
def test_property_editable(hx, server, observe):
    seen = []
    with hx.Client() as client:
        client.event_hooks["request"] = [lambda request: seen.append("request")]
        client.event_hooks["response"] = [lambda response: seen.append("response")]
        client.get(server.http + "/get")
        installed = {k: len(v) for k, v in client.event_hooks.items()}
    observe({"calls": seen, "installed": installed})
    assert seen == ["request", "response"]


@pytest.mark.claim("hooks.async-hooks-must-be-async")
def test_async_hooks_must_be_async(hx, server, observe):
    async def main():
        seen = []

        async def async_hook(response):
            seen.append(response.status_code)

        async with hx.AsyncClient(event_hooks={"response": [async_hook]}) as client:
            await client.get(server.http + "/get")

        def plain_hook(response):
            seen.append("plain")

        async with hx.AsyncClient(event_hooks={"response": [plain_hook]}) as client:
            try:
                await client.get(server.http + "/get")
            except TypeError as error:
                return seen, f"TypeError: {error}"
        return seen, "no error"

    seen, plain = run(main())
    observe({"async hook saw": seen, "plain hook": plain})
    assert seen[0] == 200
    assert plain.startswith("TypeError")
