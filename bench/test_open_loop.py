"""Open-loop load on AsyncClient, HTTP/1.1 and HTTP/2: latency at a fixed offered rate.

First the client's capacity is measured in this run (a closed loop of
``capacity_concurrency`` workers, back to back, on the same warm client); then requests are
scheduled at 50 %, 80 %, 100 % and 120 % of it (``bench/open_loop.py``), latency taken from
each request's scheduled time and recorded in an HdrHistogram. Both protocols use the
``https`` listener on loopback (ALPN chooses), one warm AsyncClient each, ``GET /get``.

What to expect: below capacity the percentiles stay near the unloaded latency; at and above
it the client cannot keep up, the queue grows for the whole run and latency with it (a
closed loop would report none of that). Each load is one benchmark; its "rounds" are the
latencies of its requests, its extra_info the offered and achieved rates, p50/p90/p99/p99.9
and the errors.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

from bench.budget import NetworkBudget, network_budget
from bench.open_loop import OpenLoopResult, closed_loop_capacity, load_table, run_open_loop
from bench.progress import progress_writer
from bench.recording import record_durations
from bench.targets import require, require_http2, require_tls
from server.process import ServerInfo

PROTOCOLS = ("HTTP/1.1", "HTTP/2")
PATH = "/get"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "load_fraction" in metafunc.fixturenames:
        fractions = network_budget(metafunc.config.getoption("--quick")).load_fractions
        pairs = [(protocol, f) for protocol in PROTOCOLS for f in fractions]
        metafunc.parametrize(("protocol", "load_fraction"), pairs,
                             ids=[f"{p}-{f:.0%}" for p, f in pairs])


class Measured:
    """One protocol's capacity and its open-loop results, per load fraction."""

    def __init__(self, capacity: float, results: dict[float, OpenLoopResult],
                 wire: dict[float, dict[str, Any]]) -> None:
        self.capacity = capacity
        self.results = results
        self.wire = wire  # what the server saw during each load (/stats)


@pytest.fixture(scope="module")
def open_loop(target: ModuleType, server: ServerInfo, shared_context: ssl.SSLContext,
              stats: Any, request: pytest.FixtureRequest) -> Iterator[Callable[[str], Measured]]:
    require(target, "AsyncClient")
    nb: NetworkBudget = network_budget(request.config.getoption("--quick"))
    say = progress_writer(request.config, "open loop")
    measured: dict[str, Measured] = {}
    url = server.https + PATH

    def measure(protocol: str) -> Measured:
        if protocol in measured:
            return measured[protocol]
        http2 = protocol == "HTTP/2"
        if http2:
            require_http2(target)
        require_tls(target, url, shared_context, http2=http2)
        loop = asyncio.new_event_loop()
        client = target.AsyncClient(verify=shared_context, http2=http2)

        async def send() -> None:
            response = await client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"status {response.status_code}")
            if response.http_version != protocol:
                raise RuntimeError(f"negotiated {response.http_version}")

        try:
            # The first pass warms the pool (connections, TLS sessions); the second counts.
            loop.run_until_complete(closed_loop_capacity(send, nb.capacity_concurrency, 0.3))
            capacity = loop.run_until_complete(
                closed_loop_capacity(send, nb.capacity_concurrency, nb.capacity_seconds))
            say(f"{protocol} capacity: {capacity:.0f} requests/s "
                f"({nb.capacity_concurrency} back-to-back workers)")
            results, wire = {}, {}
            for fraction in nb.load_fractions:
                stats.reset()
                results[fraction] = loop.run_until_complete(run_open_loop(
                    send, capacity * fraction, nb.load_seconds, nb.drain_seconds,
                    nb.max_in_flight))
                seen = stats.get()
                wire[fraction] = {"connections_used": seen.get("connections"),
                                  "peak_in_flight": seen.get("peak_in_flight")}
                say(load_table([(protocol, fraction, results[fraction])]))
        finally:
            loop.run_until_complete(client.aclose())
            loop.close()
        measured[protocol] = Measured(capacity, results, wire)
        return measured[protocol]

    yield measure


@pytest.mark.timeout(300)
def test_open_loop(benchmark: Any, open_loop: Any, protocol: str, load_fraction: float,
                   engine: str) -> None:
    found = open_loop(protocol)
    result = found.results[load_fraction]
    assert result.completed > 0, f"no request completed: {dict(result.errors)}"
    benchmark.group = f"open loop {protocol}"
    record_durations(benchmark, result.latencies)
    benchmark.extra_info.update({
        "scenario": "open-loop", "engine": engine, "variant": f"{protocol} {load_fraction:.0%}",
        "transport": "h2" if protocol == "HTTP/2" else "https", "protocol": protocol,
        "timing": "seconds from scheduled send to response", "capacity_rps": found.capacity,
        "load_fraction": load_fraction, "path": PATH, **found.wire[load_fraction],
        **result.summary()})
