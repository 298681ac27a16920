"""Scenario 2: N requests to a delayed endpoint, gathered, awaited one by one, or capped.

Each variant has its own AsyncClient (default limits: max_connections=100), reused across
rounds as an application would, all on one event loop. The ideal speedup of gather over
serial is N (every request waits on the server at once); a Semaphore(k) gather's is
N / ceil(N / k). The floor runs the same pattern with raw asyncio sockets.

N above max_connections is its own scenario ("overflow"): requests queue in httpcore's
pool, and PoolTimeouts are counted and reported, never retried or hidden.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

from bench.floor import get_once_async
from bench.measure import Outcome, Samples, Variant, measure_interleaved
from bench.ratios import headline, median_ratio
from bench.recording import record
from bench.summary import headline_row
from bench.targets import require
from server.process import ServerInfo

BATCH_TIMEOUT = 60.0  # seconds; a batch that takes longer is a failure, not a hang
POOL_LIMIT = 100  # httpx's default max_connections


async def gathered(calls: list[Callable[[], Awaitable[Any]]]) -> Outcome:
    results = await asyncio.wait_for(
        asyncio.gather(*(call() for call in calls), return_exceptions=True), BATCH_TIMEOUT)
    failures = Counter(type(r).__name__ for r in results if isinstance(r, BaseException))
    return Outcome(len(results) - sum(failures.values()), failures)


async def serial(calls: list[Callable[[], Awaitable[Any]]]) -> Outcome:
    async def one_by_one() -> Outcome:
        outcome = Outcome(0)
        for call in calls:
            try:
                await call()
                outcome.completed += 1
            except Exception as error:  # counted and reported
                outcome.failures[type(error).__name__] += 1
        return outcome
    return await asyncio.wait_for(one_by_one(), BATCH_TIMEOUT)


def capped(cap: int, calls: list[Callable[[], Awaitable[Any]]]) -> list[Callable[[], Any]]:
    semaphore = asyncio.Semaphore(cap)

    def limit(call: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[Any]]:
        async def limited() -> Any:
            async with semaphore:
                return await call()
        return limited
    return [limit(call) for call in calls]


class ClientLoop:
    """One event loop and the AsyncClients opened on it, closed together."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.clients: list[Any] = []

    def close(self) -> None:
        async def close_all() -> None:  # aclose() called inside the loop: forks may need it
            for client in self.clients:
                await client.aclose()
        try:
            self.loop.run_until_complete(close_all())
        finally:
            self.loop.close()


class LoopVariants(ClientLoop):
    """Builds variants whose batches run on one event loop, and closes what they opened."""

    def __init__(self, target: ModuleType, server: ServerInfo, path: str) -> None:
        super().__init__()
        self.target = target
        self.base = server.http
        self.path = path

    def request(self) -> Callable[[], Awaitable[Any]]:
        client = self.target.AsyncClient()
        self.clients.append(client)
        url = self.base + self.path

        async def get() -> None:
            response = await client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"status {response.status_code}")
        return get

    def floor_request(self) -> Callable[[], Awaitable[Any]]:
        async def get() -> None:
            status = await get_once_async(self.base, self.path)
            if status != 200:
                raise RuntimeError(f"status {status}")
        return get

    def variant(self, name: str, n: int, call: Callable[[], Awaitable[Any]],
                pattern: str, cap: int = 0) -> Variant:
        def batch() -> Outcome:
            calls = [call] * n
            if pattern == "serial":
                return self.loop.run_until_complete(serial(calls))
            if pattern == "capped":
                return self.loop.run_until_complete(gathered(capped(cap, calls)))
            return self.loop.run_until_complete(gathered(calls))
        return Variant(name, batch, n, "http")


def fanout_variants(lv: LoopVariants, n: int, cap: int) -> list[Variant]:
    return [
        lv.variant("gather", n, lv.request(), "gather"),
        lv.variant("serial", n, lv.request(), "serial"),
        lv.variant(f"semaphore({cap})", n, lv.request(), "capped", cap),
        lv.variant("floor gather", n, lv.floor_request(), "gather"),
        lv.variant("floor serial", n, lv.floor_request(), "serial"),
    ]


def overflow_variants(lv: LoopVariants, n: int) -> list[Variant]:
    return [
        lv.variant("gather (uncapped)", n, lv.request(), "gather"),
        lv.variant(f"semaphore({POOL_LIMIT})", n, lv.request(), "capped", POOL_LIMIT),
        lv.variant("floor gather", n, lv.floor_request(), "gather"),
    ]


@pytest.fixture(scope="module")
def fanout(target: ModuleType, server: ServerInfo, plan: Any, server_cpu: Any,
           stats: Any) -> Iterator[Callable[[str], dict[str, Samples]]]:
    require(target, "AsyncClient")
    measured: dict[str, dict[str, Samples]] = {}
    path = f"/delay/{plan.fanout_delay:g}"

    def samples(case: str) -> dict[str, Samples]:
        if case not in measured:
            lv = LoopVariants(target, server, path)
            try:
                if case == "overflow":
                    variants = overflow_variants(lv, plan.overflow_n)
                    rounds, warmup = plan.overflow_rounds, 0
                else:
                    variants = fanout_variants(lv, int(case), plan.semaphore_cap)
                    rounds, warmup = plan.fanout_rounds, plan.warmup_rounds
                measured[case] = measure_interleaved(variants, rounds, warmup,
                                                     server_cpu, stats)
            finally:
                lv.close()
        return measured[case]

    yield samples


def connection_info(samples: Samples) -> dict[str, Any]:
    """Connections that carried the batch's requests (median) and peak concurrency.

    The client is reused across rounds, so this counts connections *used* per batch: an
    upper bound on those opened (at most max_keepalive_connections=20 survive a batch).
    """
    used = samples.stats_values("connections")
    peaks = samples.stats_values("peak_in_flight")
    return {"connections_used": sorted(used)[len(used) // 2] if used else None,
            "peak_in_flight": max(peaks, default=None)}


def fanout_cases(quick: bool) -> list[int]:
    from bench.budget import budget
    return list(budget(quick).fanout_ns)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "fanout_n" in metafunc.fixturenames:
        ns = fanout_cases(metafunc.config.getoption("--quick"))
        metafunc.parametrize("fanout_n", ns, ids=[f"N={n}" for n in ns])


@pytest.mark.timeout(600)
@pytest.mark.parametrize("pattern", ["gather", "serial", "semaphore", "floor gather",
                                     "floor serial"])
def test_fanout(benchmark: Any, fanout: Any, fanout_n: int, pattern: str, plan: Any,
                engine: str, headlines: list, request: pytest.FixtureRequest) -> None:
    results = fanout(str(fanout_n))
    cap = plan.semaphore_cap
    name = f"semaphore({cap})" if pattern == "semaphore" else pattern
    samples = results[name]
    assert not samples.failures(), f"{name} with N={fanout_n} failed: {dict(samples.failures())}"
    walls = {key: s.wall_per_batch() for key, s in results.items()}
    floor = median_ratio(walls["floor serial"], walls["floor gather"])
    extra: dict[str, Any] = {"scenario": "floor" if name.startswith("floor") else "async-fanout",
                             "engine": engine, "n": fanout_n,
                             "delay_seconds": plan.fanout_delay, **connection_info(samples)}
    if name == "gather":
        extra["headline"] = headline("gather/serial", "serial", "gather", walls["serial"],
                                     walls["gather"], unit="x faster (speedup)", better="higher",
                                     ideal=float(fanout_n), floor=floor)
    elif pattern == "semaphore":
        extra["headline"] = headline(f"{name}/serial", "serial", name, walls["serial"],
                                     walls[name], unit="x faster (speedup)", better="higher",
                                     ideal=fanout_n / math.ceil(fanout_n / cap), floor=floor)
    info = record(benchmark, samples, per="batch", group=f"async-fanout N={fanout_n}", **extra)
    if "headline" in extra:
        headlines.append(headline_row(request.node.name, info))


@pytest.mark.timeout(600)
@pytest.mark.parametrize("pattern", ["gather (uncapped)", f"semaphore({POOL_LIMIT})",
                                     "floor gather"])
def test_overflow(benchmark: Any, fanout: Any, pattern: str, plan: Any, engine: str,
                  headlines: list, request: pytest.FixtureRequest) -> None:
    """N above max_connections: not a speedup, a report of what the pool does."""
    results = fanout("overflow")
    samples = results[pattern]
    walls = {key: s.wall_per_batch() for key, s in results.items()}
    extra: dict[str, Any] = {
        "scenario": "floor" if pattern.startswith("floor") else "async-fanout",
        "case": "overflow: N above max_connections", "engine": engine, "n": plan.overflow_n,
        "max_connections": POOL_LIMIT, "delay_seconds": plan.fanout_delay,
        **connection_info(samples)}
    if pattern == "gather (uncapped)":
        extra["headline"] = headline(
            f"overflow N={plan.overflow_n}: gather/semaphore({POOL_LIMIT}) time",
            pattern, f"semaphore({POOL_LIMIT})", walls[pattern], walls[f"semaphore({POOL_LIMIT})"],
            unit="x the capped gather's time (failures in extra_info)", ideal=1.0,
            better="lower")
    group = f"async-fanout overflow N={plan.overflow_n}"
    info = record(benchmark, samples, per="batch", group=group, **extra)
    if "headline" in extra:
        headlines.append(headline_row(request.node.name, info))
