"""The echo and friends, field by field, against the responses httpbin documents
(httpbin.org's README and Swagger examples; its helpers.get_dict for the echo)."""

from __future__ import annotations

import base64

import httpx
import pytest

from server.process import ServerInfo

HTTPBIN_ECHO = {"args", "data", "files", "form", "headers", "json", "origin", "url"}
HARNESS_EXTRAS = {"method", "path", "raw_path", "raw_query", "args_list", "header_list",
                  "body_base64", "body_length", "http_version", "scheme", "client"}


@pytest.fixture
def client(server: ServerInfo) -> httpx.Client:
    with httpx.Client(base_url=server.http, timeout=10) as client:
        yield client


def test_get_has_httpbins_fields_and_the_harness_extras(client: httpx.Client,
                                                         server: ServerInfo) -> None:
    doc = client.get("/get?a=1&a=2&b=3", headers={"X-Api-Key": "k"}).json()
    assert set(doc) == HTTPBIN_ECHO | HARNESS_EXTRAS
    assert doc["args"] == {"a": ["1", "2"], "b": "3"}  # repeated names become a list
    assert doc["url"] == server.http + "/get?a=1&a=2&b=3"
    assert doc["origin"] == "127.0.0.1"  # an address, without the port
    assert (doc["data"], doc["form"], doc["files"], doc["json"]) == ("", {}, {}, None)


def test_headers_come_back_with_httpbins_capitalisation(client: httpx.Client) -> None:
    doc = client.get("/headers", headers=[("x-api-key", "k"), ("x-multi", "1"),
                                          ("X-MULTI", "2")]).json()
    headers = doc["headers"]
    assert headers["User-Agent"].startswith("python-httpx/")
    assert headers["Host"].startswith("127.0.0.1:")
    assert headers["Accept-Encoding"]
    assert headers["X-Api-Key"] == "k"
    assert headers["X-Multi"] == "1, 2"  # repeated names joined, as werkzeug shows them
    assert all(name == name.title() for name in headers)
    # the wire's own spelling and order stay in header_list
    assert ["x-multi", "1"] in doc["header_list"] and ["x-multi", "2"] in doc["header_list"]


def test_user_agent_and_headers_keys(client: httpx.Client) -> None:
    assert client.get("/user-agent", headers={"User-Agent": "ua/1"}).json() == {
        "user-agent": "ua/1"}


def test_post_json_fills_data_and_json(client: httpx.Client) -> None:
    doc = client.post("/post", json={"a": [1, 2]}).json()
    assert doc["json"] == {"a": [1, 2]}
    assert doc["data"] == '{"a":[1,2]}'
    assert (doc["form"], doc["files"]) == ({}, {})
    assert doc["headers"]["Content-Type"] == "application/json"


def test_json_is_parsed_whatever_the_content_type(client: httpx.Client) -> None:
    doc = client.post("/post", content=b'{"x": 1}',
                      headers={"content-type": "text/plain"}).json()
    assert doc["json"] == {"x": 1}  # httpbin parses any body as JSON


def test_post_urlencoded_fills_form_and_leaves_data_empty(client: httpx.Client) -> None:
    doc = client.post("/post", data={"k": ["1", "2"], "j": "x y"}).json()
    assert doc["form"] == {"k": ["1", "2"], "j": "x y"}
    assert (doc["data"], doc["json"], doc["files"]) == ("", None, {})


def test_post_multipart_splits_fields_and_files(client: httpx.Client) -> None:
    doc = client.post("/post", data={"field": "value"},
                      files={"upload": ("a.txt", b"file content", "text/plain"),
                             "blob": ("b.bin", b"\xff\x00\xfe", "application/x-thing")}
                      ).json()
    assert doc["form"] == {"field": "value"}
    assert doc["files"]["upload"] == "file content"
    # not UTF-8: a data URL with the part's type, as httpbin's json_safe makes it
    assert doc["files"]["blob"] == "data:application/x-thing;base64," + base64.b64encode(
        b"\xff\x00\xfe").decode()
    assert doc["data"] == ""
    assert doc["body_length"] > 0  # the raw body is still there for the harness


def test_binary_body_is_a_data_url(client: httpx.Client) -> None:
    doc = client.put("/put", content=b"\x80\x81").json()
    assert doc["data"] == "data:application/octet-stream;base64,gIE="


def test_anything_reports_the_method(client: httpx.Client) -> None:
    doc = client.request("PATCH", "/anything/x", content=b"hi").json()
    assert (doc["method"], doc["data"], doc["url"].endswith("/anything/x")) == (
        "PATCH", "hi", True)


def test_root_answers(client: httpx.Client) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")


def test_ip_uuid_and_base64(client: httpx.Client) -> None:
    assert client.get("/ip").json() == {"origin": "127.0.0.1"}
    assert len(client.get("/uuid").json()["uuid"]) == 36
    assert client.get("/base64/SFRUUEJJTiBpcyBhd2Vzb21l").text == "HTTPBIN is awesome"


def test_status_picks_from_several_codes(client: httpx.Client) -> None:
    seen = {client.get("/status/201,202").status_code for _ in range(30)}
    assert seen <= {201, 202} and seen
    assert client.get("/status/418:0,204:1").status_code == 204  # weight 0 is never picked


def test_response_headers_repeat_as_a_list(client: httpx.Client) -> None:
    r = client.get("/response-headers?freeform=a&freeform=b")
    assert r.json() == {"freeform": ["a", "b"]}
    assert r.headers.get_list("freeform") == ["a", "b"]


def test_range_etag_and_cache(client: httpx.Client) -> None:
    r = client.get("/range/10", headers={"Range": "bytes=2-4"})
    assert (r.status_code, r.content, r.headers["content-range"]) == (206, b"cde",
                                                                       "bytes 2-4/10")
    assert client.get("/range/10", headers={"Range": "bytes=20-"}).status_code == 416
    assert client.get("/etag/v1", headers={"If-None-Match": '"v1"'}).status_code == 304
    assert client.get("/etag/v1", headers={"If-Match": '"v2"'}).status_code == 412
    assert client.get("/cache", headers={"If-Modified-Since": "x"}).status_code == 304


def test_compressed_echoes_carry_httpbins_flags(client: httpx.Client) -> None:
    assert client.get("/gzip").json()["gzipped"] is True
    assert client.get("/deflate").json()["deflated"] is True
    assert client.get("/brotli").json()["brotli"] is True


def test_bearer_and_hidden_basic_auth(client: httpx.Client) -> None:
    assert client.get("/bearer", headers={"Authorization": "Bearer t0k"}).json() == {
        "authenticated": True, "token": "t0k"}
    assert client.get("/hidden-basic-auth/u/p").status_code == 404
    assert client.get("/hidden-basic-auth/u/p", auth=("u", "p")).status_code == 200


def test_digest_challenge_sets_httpbins_cookies(client: httpx.Client) -> None:
    r = client.get("/digest-auth/auth/u/p/MD5/3")
    assert r.status_code == 401
    assert r.cookies["stale_after"] == "3" and r.cookies["fake"] == "fake_value"
    assert r.headers["www-authenticate"].startswith("Digest ")


def test_digest_stale_after_makes_the_nonce_stale(server: ServerInfo) -> None:
    # stale_after=1: the first authenticated request succeeds and counts the cookie down
    # to 0; the next request, even with valid credentials, gets stale=TRUE.
    with httpx.Client(base_url=server.http, timeout=10) as client:
        auth = httpx.DigestAuth("u", "p")
        first = client.get("/digest-auth/auth/u/p/MD5/1", auth=auth)
        assert first.status_code == 200 and client.cookies["stale_after"] == "0"
        stale = client.get("/digest-auth/auth/u/p/MD5/1",
                           headers={"Authorization": first.request.headers["Authorization"]})
        assert stale.status_code == 401
        assert "stale=TRUE" in stale.headers["www-authenticate"]


def test_digest_require_cookie(server: ServerInfo) -> None:
    with httpx.Client(base_url=server.http, timeout=10) as client:  # keeps cookies
        r = client.get("/digest-auth/auth/u/p?require-cookie=1", auth=httpx.DigestAuth("u", "p"))
        assert r.status_code == 200
    r = httpx.get(server.http + "/digest-auth/auth/u/p?require-cookie=1", timeout=10,
                  auth=httpx.DigestAuth("u", "p"), cookies=None)
    assert r.status_code == 200  # httpx's DigestAuth carries the 401's cookies itself
