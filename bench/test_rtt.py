"""Scenarios across round-trip time: what pooling, HTTP/2 and gather buy on a real network.

A delaying proxy (``bench/latency_proxy.py``, its own process, pinned to the server's core)
sits between client and server with one listener per RTT; every RTT is measured in its own
interleaved rounds (``bench.measure``), so each ratio is taken within one RTT and one run.

- pooling: a reused ``httpx.Client`` against one-off ``httpx.get(verify=<shared context>)``
  (the shared context keeps SSL-context construction out: what is left is round trips),
  over http and https. Physics: a pooled request is one round trip; a one-off one adds the
  TCP handshake (http: 2) and the TLS 1.3 handshake (https: 3). The raw-socket floor runs
  through the same proxy; at 0 ms it also runs direct, which prices the proxy itself.
- HTTP/2 against HTTP/1.1 (default pool, ``max_connections`` 10 and 1), N concurrent
  requests on a fresh AsyncClient per batch, small (``/get``) and delayed responses.
  Physics: 2 round trips of setup, then ceil(N/k) waves of one round trip plus the
  server's delay (k = connections, or 100 streams on HTTP/2). The crossover is the RTT
  from which HTTP/2 stays ahead.
- gather against serial on a warm AsyncClient: physics says N times faster.
"""

from __future__ import annotations

import asyncio
import ssl
import statistics
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

from bench.budget import NetworkBudget, network_budget
from bench.crossover import crossover, fresh_client_seconds, waves
from bench.floor import FloorClient, get_once
from bench.measure import Samples, Variant, measure_interleaved, repeat
from bench.netem import netem_status
from bench.pinning import cores
from bench.progress import progress_writer
from bench.proxy_process import ProxyProcess
from bench.ratios import headline, median_ratio
from bench.recording import record
from bench.summary import headline_row
from bench.targets import require, require_http2, require_tls
from bench.test_fanout import ClientLoop, gathered, serial
from bench.test_http2 import concurrent_gets, wire_info
from server.engines import H2_MAX_CONCURRENT_STREAMS
from server.process import ServerInfo

PATH = "/get"
DEFAULT_POOL = 100  # httpx's default max_connections
Sweep = dict[float, dict[str, Samples]]  # RTT in ms -> variant -> samples

POOLING = ("pooled http", "one-off http", "pooled https", "one-off https",
           "floor keep-alive", "floor new connection")
DIRECT_FLOOR = "floor keep-alive, no proxy"
GATHER = ("gather", "serial")
# Round trips per request on each pooling variant (TCP 1, TLS 1.3 1, the exchange 1).
ROUND_TRIPS = {"pooled http": 1, "pooled https": 1, "one-off http": 2, "one-off https": 3,
               "floor keep-alive": 1, "floor new connection": 2}


def h2_configs(n: int, nb: NetworkBudget) -> list[str]:
    pools = [k for k in nb.h2_pools if k > 1 or n in nb.single_connection_ns]
    return ["h2", "h1 default pool", *(f"h1 max_connections={k}" for k in pools)]


def connections_of(config: str) -> int:
    if config == "h2":
        return H2_MAX_CONCURRENT_STREAMS  # streams on one connection
    return DEFAULT_POOL if config == "h1 default pool" else int(config.rsplit("=", 1)[1])


def h2_path(kind: str, delay: float) -> str:
    return PATH if kind == "small" else f"/delay/{delay:g}"


def cases(nb: NetworkBudget) -> list[tuple[str, float, str]]:
    """Every (case, RTT, variant) the module records: one benchmark each."""
    found = [("pooling", rtt, v) for rtt in nb.rtts_ms for v in POOLING]
    found.insert(len(POOLING), ("pooling", nb.rtts_ms[0], DIRECT_FLOOR))
    for kind in ("small", "delayed"):
        for n in nb.h2_ns:
            found += [(f"{kind} N={n}", rtt, c) for rtt in nb.rtts_ms
                      for c in h2_configs(n, nb)]
    found += [("gather", rtt, v) for rtt in nb.rtts_ms for v in GATHER]
    return found


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "rtt_case" in metafunc.fixturenames:
        found = cases(network_budget(metafunc.config.getoption("--quick")))
        metafunc.parametrize(("rtt_case", "rtt_ms", "rtt_variant"), found,
                             ids=[f"{case}-{rtt:g}ms-{v}" for case, rtt, v in found])


@pytest.fixture(scope="module")
def nb(request: pytest.FixtureRequest) -> NetworkBudget:
    return network_budget(request.config.getoption("--quick"))


@pytest.fixture(scope="module")
def say(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Progress lines on the terminal (the sweep takes minutes)."""
    return progress_writer(request.config, "rtt")


@pytest.fixture(scope="module")
def proxy(server: ServerInfo, nb: NetworkBudget, say: Callable[[str], None]
          ) -> Iterator[ProxyProcess]:
    say(f"delay by a user-space proxy; kernel netem: {netem_status()}")
    with ProxyProcess({"http": server.http, "https": server.https}, nb.rtts_ms,
                      cpu=cores()[1]) as running:
        yield running


def sweep(nb: NetworkBudget, say: Callable[[str], None], label: str,
          variants_at: Callable[[float], list[Variant]], server_cpu: Any,
          stats: Any = None) -> Sweep:
    """Interleaved rounds at each RTT in turn, one warm-up round before the first RTT.

    A new RTT is a new origin to a pool: variants that keep connections open them when
    built (``variants_at``), so no measured round pays for them."""
    results: Sweep = {}
    for index, rtt in enumerate(nb.rtts_ms):
        say(f"{label}: RTT {rtt:g} ms")
        results[rtt] = measure_interleaved(variants_at(rtt), nb.rounds, int(index == 0),
                                           server_cpu, stats)
    return results


def checked(get: Callable[[], Any]) -> Callable[[], None]:
    def call() -> None:
        status = getattr(get(), "status_code", 200)
        if status != 200:
            raise RuntimeError(f"status {status}")
    return call


def pooling_variants(target: ModuleType, server: ServerInfo, proxy: ProxyProcess,
                     context: ssl.SSLContext, rtt: float, k: int,
                     closers: list[Callable[[], Any]]) -> list[Variant]:
    variants = []
    for transport in ("http", "https"):
        url = proxy.url(transport, rtt) + PATH
        client = target.Client(verify=context)
        closers.append(client.close)
        client.get(url)  # opened now, so every measured pooled request finds it open
        variants += [
            Variant(f"pooled {transport}", repeat(k, checked(lambda c=client, u=url: c.get(u))),
                    k, transport),
            Variant(f"one-off {transport}",
                    repeat(k, checked(lambda u=url: target.get(u, verify=context))), k,
                    transport),
        ]
    base = proxy.url("http", rtt)
    floor = FloorClient(base)
    closers.append(floor.close)
    floor.get(PATH)
    variants += [Variant("floor keep-alive", repeat(k, lambda: floor.get(PATH)), k),
                 Variant("floor new connection", repeat(k, lambda: get_once(base, PATH)), k)]
    if rtt == 0:
        direct = FloorClient(server.http)
        closers.append(direct.close)
        direct.get(PATH)
        variants.append(Variant(DIRECT_FLOOR, repeat(k, lambda: direct.get(PATH)), k))
    return variants


def h2_variants(target: ModuleType, proxy: ProxyProcess, context: ssl.SSLContext,
                loop: asyncio.AbstractEventLoop, rtt: float, n: int, path: str,
                nb: NetworkBudget) -> list[Variant]:
    url = proxy.url("https", rtt) + path

    def variant(config: str) -> Variant:
        options: dict[str, Any] = {"http2": True} if config == "h2" else {}
        if config.startswith("h1 max_connections="):
            options["limits"] = target.Limits(max_connections=connections_of(config))

        return concurrent_gets(target, context, loop, url, n, config, **options)

    return [variant(config) for config in h2_configs(n, nb)]


class GatherVariants(ClientLoop):
    """A warm AsyncClient per variant and RTT, all on one loop, closed at the end."""

    def __init__(self, target: ModuleType, proxy: ProxyProcess, n: int) -> None:
        super().__init__()
        self.target, self.proxy, self.n = target, proxy, n

    def at(self, rtt: float) -> list[Variant]:
        url = self.proxy.url("http", rtt) + PATH
        variants = []
        for name, pattern in (("gather", gathered), ("serial", serial)):
            client = self.target.AsyncClient()
            self.clients.append(client)

            async def get(client: Any = client) -> None:
                response = await client.get(url)
                if response.status_code != 200:
                    raise RuntimeError(f"status {response.status_code}")

            def batch(pattern: Any = pattern, get: Any = get) -> Any:
                return self.loop.run_until_complete(pattern([get] * self.n))
            # One gathered batch opens the connections either pattern will reuse.
            self.loop.run_until_complete(gathered([get] * self.n))
            variants.append(Variant(name, batch, self.n))
        return variants


@pytest.fixture(scope="module")
def rtt_sweeps(target: ModuleType, server: ServerInfo, proxy: ProxyProcess,
               shared_context: ssl.SSLContext, nb: NetworkBudget, server_cpu: Any,
               stats: Any, say: Callable[[str], None]) -> Callable[[str], Sweep]:
    """Each case's sweep over every RTT, measured when a test first asks for it."""
    require(target, "Client", "get", "AsyncClient", "Limits")
    measured: dict[str, Sweep] = {}

    def measure(case: str) -> Sweep:
        if case in measured:
            return measured[case]
        if case == "pooling":
            require_tls(target, server.https + PATH, shared_context)
            closers: list[Callable[[], Any]] = []
            try:
                measured[case] = sweep(nb, say, case, lambda rtt: pooling_variants(
                    target, server, proxy, shared_context, rtt, nb.pooled_requests, closers),
                    server_cpu)
            finally:
                for close in closers:
                    close()
        elif case == "gather":
            gv = GatherVariants(target, proxy, nb.gather_n)
            try:
                measured[case] = sweep(nb, say, case, gv.at, server_cpu)
            finally:
                gv.close()
        else:
            require_http2(target)
            require_tls(target, server.https + PATH, shared_context, http2=True)
            kind, n = case.split(" N=")
            loop = asyncio.new_event_loop()
            try:
                measured[case] = sweep(nb, say, case, lambda rtt: h2_variants(
                    target, proxy, shared_context, loop, rtt, int(n),
                    h2_path(kind, nb.server_delay), nb), server_cpu, stats)
            finally:
                loop.close()
        return measured[case]

    return measure


def speedups(results: Sweep, slower: str, faster: str, per: str = "batch"
             ) -> dict[float, float]:
    """Median per-round ratio slower/faster at every RTT."""
    def times(samples: Samples) -> list[float]:
        return samples.wall_per_batch() if per == "batch" else samples.wall_per_request()
    return {rtt: median_ratio(times(by[slower]), times(by[faster]))
            for rtt, by in results.items()}


def physics(expected: float | None, samples: Samples, per: str) -> dict[str, Any]:
    """The physical least time beside the measured median, and their quotient."""
    if expected is None:
        return {}
    times = samples.wall_per_batch() if per == "batch" else samples.wall_per_request()
    measured = statistics.median(times)
    return {"expected_seconds": expected, "physical_share": expected / measured
            if measured > 0 else None}


def pooling_extra(results: Sweep, rtt: float, variant: str, nb: NetworkBudget
                  ) -> dict[str, Any]:
    samples = results[rtt][variant]
    extra: dict[str, Any] = {}
    seconds = rtt / 1000
    if variant in ROUND_TRIPS and rtt > 0:
        extra.update(physics(ROUND_TRIPS[variant] * seconds, samples, "request"),
                     expected_round_trips=ROUND_TRIPS[variant])
    by = {name: s.wall_per_request() for name, s in results[rtt].items()}
    if variant.startswith("one-off"):
        transport = variant.split()[-1]
        pooled = f"pooled {transport}"
        if rtt > 0:
            saved = [(a - b) / seconds for a, b in zip(by[variant], by[pooled], strict=True)]
            extra["saving_round_trips"] = statistics.median(saved)
            extra["expected_saving_round_trips"] = ROUND_TRIPS[variant] - 1
        extra["speedup_by_rtt"] = {f"{r:g}": v for r, v in
                                   speedups(results, variant, pooled, "request").items()}
        extra["ideal_by_rtt"] = {f"{r:g}": float(ROUND_TRIPS[variant]) if r > 0 else None
                                 for r in results}
        if rtt == nb.reference_rtt_ms:
            extra["headline"] = headline(
                f"one-off/pooled {transport} at {rtt:g} ms RTT", variant, pooled, by[variant],
                by[pooled], unit="x faster pooled", better="higher",
                ideal=float(ROUND_TRIPS[variant]),
                floor=median_ratio(by["floor new connection"], by["floor keep-alive"]))
    if variant == "floor keep-alive" and rtt == 0:
        extra["headline"] = headline(
            "latency proxy cost: floor through the 0 ms proxy/direct", variant, DIRECT_FLOOR,
            by[variant], by[DIRECT_FLOOR], unit="x the direct floor's time", better="lower",
            ideal=1.0)
        added = [a - b for a, b in zip(by[variant], by[DIRECT_FLOOR], strict=True)]
        extra["proxy_added_us_per_request"] = 1e6 * statistics.median(added)
    return extra


def h2_ideal(rtt: float, n: int, config: str, delay: float) -> float | None:
    """The physical speedup of HTTP/2 over an HTTP/1.1 configuration (None at 0/0)."""
    h2 = fresh_client_seconds(rtt, n, H2_MAX_CONCURRENT_STREAMS, delay, settings_wait=True)
    h1 = fresh_client_seconds(rtt, n, connections_of(config), delay)
    return h1 / h2 if h2 > 0 else None


def h2_extra(results: Sweep, case: str, rtt: float, config: str, nb: NetworkBudget
             ) -> dict[str, Any]:
    kind, n_text = case.split(" N=")
    n = int(n_text)
    delay = nb.server_delay if kind == "delayed" else 0.0
    samples = results[rtt][config]
    expected = fresh_client_seconds(rtt / 1000, n, connections_of(config), delay,
                                    settings_wait=config == "h2")
    extra: dict[str, Any] = {"n": n, "case": kind, "path": h2_path(kind, nb.server_delay),
                             "expected_waves": waves(n, connections_of(config)),
                             **wire_info(samples)}
    if expected > 0:
        extra.update(physics(expected, samples, "batch"))
    if config == "h2":
        assert set(extra["http_versions_seen"]) == {"HTTP/2"}, extra["http_versions_seen"]
        return extra
    by_rtt = speedups(results, config, "h2")
    found = crossover(list(by_rtt.items()))
    extra["speedup_by_rtt"] = {f"{r:g}": v for r, v in by_rtt.items()}
    extra["ideal_by_rtt"] = {f"{r:g}": h2_ideal(r / 1000, n, config, delay) for r in by_rtt}
    extra["crossover"] = {"status": found.status, "rtt_ms": found.rtt_ms,
                          "text": found.describe()}
    if rtt == nb.reference_rtt_ms:
        seconds = rtt / 1000
        walls = {name: s.wall_per_batch() for name, s in results[rtt].items()}
        extra["headline"] = headline(
            f"HTTP/2 vs {config} ({kind}, N={n}) at {rtt:g} ms RTT", config, "h2",
            walls[config], walls["h2"], unit="x faster with HTTP/2", better="higher",
            ideal=h2_ideal(seconds, n, config, delay))
    return extra


def gather_extra(results: Sweep, rtt: float, variant: str, nb: NetworkBudget
                 ) -> dict[str, Any]:
    seconds = rtt / 1000
    rounds = 1 if variant == "gather" else nb.gather_n
    extra: dict[str, Any] = {"n": nb.gather_n}
    if rtt > 0:
        extra.update(physics(rounds * seconds, results[rtt][variant], "batch"),
                     expected_round_trips=rounds)
    if variant == "gather":
        by_rtt = speedups(results, "serial", "gather")
        extra["speedup_by_rtt"] = {f"{r:g}": v for r, v in by_rtt.items()}
        extra["ideal_by_rtt"] = {f"{r:g}": float(nb.gather_n) if r > 0 else None
                                 for r in by_rtt}
        if rtt == nb.reference_rtt_ms:
            walls = {name: s.wall_per_batch() for name, s in results[rtt].items()}
            extra["headline"] = headline(
                f"gather/serial (N={nb.gather_n}) at {rtt:g} ms RTT", "serial", "gather",
                walls["serial"], walls["gather"], unit="x faster (speedup)", better="higher",
                ideal=float(nb.gather_n))
    return extra


@pytest.mark.timeout(600)
def test_rtt(benchmark: Any, rtt_sweeps: Any, rtt_case: str, rtt_ms: float, rtt_variant: str,
             nb: NetworkBudget, engine: str, headlines: list,
             request: pytest.FixtureRequest) -> None:
    scenario = "pooling" if rtt_case == "pooling" else \
        "gather" if rtt_case == "gather" else "http2"
    results = rtt_sweeps(scenario if scenario != "http2" else rtt_case)
    samples = results[rtt_ms][rtt_variant]
    assert not samples.failures(), f"{rtt_variant} failed: {dict(samples.failures())}"
    if scenario == "pooling":
        extra, per = pooling_extra(results, rtt_ms, rtt_variant, nb), "request"
    elif scenario == "gather":
        extra, per = gather_extra(results, rtt_ms, rtt_variant, nb), "batch"
    else:
        extra, per = h2_extra(results, rtt_case, rtt_ms, rtt_variant, nb), "batch"
    extra = {"scenario": f"rtt-{scenario}", "engine": engine, "rtt_ms": rtt_ms,
             "delay_method": "user-space proxy", "netem": netem_status(), **extra}
    if "headline" in extra:
        extra["headline"]["rtt_ms"] = rtt_ms
    info = record(benchmark, samples, per=per, group=f"rtt {rtt_case} {rtt_ms:g} ms", **extra)
    if "headline" in extra:
        headlines.append(headline_row(request.node.name, info))

