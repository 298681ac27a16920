"""Response content: text decoding and encodings, bytes, JSON, compression, elapsed."""

from __future__ import annotations

import datetime as dt
import importlib.util

import pytest

from conformance.helpers import fetch, with_query
from server.payloads import SAMPLE_JSON, pattern_chunks

LATIN1_TEXT = "Ça coûte très cher à Zürich, déjà été à Noël, façade élève où"  # > 32 bytes


def get(hx, server, path: str, params: dict[str, str] | None = None):
    # The query is part of the input, not the claim: it goes into the URL (a target whose
    # params= misbehaves must not break a claim about text decoding).
    url = server.http + path
    return fetch(hx, with_query(url, params) if params else url)


@pytest.mark.claim("responses.text-decoded")
def test_text_decoded(hx, server, observe):
    r = get(hx, server, "/html")
    observe(r.text[:40])
    assert isinstance(r.text, str) and "<html" in r.text.lower()


@pytest.mark.claim("responses.encoding-declared")
def test_encoding_declared(hx, server, observe):
    r = get(hx, server, "/encoding/utf-8", params={"text": "héllo"})
    observe(r.encoding)
    assert r.encoding.lower() == "utf-8"
    assert r.text == "héllo"


@pytest.mark.claim("responses.encoding-none-when-undeclared")
def test_encoding_none_when_undeclared(hx, server, observe):
    r = get(hx, server, "/encoding/utf-8", params={"text": "plain", "declare": "0"})
    observe(r.encoding)
    assert r.headers["content-type"] == "text/plain"
    assert r.encoding is None


@pytest.mark.claim("responses.encoding-guessed")
def test_encoding_guessed(hx, server, observe):
    r = get(hx, server, "/encoding/latin-1", params={"text": LATIN1_TEXT, "declare": "0"})
    observe({"encoding": r.encoding, "text": r.text[:30]})
    assert len(r.content) >= 32
    assert r.text == LATIN1_TEXT


@pytest.mark.claim("responses.short-undeclared-utf8-replace")
def test_short_undeclared_utf8_replace(hx, server, observe):
    r = get(hx, server, "/encoding/latin-1", params={"text": "café", "declare": "0"})
    observe(r.text)
    assert len(r.content) < 32
    assert r.text == "caf\ufffd"


@pytest.mark.claim("responses.encoding-override")
def test_encoding_override(hx, server, observe):
    r = get(hx, server, "/encoding/latin-1", params={"text": "café", "declare": "0"})
    r.encoding = "ISO-8859-1"
    observe(r.text)
    assert r.text == "café"


@pytest.mark.claim("responses.content-bytes")
def test_content_bytes(hx, server, observe):
    r = get(hx, server, "/bytes/1000?seed=7")
    observe({"type": type(r.content).__name__, "length": len(r.content)})
    assert r.content == b"".join(pattern_chunks(1000, 7, 65536))


@pytest.mark.claim("responses.gzip-deflate-decoded")
@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_gzip_deflate_decoded(hx, server, encoding, observe):
    r = get(hx, server, f"/{encoding}")
    observe({"content-encoding": r.headers.get("content-encoding"),
             "decoded": r.json().get(encoding)})
    assert r.headers["content-encoding"] == encoding
    assert r.json()[encoding] is True


@pytest.mark.claim("responses.brotli-decoded")
def test_brotli_decoded(hx, server, observe):
    installed = any(importlib.util.find_spec(n) for n in ("brotli", "brotlicffi"))
    r = get(hx, server, "/brotli")
    observe({"brotli importable": installed, "status": r.status_code})
    assert installed, "the harness installs brotli; without it the claim cannot be checked"
    assert r.json()["br"] is True


@pytest.mark.claim("responses.json")
def test_json(hx, server, observe):
    r = get(hx, server, "/json")
    observe(type(r.json()).__name__)
    assert r.json() == SAMPLE_JSON


@pytest.mark.claim("responses.elapsed")
def test_elapsed(hx, server, observe):
    r = get(hx, server, "/delay/0.2")
    # What the claim says (a timedelta covering the delay), not the wall time, which the
    # load stretches: compared exactly between runs.
    observe({"type": type(r.elapsed).__name__,
             "at least the 0.2 s delay": r.elapsed >= dt.timedelta(seconds=0.2)})
    assert isinstance(r.elapsed, dt.timedelta)
    assert r.elapsed >= dt.timedelta(seconds=0.2)
