"""Scenario 3: N concurrent requests on one AsyncClient, HTTP/2 against HTTP/1.1 pools.

All variants talk TLS to the same ``https`` listener (ALPN offers h2 and http/1.1; a client
with http2=False offers only http/1.1). Every batch uses a fresh AsyncClient sharing one SSL
context, so a batch pays for the connections it needs: that is the cost HTTP/2 removes.
/stats gives the connections opened and the most concurrent streams on one connection.

Ideal, for the delayed endpoint where the round trip dominates: HTTP/1.1 with k connections
needs ceil(N/k) waves, HTTP/2 ceil(N/100) (the servers' stream cap), so HTTP/2's ideal
speedup is their quotient. Small responses have no such ideal (the cost is CPU, not waiting).
The floor is a raw-socket HTTP/1.1 client opening N TLS connections at once.
"""

from __future__ import annotations

import asyncio
import math
import ssl
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

from bench.budget import budget
from bench.floor import get_once_async
from bench.measure import Samples, Variant, measure_interleaved
from bench.ratios import headline, median_ratio
from bench.recording import record
from bench.summary import headline_row
from bench.targets import require, require_http2, require_tls
from bench.test_fanout import gathered
from server.engines import H2_MAX_CONCURRENT_STREAMS
from server.process import ServerInfo

DEFAULT_POOL = 100  # httpx's default max_connections


def endpoint(case: str, delay: float) -> str:
    return "/get" if case == "small" else f"/delay/{delay:g}"


def pools_for(case: str, small_pools: tuple[int, ...]) -> tuple[int, ...]:
    """Pool sizes measured besides the default; one connection is too slow when delayed."""
    return small_pools if case == "small" else tuple(k for k in small_pools if k > 1)


def variant_names(case: str, small_pools: tuple[int, ...]) -> list[str]:
    return ["h2", "h1 default pool",
            *(f"h1 max_connections={k}" for k in pools_for(case, small_pools)),
            "floor h1 (N connections)"]


def concurrent_gets(target: ModuleType, context: ssl.SSLContext,
                    loop: asyncio.AbstractEventLoop, url: str, n: int, name: str,
                    **options: Any) -> Variant:
    """A variant whose batch is ``n`` concurrent GETs of ``url`` on a fresh AsyncClient
    built with ``options`` (its pool set-up is part of what is measured)."""
    async def batch() -> Any:
        async with target.AsyncClient(verify=context, **options) as client:
            async def get() -> None:
                response = await client.get(url)
                if response.status_code != 200:
                    raise RuntimeError(f"status {response.status_code}")
            return await gathered([get] * n)
    return Variant(name, lambda: loop.run_until_complete(batch()), n,
                   "h2" if options.get("http2") else "https")


def http2_variants(target: ModuleType, server: ServerInfo, context: ssl.SSLContext,
                   loop: asyncio.AbstractEventLoop, case: str, n: int, delay: float,
                   small_pools: tuple[int, ...]) -> list[Variant]:
    url = server.https + endpoint(case, delay)

    def client_variant(name: str, **options: Any) -> Variant:
        return concurrent_gets(target, context, loop, url, n, name, **options)

    async def floor_batch() -> Any:
        async def get() -> None:
            await get_once_async(server.https, endpoint(case, delay), context)
        return await gathered([get] * n)

    return [
        client_variant("h2", http2=True),
        client_variant("h1 default pool"),
        *(client_variant(f"h1 max_connections={k}", limits=target.Limits(max_connections=k))
          for k in pools_for(case, small_pools)),
        Variant("floor h1 (N connections)", lambda: loop.run_until_complete(floor_batch()), n,
                "https"),
    ]


@pytest.fixture(scope="module")
def multiplexing(target: ModuleType, server: ServerInfo, shared_context: ssl.SSLContext,
                 plan: Any, server_cpu: Any,
                 stats: Any) -> Iterator[Callable[[str], dict[str, Samples]]]:
    require(target, "AsyncClient", "Limits")
    require_http2(target)
    require_tls(target, server.https + "/get", shared_context, http2=True)
    measured: dict[str, dict[str, Samples]] = {}

    def samples(case: str) -> dict[str, Samples]:
        if case not in measured:
            loop = asyncio.new_event_loop()
            try:
                variants = http2_variants(target, server, shared_context, loop, case,
                                          plan.http2_n, plan.http2_delay, plan.small_pools)
                measured[case] = measure_interleaved(variants, plan.http2_rounds,
                                                     plan.warmup_rounds,
                                                     server_cpu, stats)
            finally:
                loop.close()
        return measured[case]

    yield samples


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "h2_case" in metafunc.fixturenames:
        pools = budget(metafunc.config.getoption("--quick")).small_pools
        pairs = [(case, name) for case in ("small", "delayed")
                 for name in variant_names(case, pools)]
        metafunc.parametrize(("h2_case", "h2_variant"), pairs,
                             ids=[f"{case}-{name}" for case, name in pairs])


def ideal_speedup(case: str, variant: str, n: int) -> float | None:
    if case != "delayed":
        return None
    pool = DEFAULT_POOL if variant == "h1 default pool" else int(variant.rsplit("=", 1)[1])
    return math.ceil(n / pool) / math.ceil(n / H2_MAX_CONCURRENT_STREAMS)


def wire_info(samples: Samples) -> dict[str, Any]:
    """What the server saw per batch (medians over rounds; peaks as the maximum)."""
    def middle(values: list[Any]) -> Any:
        values = sorted(v for v in values if v is not None)
        return values[len(values) // 2] if values else None
    versions: dict[str, int] = {}
    for seen in samples.stats_values("http_versions"):
        for version, count in (seen or {}).items():
            versions[version] = versions.get(version, 0) + count
    return {"connections_opened": middle(samples.stats_values("connections")),
            "peak_streams": max(samples.stats_values("peak_streams_per_h2_connection"),
                                default=None),
            "peak_in_flight": max(samples.stats_values("peak_in_flight"), default=None),
            "http_versions_seen": versions}


@pytest.mark.timeout(600)
def test_http2(benchmark: Any, multiplexing: Any, h2_case: str, h2_variant: str, plan: Any,
               engine: str, headlines: list, request: pytest.FixtureRequest) -> None:
    results = multiplexing(h2_case)
    samples = results[h2_variant]
    assert not samples.failures(), f"{h2_variant} failed: {dict(samples.failures())}"
    wire = wire_info(samples)
    if h2_variant == "h2":
        # Measured over HTTP/1.1 would make every ratio here meaningless: check the wire.
        assert set(wire["http_versions_seen"]) == {"HTTP/2"}, wire["http_versions_seen"]
    walls = {name: s.wall_per_batch() for name, s in results.items()}
    extra: dict[str, Any] = {
        "scenario": "floor" if h2_variant.startswith("floor") else "http2", "engine": engine,
        "n": plan.http2_n, "case": h2_case, "path": endpoint(h2_case, plan.http2_delay), **wire}
    if h2_variant.startswith("h1 "):
        extra["headline"] = headline(
            f"HTTP/2 vs {h2_variant} ({h2_case})", h2_variant, "h2", walls[h2_variant],
            walls["h2"], unit="x faster with HTTP/2", better="higher",
            ideal=ideal_speedup(h2_case, h2_variant, plan.http2_n),
            floor=median_ratio(walls["floor h1 (N connections)"], walls["h2"]))
    info = record(benchmark, samples, per="batch", group=f"http2 {h2_case} N={plan.http2_n}",
                  **extra)
    if "headline" in extra:
        headlines.append(headline_row(request.node.name, info))
