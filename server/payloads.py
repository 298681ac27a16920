"""Deterministic bodies the endpoints serve, shared with the tests that check them."""

from __future__ import annotations

import random
from collections.abc import Iterator

_BLOCK = 64 * 1024


def pattern_block(seed: int) -> bytes:
    """64 KiB of pseudo-random bytes fixed by ``seed``; long bodies repeat it."""
    return random.Random(seed).randbytes(_BLOCK)


def pattern_bytes(n: int, seed: int = 0) -> bytes:
    """The exact body /bytes/{n}?seed= serves (for tests; the server never builds it whole)."""
    return b"".join(pattern_chunks(n, seed, _BLOCK))


def pattern_chunks(n: int, seed: int, chunk_size: int) -> Iterator[bytes]:
    """Yield ``n`` bytes of the seed's pattern in pieces of at most ``chunk_size``."""
    block = pattern_block(seed)
    # A buffer of whole blocks at least chunk_size long lets every chunk be one slice.
    repeat = max(1, -(-chunk_size // _BLOCK) + 1)
    buffer = memoryview(block * repeat)
    offset = 0
    while offset < n:
        size = min(chunk_size, n - offset)
        start = offset % _BLOCK
        yield bytes(buffer[start : start + size])
        offset += size


SAMPLE_JSON = {
    "slideshow": {
        "author": "Yours Truly",
        "date": "date of publication",
        "slides": [
            {"title": "Wake up to WonderWidgets!", "type": "all"},
            {"items": ["Why WonderWidgets are great", "Who buys WonderWidgets"],
             "title": "Overview", "type": "all"},
        ],
        "title": "Sample Slide Show",
    }
}

SAMPLE_HTML = (
    "<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"><title>httpx-harness</title></head>\n"
    "<body><h1>Herman Melville - Moby-Dick</h1><p>Call me Ishmael. Grüße, 世界.</p></body>\n"
    "</html>\n"
)

DEFAULT_ENCODING_TEXT = "Grüße aus Köln: café, naïve, Ærø"
