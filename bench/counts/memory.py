"""The memory pass of the counted child: Python heap figures that do not follow the load.

Run in a child of its own with no tracer (tracemalloc would distort callgrind's counts and
ptrace its timing). tracemalloc's peak counts the bytes Python objects hold, which depends
on what the code keeps, not on the machine's speed: over TLS every read returns at most
one record, so a body arrives in the same pieces however busy the cores are (A/A spreads:
docs/bench.md, "Memory").

* **Streamed and buffered bodies** (``stream`` and ``read`` kinds), for each variant (sync
  and async, HTTP/1.1 and HTTP/2, all over TLS on the ``https`` listener, ALPN deciding):
  the heap peak while one body is downloaded, for each of ``BODIES``, so how the peak grows
  with the body is a measured slope (bytes of peak per byte of body). The process's RSS
  high-water mark over all of them is information only: malloc keeps what a first large
  body took, so it says more about the allocator than about the client.
* **Clients** (``client``): ``CLIENTS`` default ``Client()`` objects held at once (an SSL
  context each, certifi's store loaded into it): Python heap and RSS per client. Most of a
  client is OpenSSL's certificate store, outside Python's heap: RSS shows it, as
  information only.

The garbage collector is off while a figure is taken (as in the counted regions): a
collection landing in one run and not another would move the peak.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from bench.memory_probe import _current_rss, _peak_rss, _reset_peak_rss

MiB = 1024 * 1024
BODIES = (1 * MiB, 8 * MiB)  # two sizes: the peak's growth between them is the slope
WARMUP_BODY = 64 * 1024  # one small download first: one-time allocations stay out
CLIENTS = 4
VARIANTS = ("h1 sync", "h1 async", "h2 sync", "h2 async")
KINDS = ("stream", "read", "client")


@contextlib.contextmanager
def _traced() -> Iterator[Callable[[], tuple[int, int]]]:
    """GC off and tracemalloc on for the block; yields a reader of (current, peak) bytes."""
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        yield tracemalloc.get_traced_memory
    finally:
        tracemalloc.stop()
        gc.enable()


def _checked_peak(got: int, size: int, peak: int) -> int:
    if got != size:
        raise RuntimeError(f"downloaded {got} bytes, not {size}")
    return peak


def _sync_peak(download: Callable[[int], int], size: int) -> int:
    """Heap peak (bytes) of one download; checks the body's size."""
    with _traced() as memory:
        got = download(size)
        peak = memory()[1]
    return _checked_peak(got, size, peak)


async def _async_peak(download: Callable[[int], Awaitable[int]], size: int) -> int:
    with _traced() as memory:
        got = await download(size)
        peak = memory()[1]
    return _checked_peak(got, size, peak)


def _check(response: Any, http_version: str) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"{response.url} answered {response.status_code}")
    if response.http_version != http_version:
        raise RuntimeError(f"negotiated {response.http_version}, not {http_version}")


def peaks(httpx: Any, url: str, context: Any, kind: str, variant: str) -> list[int]:
    """Heap peak per body in ``BODIES``, one variant."""
    protocol, api = variant.split()
    version = "HTTP/2" if protocol == "h2" else "HTTP/1.1"
    if api == "sync":
        with httpx.Client(verify=context, http2=protocol == "h2") as client:
            def download(size: int) -> int:
                with client.stream("GET", f"{url}/bytes/{size}") as response:
                    _check(response, version)
                    if kind == "read":
                        return len(response.read())
                    return sum(len(chunk) for chunk in response.iter_bytes())

            _check(client.get(url + "/get"), version)
            download(WARMUP_BODY)
            return [_sync_peak(download, size) for size in BODIES]

    async def main() -> list[int]:
        async with httpx.AsyncClient(verify=context, http2=protocol == "h2") as client:
            async def download(size: int) -> int:
                async with client.stream("GET", f"{url}/bytes/{size}") as response:
                    _check(response, version)
                    if kind == "read":
                        return len(await response.aread())
                    total = 0
                    async for chunk in response.aiter_bytes():
                        total += len(chunk)
                    return total

            _check(await client.get(url + "/get"), version)
            await download(WARMUP_BODY)
            return [await _async_peak(download, size) for size in BODIES]

    return asyncio.run(main())


def clients(httpx: Any) -> dict[str, Any]:
    """Python heap and RSS per default ``Client()`` (certifi loaded), ``CLIENTS`` held."""
    httpx.Client().close()  # imports and one-time caches outside the figures

    def build() -> list[Any]:
        return [httpx.Client() for _ in range(CLIENTS)]

    gc.collect()
    before = _current_rss()
    held = build()
    rss = (_current_rss() - before) / CLIENTS
    for client in held:
        client.close()
    del held
    with _traced() as memory:
        held = build()
        heap = memory()[0]
    for client in held:
        client.close()
    return {"heap": heap / CLIENTS, "rss": rss}


def measure(kind: str, httpx: Any, urls: dict[str, str], context: Any) -> dict[str, Any]:
    """What one scenario's memory kind measures (see the module doc)."""
    if kind == "client":
        return clients(httpx)
    if kind not in KINDS:
        raise ValueError(f"unknown memory kind {kind!r}")
    reset = _reset_peak_rss()
    found = {variant: peaks(httpx, urls["https"], context, kind, variant)
             for variant in VARIANTS}
    return {"bodies": list(BODIES), "peaks": found,
            "peak_rss": _peak_rss() if reset else None}
