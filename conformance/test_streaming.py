"""Streaming responses: status before body, iter_* and aiter_*, raw bytes, download size."""

from __future__ import annotations

import pytest

from conformance.helpers import run, with_query
from server.payloads import pattern_chunks

SIZE = 100_000


def pattern(n: int) -> bytes:
    return b"".join(pattern_chunks(n, 0, 65536))


@pytest.mark.claim("streaming.status-before-body")
def test_status_before_body(hx, server, observe):
    # The server sends its headers, then holds the body until the client leaves, or for
    # 3 s: a client that waits for the body gets it then, and shows 1 byte downloaded.
    with hx.Client() as client, client.stream(
            "GET", server.http + "/hang?after_headers=1&seconds=3") as r:
        seen = {"status": r.status_code, "content-length": r.headers.get("content-length"),
                "bytes downloaded": r.num_bytes_downloaded}
    observe(seen)
    assert seen == {"status": 200, "content-length": "1", "bytes downloaded": 0}


@pytest.mark.claim("streaming.body-not-read-until-iterated")
def test_body_not_read_until_iterated(hx, server, observe):
    with hx.Client() as client, client.stream(
            "GET", f"{server.http}/bytes/{SIZE}") as r:
        before = (r.is_stream_consumed, r.num_bytes_downloaded)
        total = sum(len(chunk) for chunk in r.iter_bytes())
        after = (r.is_stream_consumed, r.num_bytes_downloaded)
    observe({"before": before, "after": after})
    assert before[0] is False and before[1] < SIZE
    assert after == (True, SIZE) and total == SIZE


@pytest.mark.claim("streaming.iter-bytes-chunk-size")
def test_iter_bytes_chunk_size(hx, server, observe):
    with hx.Client() as client, client.stream(
            "GET", f"{server.http}/stream-bytes/{SIZE}?chunk_size=5000") as r:
        r.raise_for_status()
        chunks = list(r.iter_bytes(chunk_size=8192))
    sizes = sorted({len(c) for c in chunks[:-1]})
    observe({"chunks": len(chunks), "sizes except last": sizes, "last": len(chunks[-1])})
    assert sizes == [8192]
    assert len(chunks[-1]) == SIZE % 8192
    assert b"".join(chunks) == pattern(SIZE)


@pytest.mark.claim("streaming.download-to-disk")
def test_download_to_disk(hx, server, tmp_path, observe):
    path = tmp_path / "download.bin"
    with hx.Client() as client, client.stream(
            "GET", f"{server.http}/bytes/{SIZE}") as r:
        r.raise_for_status()
        with path.open("wb") as f:
            for chunk in r.iter_bytes(chunk_size=8192):
                f.write(chunk)
    observe(path.stat().st_size)
    assert path.read_bytes() == pattern(SIZE)


@pytest.mark.claim("streaming.iter-text")
def test_iter_text(hx, server, observe):
    text = "héllo wörld " * 50
    url = with_query(f"{server.http}/encoding/utf-8", {"text": text})
    with hx.Client() as client, client.stream("GET", url) as r:
        pieces = list(r.iter_text())
    observe({"pieces": len(pieces), "types": sorted({type(p).__name__ for p in pieces})})
    assert "".join(pieces) == text


@pytest.mark.claim("streaming.iter-lines")
def test_iter_lines(hx, server, observe):
    with hx.Client() as client, client.stream(
            "GET", server.http + "/stream/5") as r:
        lines = [line for line in r.iter_lines() if line]
    observe(len(lines))
    assert len(lines) == 5
    assert all(line.startswith('{"id": ') for line in lines)


@pytest.mark.claim("streaming.universal-line-endings")
def test_universal_line_endings(hx, server, observe):
    url = with_query(f"{server.http}/encoding/utf-8", {"text": "a\r\nb\rc\nd"})
    with hx.Client() as client, client.stream("GET", url) as r:
        lines = list(r.iter_lines())
    observe(lines)
    assert lines == ["a", "b", "c", "d"]


@pytest.mark.claim("streaming.iter-raw-undecoded")
def test_iter_raw_undecoded(hx, server, observe):
    with hx.Client() as client:
        with client.stream("GET", server.http + "/gzip") as r:
            raw = b"".join(r.iter_raw())
        with client.stream("GET", server.http + "/gzip") as r:
            decoded = b"".join(r.iter_bytes())
    observe({"raw starts": raw[:2].hex(), "decoded starts": decoded[:1].decode()})
    assert raw[:2] == b"\x1f\x8b"
    assert decoded.startswith(b"{")


@pytest.mark.claim("streaming.conditional-read")
def test_conditional_read(hx, server, observe):
    with hx.Client() as client, client.stream("GET", server.http + "/json") as r:
        small = int(r.headers["Content-Length"]) < 100_000
        if small:
            r.read()
            text = r.text
    observe({"read": small, "text length": len(text)})
    assert text.startswith("{")


@pytest.mark.claim("streaming.num-bytes-downloaded")
def test_num_bytes_downloaded(hx, server, observe):
    with hx.Client() as client, client.stream(
            "GET", server.http + "/gzip") as r:
        decoded = sum(len(chunk) for chunk in r.iter_bytes())
        raw = r.num_bytes_downloaded
    # The compressed size of the echo varies with the server's port digits: observed is
    # the relation the claim states, not the count (which differed between identical runs).
    observe({"num_bytes_downloaded below decoded bytes": 0 < raw < decoded,
             "decoded bytes": decoded})
    assert 0 < raw < decoded


@pytest.mark.claim("streaming.stream-method-not-stream-kwarg")
def test_stream_method_not_stream_kwarg(hx, requests_side, server, observe):
    url = f"{server.http}/bytes/1000"
    with requests_side as side:
        r = side.lib.get(url, stream=True)
        size = side.observe(len(b"".join(r.iter_content(100))))
        assert size == 1000
    with pytest.raises(TypeError) as error:
        hx.get(url, stream=True)
    with hx.stream("GET", url) as r:
        names = [n for n in ("iter_bytes", "iter_text", "iter_lines", "iter_raw", "read")
                 if callable(getattr(r, n, None))]
        assert sum(len(c) for c in r.iter_bytes()) == 1000
    observe({"stream=True": f"TypeError: {error.value}", "methods": names})
    assert names == ["iter_bytes", "iter_text", "iter_lines", "iter_raw", "read"]


@pytest.mark.claim("streaming.aiter-bytes")
def test_aiter_bytes(hx, server, observe):
    async def download():
        async with hx.AsyncClient() as client, client.stream(
                "GET", f"{server.http}/bytes/{SIZE}") as r:
            r.raise_for_status()
            total = 0
            async for chunk in r.aiter_bytes():
                total += len(chunk)
            return total

    total = run(download())
    observe(total)
    assert total == SIZE


@pytest.mark.claim("streaming.async-methods")
@pytest.mark.parametrize("method", ["aiter_bytes", "aiter_text", "aiter_lines", "aiter_raw",
                                    "aread"])
def test_async_methods(hx, server, method, observe):
    async def consume():
        async with hx.AsyncClient() as client, client.stream(
                "GET", server.http + "/stream/3") as r:
            if method == "aread":
                return len(await r.aread())
            parts = [part async for part in getattr(r, method)()]
            return len("".join(parts) if method in ("aiter_text", "aiter_lines")
                       else b"".join(parts))

    size = run(consume())
    observe(size)
    assert size > 0


@pytest.mark.claim("streaming.async-manual-mode")
def test_async_manual_mode(hx, server, observe):
    async def manual():
        client = hx.AsyncClient()
        try:
            r = await client.send(client.build_request("GET", server.http + "/stream/2"),
                                  stream=True)
            text = "".join([t async for t in r.aiter_text()])
            await r.aclose()
            return text, r.is_closed
        finally:
            await client.aclose()

    text, closed = run(manual())
    observe({"lines": text.count("\n"), "closed": closed})
    assert text.count("\n") == 2 and closed
