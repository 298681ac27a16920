"""Run by tests/test_yourcode_recorder.py, with and without the recorder: every test here
passes in both runs (what the test sees is unchanged) and sends requests with known bytes.
$YC_SERVER is the harness's loopback server; every other host is mocked."""

import base64
import os
import socket

import httpx
import pytest
import respx

SERVER = os.environ["YC_SERVER"]


def sent_body(response):
    return base64.b64decode(response.json()["body_base64"])


def parts():
    yield b"part-one,"
    yield b"part-two"


def test_sync_json_and_params():
    with httpx.Client(base_url=SERVER, params={"a": "1"}) as client:
        response = client.post("/anything/p%20q", params={"b": "x y"}, json={"k": "v"},
                               headers={"X-One": "1"})
    assert response.status_code == 200


def test_sync_streamed_body_reaches_the_server():
    with httpx.Client() as client:
        response = client.post(SERVER + "/anything", content=parts())
    assert sent_body(response) == b"part-one,part-two"
    assert not isinstance(response.request.stream, httpx.ByteStream)


def test_redirect_is_two_requests():
    with httpx.Client(follow_redirects=True) as client:
        response = client.get(SERVER + "/redirect-to", params={"url": "/get?after=1"})
    assert response.json()["args"] == {"after": "1"}


def test_connection_refused_raises():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(httpx.ConnectError), httpx.Client() as client:
        client.get(f"http://127.0.0.1:{port}/nothing")


@pytest.mark.anyio
async def test_async_streamed_body_reaches_the_server():
    async def async_parts():
        yield b"async-one,"
        yield b"async-two"

    async with httpx.AsyncClient() as client:
        response = await client.put(SERVER + "/anything", content=async_parts())
    assert sent_body(response) == b"async-one,async-two"


class CountingTransport(httpx.BaseTransport):
    def __init__(self):
        self.inner = httpx.HTTPTransport()
        self.calls = 0

    def handle_request(self, request):
        self.calls += 1
        return self.inner.handle_request(request)

    def close(self):
        self.inner.close()


def test_mounted_transport():
    mounted = CountingTransport()
    with httpx.Client(mounts={SERVER: mounted}) as client:
        response = client.patch(SERVER + "/anything", data={"f": "1"})
    assert mounted.calls == 1 and response.status_code == 200


def test_mock_transport_reads_a_stream():
    def handler(request):
        return httpx.Response(201, content=request.read())

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        response = client.post("https://mock.test/echo", content=parts())
    assert response.status_code == 201 and response.content == b"part-one,part-two"
    assert isinstance(response.request.stream, httpx.ByteStream)  # replaced by read()


def test_mock_transport_raises():
    def handler(request):
        raise httpx.ReadTimeout("scripted", request=request)

    with pytest.raises(httpx.ReadTimeout), \
            httpx.Client(transport=httpx.MockTransport(handler)) as client:
        client.get("https://mock.test/slow")


@respx.mock
def test_respx_default_mocker():
    route = respx.get("https://api.test/items", params={"q": "x"}).respond(json={"ok": 1})
    response = httpx.get("https://api.test/items", params={"q": "x"})
    assert route.called and response.json() == {"ok": 1}


@pytest.mark.anyio
async def test_respx_httpx_mocker_async():
    with respx.mock(using="httpx") as mock:
        mock.post("https://api.test/async").respond(204)
        async with httpx.AsyncClient() as client:
            response = await client.post("https://api.test/async", content=b"raw")
    assert response.status_code == 204


def test_pytest_httpx(httpx_mock):
    httpx_mock.add_response(url="https://api.test/form", method="POST", json={"ok": 2})
    with httpx.Client() as client:
        response = client.post("https://api.test/form", data={"a": "1", "b": "2"})
    assert response.json() == {"ok": 2}
