"""Scenario 4: peak memory of streamed against buffered downloads as the body grows.

Each case (size x protocol x sync/async x stream/read) runs in a fresh subprocess
(bench.memory_probe). Both protocols go over TLS (``https_h1`` for HTTP/1.1, ``https`` with
http2=True for HTTP/2) so they differ in the protocol only. A stream should peak near one
chunk whatever the body size; ``.read()`` holds the body (measured: about twice over). A
"stream" whose peak grows with the body is flagged ``buffers: true``.

Memory figures are deterministic to within allocator noise, so each case runs once; the
headline's single sample says so (n=1) rather than pretending to a spread.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from bench.budget import budget
from bench.memory_probe import MemoryCase, ProbeError, probe
from bench.pinning import cores
from bench.ratios import headline
from bench.recording import record_durations
from bench.summary import headline_row
from bench.targets import require, require_http2, require_tls
from harness import schema
from server.process import ServerInfo

PROTOCOLS = {"h1": "https_h1", "h2": "https"}
# A stream's peak may rise this much above the smallest body's before it counts as buffering.
BUFFERING_GROWTH = 2.0

Key = tuple[str, str, int, str]  # protocol, api, size, mode


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "memory_case" in metafunc.fixturenames:
        sizes = budget(metafunc.config.getoption("--quick")).memory_sizes
        keys = [(protocol, api, size, mode) for protocol in PROTOCOLS
                for api in ("sync", "async") for size in sizes for mode in ("read", "stream")]
        metafunc.parametrize("memory_case", keys,
                             ids=[f"{p}-{a}-{s // 2**20}MiB-{m}" for p, a, s, m in keys])


@pytest.fixture(scope="module")
def probes(target: ModuleType, server: ServerInfo, shared_context: Any,
           plan: Any) -> Callable[[Key], dict]:
    require(target, "Client", "AsyncClient")
    measured: dict[Key, dict[str, Any]] = {}
    client_core = cores()[0]

    def result(key: Key) -> dict[str, Any]:
        if key not in measured:
            protocol, api, size, mode = key
            if protocol == "h2":
                require_http2(target)
            base = server.url(PROTOCOLS[protocol])
            require_tls(target, base + "/get", shared_context, http2=protocol == "h2")
            case = MemoryCase(url=f"{base}/bytes/{size}", ca=server.ca, mode=mode, api=api,
                              http2=protocol == "h2", chunk_size=plan.chunk_size,
                              target=schema.target_import(), cpu=client_core)
            try:
                measured[key] = probe(case)
            except ProbeError as error:
                pytest.fail(str(error))
        return measured[key]

    return result


@pytest.mark.timeout(600)
def test_streaming_memory(benchmark: Any, probes: Any, memory_case: Key, plan: Any,
                          engine: str, headlines: list, request: pytest.FixtureRequest) -> None:
    protocol, api, size, mode = memory_case
    seen = probes(memory_case)
    assert seen["body_bytes"] == size, f"read {seen['body_bytes']} of {size} bytes"
    benchmark.group = f"streaming-memory {protocol} {api} {size // 2**20} MiB"
    record_durations(benchmark, [seen["seconds"]])
    extra: dict[str, Any] = {
        "scenario": "streaming-memory", "engine": engine, "variant": f"{api} {mode}",
        "transport": "h2" if protocol == "h2" else "https", "api": api, "mode": mode,
        "timing": "seconds per download (tracemalloc off)", "body_bytes": size,
        "chunk_size": plan.chunk_size if mode == "stream" else None,
        "peak_rss_bytes": seen["peak_rss_bytes"], "rss_growth_bytes": seen["rss_growth_bytes"],
        "tracemalloc_peak_bytes": seen["tracemalloc_peak_bytes"],
        "throughput_mb_s": seen["throughput_mb_s"], "cv": None, "rounds": 1,
    }
    if mode == "stream":
        buffered = probes((protocol, api, size, "read"))
        extra["headline"] = headline(
            f"streamed/buffered peak memory ({protocol} {api}, {size // 2**20} MiB)",
            "stream (iter_bytes)", "read()", [seen["tracemalloc_peak_bytes"]],
            [buffered["tracemalloc_peak_bytes"]], unit="x the buffered peak (tracemalloc)",
            better="lower",
            # ideal: a stream holding one chunk, against the buffered peak measured here
            ideal=plan.chunk_size / buffered["tracemalloc_peak_bytes"])
        smallest = probes((protocol, api, min(plan.memory_sizes), "stream"))
        growth = seen["tracemalloc_peak_bytes"] / max(1, smallest["tracemalloc_peak_bytes"])
        extra["stream_peak_vs_smallest_body"] = growth
        extra["buffers"] = growth > BUFFERING_GROWTH
    benchmark.extra_info.update(extra)
    if "headline" in extra and size == max(plan.memory_sizes):  # keep the table short
        headlines.append(headline_row(request.node.name, benchmark.extra_info))
