"""A shop's API client: the request-building code a team owns."""

import hashlib
import hmac
import secrets

import httpx

BASE = "https://shop.example.test"


def client(transport: httpx.BaseTransport) -> httpx.Client:
    return httpx.Client(base_url=BASE, params={"api_key": "k1"}, transport=transport)


def create_item(shop: httpx.Client, name: str, size: int, label: str) -> httpx.Response:
    return shop.post("/items", json={"name": name, "size": size, "label": label})


def search(shop: httpx.Client, term: str) -> httpx.Response:
    return shop.get("/search", params={"q": term})


def page(shop: httpx.Client, number: int) -> httpx.Response:
    return shop.get(f"/items?page={number}")


def login(shop: httpx.Client, user: str, password: str) -> httpx.Response:
    return shop.post("/login", data={"user": user, "password": password})


def ping(shop: httpx.Client, since: float) -> httpx.Response:
    """A request that differs on every run: a nonce in the path and a header, a time."""
    return shop.get(f"/ping/{secrets.token_hex(8)}", params={"since": since},
                    headers={"X-Request-Id": secrets.token_hex(8)})


def signature(body: bytes, secret: bytes = b"s3cret") -> str:
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


async def status(transport: httpx.AsyncBaseTransport) -> httpx.Response:
    async with httpx.AsyncClient(base_url=BASE, transport=transport) as shop:
        return await shop.get("/status", headers={"X-Probe": "1"})
