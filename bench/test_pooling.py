"""Scenario 1: a pooled Client against one-off calls, over http and https, requests beside.

Per-request cost is measured apart from construction cost (a Client, an SSL context, a
Session): one-off ``httpx.get`` pays both on every call, which is the figure users quote.
On https the server's private CA must be trusted, so the "default" one-off builds what
httpx's default builds (a context loaded with certifi's bundle) and adds the server's CA.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from types import ModuleType
from typing import Any

import certifi
import pytest

from bench.floor import FloorClient, get_once
from bench.measure import Samples, Variant, measure_interleaved, repeat
from bench.ratios import headline, median_ratio
from bench.recording import record
from bench.summary import headline_row
from bench.targets import require, require_tls
from server.process import ServerInfo

PATH = "/get"
TRANSPORTS = ("http", "https")
VARIANTS = (
    "httpx.Client",
    "httpx.get (default)",
    "httpx.get (shared SSL context)",
    "requests.Session",
    "requests.get",
    "floor (keep-alive)",
    "floor (new connection)",
)
CONSTRUCTION = (
    "httpx.Client() default",
    "httpx.Client(verify=shared context)",
    "SSL context with certifi",
    "requests.Session()",
)


def default_like_context(server: ServerInfo) -> ssl.SSLContext:
    """What httpx's default verify builds (certifi's bundle), plus the server's CA."""
    context = ssl.create_default_context(cafile=certifi.where())
    context.load_verify_locations(server.ca)
    return context


def pooling_variants(target: ModuleType, requests: ModuleType, server: ServerInfo,
                     context: ssl.SSLContext, transport: str, pooled: int, oneoff: int,
                     closers: list[Callable[[], Any]]) -> list[Variant]:
    base = server.url(transport)
    url = base + PATH
    tls = transport == "https"
    client = target.Client(verify=context)
    session = requests.Session()
    floor = FloorClient(base, context)
    closers += [client.close, session.close, floor.close]

    def check(response: Any) -> None:
        if response.status_code != 200:
            raise AssertionError(f"{url} answered {response.status_code}")

    def httpx_default() -> None:
        if tls:
            check(target.get(url, verify=default_like_context(server)))
        else:
            check(target.get(url))

    return [
        Variant("httpx.Client", repeat(pooled, lambda: check(client.get(url))), pooled, transport),
        Variant("httpx.get (default)", repeat(oneoff, httpx_default), oneoff, transport),
        Variant("httpx.get (shared SSL context)",
                repeat(pooled, lambda: check(target.get(url, verify=context))), pooled, transport),
        # verify per request: a Session-level verify loses to $REQUESTS_CA_BUNDLE (requests#3829)
        Variant("requests.Session",
                repeat(pooled, lambda: check(session.get(url, verify=server.ca))), pooled,
                transport),
        Variant("requests.get", repeat(oneoff, lambda: check(requests.get(url, verify=server.ca))),
                oneoff, transport),
        Variant("floor (keep-alive)", repeat(pooled, lambda: floor.get(PATH)), pooled, transport),
        Variant("floor (new connection)", repeat(pooled, lambda: get_once(base, PATH, context)),
                pooled, transport),
    ]


@pytest.fixture(scope="module")
def pooling(target: ModuleType, requests_module: ModuleType, server: ServerInfo,
            shared_context: ssl.SSLContext, plan: Any, server_cpu: Any, stats: Any):
    """Interleaved samples per transport, measured once when a test first asks for them."""
    require(target, "Client", "get")
    measured: dict[str, dict[str, Samples]] = {}

    def samples(transport: str) -> dict[str, Samples]:
        if transport == "https":
            require_tls(target, server.https + PATH, shared_context)
        if transport not in measured:
            closers: list[Callable[[], Any]] = []
            try:
                variants = pooling_variants(target, requests_module, server, shared_context,
                                            transport, plan.pooled_requests,
                                            plan.oneoff_requests, closers)
                measured[transport] = measure_interleaved(
                    variants, plan.pooling_rounds, plan.warmup_rounds,
                    server_cpu, slices=plan.pooling_slices)
            finally:
                for close in closers:
                    close()
        return measured[transport]

    return samples


def pooling_headline(variant: str, results: dict[str, Samples]) -> dict[str, Any] | None:
    per = {name: s.wall_per_request() for name, s in results.items()}
    floor = median_ratio(per["floor (new connection)"], per["floor (keep-alive)"])
    if variant == "httpx.get (default)":
        return headline("pooled/one-off", variant, "httpx.Client", per[variant],
                        per["httpx.Client"], unit="x faster pooled", floor=floor,
                        better="higher")
    if variant == "httpx.get (shared SSL context)":
        return headline("pooled/one-off (shared SSL context)", variant, "httpx.Client",
                        per[variant], per["httpx.Client"], unit="x faster pooled", floor=floor,
                        better="higher")
    if variant == "requests.get":
        return headline("requests: Session/get", variant, "requests.Session", per[variant],
                        per["requests.Session"], unit="x faster pooled", floor=floor,
                        better="higher")
    if variant == "httpx.Client":
        return headline("httpx.Client/floor", variant, "floor (keep-alive)", per[variant],
                        per["floor (keep-alive)"], unit="x the floor's time per request",
                        better="lower", ideal=1.0)
    if variant == "requests.Session":
        return headline("httpx.Client/requests.Session", "httpx.Client", variant,
                        per["httpx.Client"], per[variant], unit="x requests' time per request",
                        better="lower", ideal=None)
    return None


@pytest.mark.timeout(600)
@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("variant", VARIANTS)
def test_pooling(benchmark: Any, pooling: Any, transport: str, variant: str, engine: str,
                 headlines: list, request: pytest.FixtureRequest) -> None:
    results = pooling(transport)
    samples = results[variant]
    assert not samples.failures(), f"{variant} failed: {dict(samples.failures())}"
    scenario = "floor" if variant.startswith("floor") else "pooling"
    extra: dict[str, Any] = {"scenario": scenario, "engine": engine}
    found = pooling_headline(variant, results)
    if found is not None:
        extra["headline"] = found
    info = record(benchmark, samples, per="request", group=f"pooling {transport}", **extra)
    if found is not None:
        headlines.append(headline_row(request.node.name, info))


def construction_variants(target: ModuleType, requests: ModuleType, context: ssl.SSLContext,
                          count: int) -> list[Variant]:
    def client_default() -> None:
        target.Client().close()

    def client_shared() -> None:
        target.Client(verify=context).close()

    def certifi_context() -> None:
        ssl.create_default_context(cafile=certifi.where())

    def session() -> None:
        requests.Session().close()

    calls = (client_default, client_shared, certifi_context, session)
    return [Variant(name, repeat(count, call), count, "none")
            for name, call in zip(CONSTRUCTION, calls, strict=True)]


@pytest.fixture(scope="module")
def construction(target: ModuleType, requests_module: ModuleType,
                 shared_context: ssl.SSLContext, plan: Any, server_cpu: Any):
    require(target, "Client")
    variants = construction_variants(target, requests_module, shared_context,
                                     plan.construction_per_batch)
    return measure_interleaved(variants, plan.pooling_rounds, plan.warmup_rounds,
                               server_cpu, slices=plan.pooling_slices)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("variant", CONSTRUCTION)
def test_construction(benchmark: Any, construction: dict[str, Samples], variant: str,
                      engine: str, headlines: list, request: pytest.FixtureRequest) -> None:
    """What building a client costs, apart from any request (no request is sent)."""
    extra: dict[str, Any] = {"scenario": "pooling", "engine": engine, "construction": True}
    if variant == "httpx.Client() default":
        per = {name: s.wall_per_request() for name, s in construction.items()}
        extra["headline"] = headline(
            "Client() default/Client(verify=shared)", variant,
            "httpx.Client(verify=shared context)", per[variant],
            per["httpx.Client(verify=shared context)"], unit="x the construction time",
            better="lower")
    info = record(benchmark, construction[variant], per="request", group="construction",
                  **extra)
    if "headline" in extra:
        headlines.append(headline_row(request.node.name, info))
