"""Request bodies: json=, data=, content=, files=, and how each lands on the wire."""

from __future__ import annotations

import io
import warnings

import pytest

from conformance.helpers import echo, multipart_parts, send, sent_body


def post(hx, server, **kwargs):
    return send(hx, "POST", server.http + "/anything", **kwargs)


def deprecations(call):
    """Run ``call``; return (its result, the DeprecationWarning messages it emitted)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]


@pytest.mark.claim("bodies.json-content-type")
def test_json_content_type(hx, server, observe):
    r = post(hx, server, json={"id": 1, "name": "ada"})
    doc = echo(r)
    observe({"content-type": doc["headers"].get("content-type"), "json": doc["json"]})
    assert doc["headers"]["content-type"] == "application/json"
    assert doc["json"] == {"id": 1, "name": "ada"}


@pytest.mark.claim("bodies.json-nested")
def test_json_nested(hx, server, observe):
    data = {"integer": 123, "boolean": True, "list": ["a", "b", "c"]}
    doc = echo(post(hx, server, json=data))
    observe(doc["json"])
    assert doc["json"] == data


@pytest.mark.claim("bodies.json-compact-bytes")
def test_json_compact_bytes(hx, requests_side, server, observe):
    data = {"id": 1, "name": "adé"}
    with requests_side as side:
        r = side.lib.post(server.http + "/anything", json=data)
        side.observe(repr(sent_body(r)))  # the bytes on the wire, unambiguous
        assert sent_body(r) == b'{"id": 1, "name": "ad\\u00e9"}'
    body = sent_body(post(hx, server, json=data))
    observe(repr(body))
    assert body == '{"id":1,"name":"adé"}'.encode()


@pytest.mark.claim("bodies.data-form")
def test_data_form(hx, server, observe):
    doc = echo(post(hx, server, data={"key1": "value1", "key2": "value2"}))
    observe({"content-type": doc["headers"].get("content-type"), "form": doc["form"]})
    assert doc["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert doc["form"] == {"key1": "value1", "key2": "value2"}


@pytest.mark.claim("bodies.data-form-multiple-values")
def test_data_form_multiple_values(hx, server, observe):
    r = post(hx, server, data={"key1": ["value1", "value2"]})
    body = sent_body(r)
    observe(body.decode())
    assert body == b"key1=value1&key1=value2"


@pytest.mark.claim("bodies.data-bytes-deprecated")
def test_data_bytes_deprecated(hx, requests_side, server, observe):
    with requests_side as side:
        r, warned = deprecations(lambda: side.lib.post(server.http + "/anything", data=b"raw"))
        side.observe({"body": sent_body(r).decode(), "warnings": warned})
        assert sent_body(r) == b"raw" and warned == []
    r, warned = deprecations(lambda: post(hx, server, data=b"raw"))
    observe({"body": sent_body(r).decode(), "warnings": warned})
    assert sent_body(r) == b"raw", "data=<bytes> still works"
    assert any("content=" in message for message in warned), "a DeprecationWarning is due"


@pytest.mark.claim("bodies.data-text-deprecated")
def test_data_text_deprecated(hx, server, observe):
    r, warned = deprecations(lambda: post(hx, server, data="raw text"))
    observe({"body": sent_body(r).decode(), "warnings": warned})
    assert sent_body(r) == b"raw text"
    assert warned, "data=<str> should raise a DeprecationWarning"


@pytest.mark.claim("bodies.content-bytes")
def test_content_bytes(hx, requests_side, server, observe):
    with requests_side as side:
        r = side.lib.post(server.http + "/anything", data=b"raw bytes")
        side.observe(sent_body(r).decode())
        assert sent_body(r) == b"raw bytes"
    r, warned = deprecations(lambda: post(hx, server, content=b"raw bytes"))
    doc = echo(r)
    observe({"body": sent_body(r).decode(), "content-type": doc["headers"].get("content-type"),
             "warnings": warned})
    assert sent_body(r) == b"raw bytes"
    assert warned == []
    assert "content-type" not in doc["headers"]


@pytest.mark.claim("bodies.content-generator")
def test_content_generator(hx, server, observe):
    def chunks():
        yield b"Hello, "
        yield b"world"

    doc = echo(post(hx, server, content=chunks()))
    observe({"transfer-encoding": doc["headers"].get("transfer-encoding"),
             "body_length": doc["body_length"]})
    assert doc["headers"].get("transfer-encoding") == "chunked"
    assert doc["body_length"] == len(b"Hello, world")


@pytest.mark.claim("bodies.text-utf8")
def test_text_utf8(hx, requests_side, server, observe):
    with requests_side as side:
        r = side.lib.post(server.http + "/anything", data="café")
        side.observe(sent_body(r).hex())
        assert sent_body(r) == "café".encode("latin-1")
    r = post(hx, server, content="café")
    observe(sent_body(r).hex())
    assert sent_body(r) == "café".encode()


@pytest.mark.claim("bodies.files-multipart")
def test_files_multipart(hx, server, observe):
    upload = io.BytesIO(b"\x89PNG fake image")
    upload.name = "a.png"
    doc = echo(post(hx, server, files={"file": upload}))
    content_type = doc["headers"]["content-type"]
    parts = multipart_parts(sent_body_from(doc), content_type)
    observe({"content-type": content_type.split(";")[0],
             "parts": [{k: v for k, v in p.items() if k != "payload"} for p in parts]})
    assert content_type.startswith("multipart/form-data; boundary=")
    assert [(p["name"], p["filename"], p["payload"]) for p in parts] == [
        ("file", "a.png", b"\x89PNG fake image")]


def sent_body_from(doc):
    import base64

    return base64.b64decode(doc["body_base64"])


@pytest.mark.claim("bodies.files-tuple-name-and-type")
def test_files_tuple_name_and_type(hx, server, observe):
    files = {"upload-file": ("report.xls", io.BytesIO(b"xls"), "application/vnd.ms-excel")}
    doc = echo(post(hx, server, files=files))
    (part,) = multipart_parts(sent_body_from(doc), doc["headers"]["content-type"])
    observe({k: v for k, v in part.items() if k != "payload"})
    assert (part["name"], part["filename"], part["content_type"]) == (
        "upload-file", "report.xls", "application/vnd.ms-excel")


@pytest.mark.claim("bodies.files-with-data")
def test_files_with_data(hx, server, observe):
    doc = echo(post(hx, server, data={"message": "Hello, world!"},
                    files={"file": ("report.xls", io.BytesIO(b"xls"))}))
    parts = multipart_parts(sent_body_from(doc), doc["headers"]["content-type"])
    observe([(p["name"], p["filename"]) for p in parts])
    by_name = {p["name"]: p for p in parts}
    assert by_name["message"]["payload"] == b"Hello, world!"
    assert by_name["message"]["filename"] is None
    assert by_name["file"]["filename"] == "report.xls"


@pytest.mark.claim("bodies.files-text-mode-rejected")
def test_files_text_mode_rejected(hx, requests_side, server, tmp_path, observe):
    path = tmp_path / "notes.txt"
    path.write_text("plain text\n")
    with requests_side as side, path.open("r") as text_file:
        r = side.lib.post(server.http + "/anything", files={"f": text_file})
        side.observe(r.status_code)
        assert r.status_code == 200
    with path.open("r") as text_file, pytest.raises(TypeError) as error:
        post(hx, server, files={"f": text_file})
    observe(f"TypeError: {error.value}")


@pytest.mark.claim("bodies.files-string-utf8")
def test_files_string_utf8(hx, server, observe):
    doc = echo(post(hx, server, files={"f": ("a.txt", "héllo", "text/plain")}))
    (part,) = multipart_parts(sent_body_from(doc), doc["headers"]["content-type"])
    observe(part["payload"].hex())
    assert part["payload"] == "héllo".encode()


@pytest.mark.claim("bodies.files-mime-guessed")
def test_files_mime_guessed(hx, server, observe):
    files = [("a", ("photo.png", io.BytesIO(b"p"))), ("b", ("blob.unknownext", io.BytesIO(b"u")))]
    doc = echo(post(hx, server, files=files))
    parts = multipart_parts(sent_body_from(doc), doc["headers"]["content-type"])
    types = {p["name"]: p["content_type"] for p in parts}
    observe(types)
    assert types == {"a": "image/png", "b": "application/octet-stream"}


@pytest.mark.claim("bodies.files-none-filename")
def test_files_none_filename(hx, server, observe):
    doc = echo(post(hx, server, files={"upload-file": (None, "text content")}))
    (part,) = multipart_parts(sent_body_from(doc), doc["headers"]["content-type"])
    observe({k: v for k, v in part.items() if k != "payload"})
    assert part["filename"] is None
    assert part["content_type"] is None
    assert part["payload"] == b"text content"


@pytest.mark.claim("bodies.files-list-same-field")
def test_files_list_same_field(hx, server, observe):
    files = [("images", ("foo.png", io.BytesIO(b"foo"), "image/png")),
             ("images", ("bar.png", io.BytesIO(b"bar"), "image/png"))]
    doc = echo(post(hx, server, files=files))
    parts = multipart_parts(sent_body_from(doc), doc["headers"]["content-type"])
    observe([(p["name"], p["filename"]) for p in parts])
    assert [(p["name"], p["filename"], p["payload"]) for p in parts] == [
        ("images", "foo.png", b"foo"), ("images", "bar.png", b"bar")]


@pytest.mark.claim("bodies.no-body-on-get-delete-head-options")
@pytest.mark.parametrize("method", ["get", "delete", "head", "options"])
def test_no_body_on_bodyless_methods(hx, requests_side, server, method, observe):
    url = server.http + "/anything"
    with requests_side as side:
        r = getattr(side.lib, method)(url, data=b"body")
        side.observe(r.status_code)
        assert r.status_code == 200
    with pytest.raises(TypeError) as error:
        getattr(hx, method)(url, content=b"body")
    observe(f"TypeError: {error.value}")


@pytest.mark.claim("bodies.request-allows-body-on-delete")
def test_request_allows_body_on_delete(hx, server, observe):
    r = hx.request(method="DELETE", url=server.http + "/anything",
                   content=b"A request body on a DELETE request.")
    doc = echo(r)
    observe({"method": doc["method"], "body": sent_body(r).decode()})
    assert doc["method"] == "DELETE"
    assert sent_body(r) == b"A request body on a DELETE request."
