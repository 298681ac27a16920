import json
import time

import httpx
import pytest
import yc_shop

# What a signature recorded under httpx 0.27 looks like (a test fixture from production).
RECORDED_SIGNATURE = yc_shop.signature(b'{"name": "widget", "size": 3, "label": "caf\\u00e9"}')


def echo(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"query": str(request.url.query, "ascii"),
                                     "body": request.content.decode()})


@pytest.fixture
def shop():
    with yc_shop.client(httpx.MockTransport(echo)) as client:
        yield client


def test_create_item(shop):
    response = yc_shop.create_item(shop, "widget", 3, "café")
    assert json.loads(response.json()["body"]) == {"name": "widget", "size": 3, "label": "café"}


def test_create_item_signature_matches_the_recorded_one(shop):
    response = yc_shop.create_item(shop, "widget", 3, "café")
    assert yc_shop.signature(response.request.content) == RECORDED_SIGNATURE


def test_search(shop):
    assert "q=" in yc_shop.search(shop, "blue shoes").json()["query"]


def test_page(shop):
    assert yc_shop.page(shop, 2).status_code == 200


def test_login(shop):
    assert yc_shop.login(shop, "ann", "pw").status_code == 200


@pytest.mark.parametrize("since", [time.time()])  # the test's id differs on every run
def test_ping(shop, since):
    assert yc_shop.ping(shop, since).status_code == 200


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
async def test_status():
    async def handler(request):
        return httpx.Response(204)

    assert (await yc_shop.status(httpx.MockTransport(handler))).status_code == 204
