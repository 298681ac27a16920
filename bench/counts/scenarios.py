"""The counted scenarios: one per way of using the client that the timed suite measures.

Each builds its client once (outside the counted region), then ``run(units)`` does
``units * requests_per_unit`` requests. How many units are counted, in full and quick mode,
is set here too: enough that the per-request figure repeats within 0.1 %.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

STREAM_BODY = 1024 * 1024  # bytes per streamed download
GATHER = 10  # requests per gathered unit
# A sync read sets the socket's timeout first (one ioctl FIONBIO each), so a body that
# arrives in more or fewer pieces moves ioctl with the reads; and how often malloc grows
# the heap (brk) while a 1 MiB body is held depends on what the heap held before. Both
# spreads measured A/A (docs/reports.md); the heap itself is gated by the memory rows.
STREAM_SYSCALL_TOLERANCES = {"ioctl": 1.5, "brk": 1.5}
# Python lines follow how many pieces the bytes arrive in where that varies: HTTP/2's ten
# streams' frames read in more or fewer batches (0.76 % A/A), a 1 MiB body in more or fewer
# reads (0.92 %); about twice the spread measured over 6 runs (docs/bench.md). Every other
# scenario repeated exactly.
H2_LINES_TOLERANCE = 0.015
# Instructions of the streaming scenarios follow the same pieces, even as the median unit's
# (``unit_median``): stream-read read 8.23-8.37 M a request over five quick runs at load 6-8
# (1.7 %; 0.42 % idle and beside one busy loop); stream-iter_bytes 7.27-7.38 M as the
# region's mean (1.5 %), 0.10 % apart as the median unit's (docs/bench.md).
STREAM_INSTRUCTIONS_TOLERANCE = 0.03
# Strace and line units where every request takes the same path (``strace_units``).
EXACT = 50
STREAM_LINES_TOLERANCE = 0.02


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    requests_per_unit: int
    full_units: int
    quick_units: int
    build: Callable[[ModuleType, dict[str, str], ssl.SSLContext], Workload]
    # False where the counts depend on scheduling (which of several connections a request
    # gets, how many event-loop turns it waits): reported, never gated (docs/bench.md).
    deterministic: bool = True
    # Instructions per request vary this much between identical runs where the work itself
    # depends on timing: the gate's threshold is at least this. 0: within the gate's 0.5 %.
    # None does today: one-off https and streaming varied by 2-6 % until the count child
    # settled glibc's heap before each region (workload.settle_heap); A/A since, quick,
    # idle and beside a busy loop: one-off https 0.013 %, stream-read 0.42 %, stream-
    # iter_bytes 0.20 % (docs/bench.md, "Findings").
    instructions_tolerance: float = 0.0
    # System call kinds whose count per request varies between identical runs by more than
    # the gate's default tolerance (0.5), with the tolerance each gets instead: measured A/A
    # spreads (docs/reports.md). Every other non-waiting kind gets the default.
    syscall_tolerances: Mapping[str, float] = field(default_factory=dict)
    # Millions of instructions one unit costs, roughly (from a full run of httpx 0.28.1):
    # only to split the callgrind run into children of similar length, never a count.
    rough_cost: float = 1.0
    # Python lines per request (bench/counts/lines.py) vary this much between identical
    # runs (a relative spread, measured A/A); the gate's threshold is at least this.
    lines_tolerance: float = 0.0
    # What the memory pass measures for it (bench/counts/memory.py): "stream" or "read" (heap
    # peak against body size, gated), "client" (memory per Client(), reported), "" nothing.
    memory: str = ""
    # Units each region of the strace and line passes counts (the long region twice as
    # many), where fewer than ``units``: only where every request takes the same path, so
    # that the two regions' difference is exact with any number of units (checked: the
    # same figures to the last digit as with the callgrind run's units, docs/bench.md).
    # Those passes are the slowest per request (strace stops the child at each call; the
    # line tracer runs Python per line). 0: the callgrind run's units.
    strace_units: int = 0
    line_units: int = 0
    # Instructions per request: the median of one callgrind dump per unit, not the region's
    # mean, where a unit's work follows how many pieces its bytes arrive in (HTTP/2 frames,
    # 1 MiB bodies). A busy machine makes a few units read in more pieces: at load 6 the
    # region's mean moved by 2.5 % (http2-streams) and 1.5 % (stream-iter_bytes) between
    # identical runs (docs/bench.md); most units still take the common path.
    unit_median: bool = False
    # False: instructions are reported, never gated, though the scenario's lines and system
    # calls are. http2-streams: with one core busy, its instructions per request (the
    # median unit's) read 4.47 M against 3.68 M in the runs beside it, +21 %, while its
    # Python lines and system calls held (docs/bench.md): the work outside the client's
    # packages (the event loop, ssl) follows how the server's frames arrive.
    instructions_gated: bool = True

    def units(self, quick: bool) -> int:
        return self.quick_units if quick else self.full_units

    def pass_units(self, quick: bool, fewer: int) -> int:
        return min(fewer or self.units(quick), self.units(quick))


class Workload:
    """A built scenario: ``run(units)`` repeats the request pattern; ``close()`` ends it."""

    def __init__(self, run: Callable[[int], None], close: Callable[[], Any],
                 prepare: Callable[[], Any] = lambda: None) -> None:
        self.run = run
        self.close = close
        self.prepare = prepare


def _check(response: Any) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"{response.url} answered {response.status_code}")


def pooled(listener: str) -> Callable[[ModuleType, dict[str, str], ssl.SSLContext], Workload]:
    def build(httpx: ModuleType, urls: dict[str, str], context: ssl.SSLContext) -> Workload:
        client = httpx.Client(verify=context)
        url = urls[listener] + "/get"

        def run(units: int) -> None:
            for _ in range(units):
                _check(client.get(url))
        return Workload(run, client.close)
    return build


def one_off(listener: str) -> Callable[[ModuleType, dict[str, str], ssl.SSLContext], Workload]:
    def build(httpx: ModuleType, urls: dict[str, str], context: ssl.SSLContext) -> Workload:
        url = urls[listener] + "/get"
        # http: httpx's default verify (certifi's bundle loaded per call), what users pay;
        # https: the shared context, since the server's CA is private.
        options = {"verify": context} if listener == "https" else {}

        def run(units: int) -> None:
            for _ in range(units):
                _check(httpx.get(url, **options))
        return Workload(run, lambda: None)
    return build


def asynchronous(listener: str, gather: int, http2: bool = False,
                 client_per_task: bool = False) -> Callable[[ModuleType, dict[str, str],
                                                             ssl.SSLContext], Workload]:
    """``client_per_task``: each of the ``gather`` tasks has an AsyncClient (so a pool and a
    connection) of its own. One shared HTTP/1.1 pool does work per request that follows the
    interleaving: it scans every connection, idle ones checked for readability, whenever a
    request arrives or a response closes, and how many are idle then depends on when each
    response arrived (a shared pool of 10 measured 4,299-6,326 Python lines per request
    from one region to the next, and shrank from 10 connections to 5). With a pool per task
    the packages' work per request no longer depends on scheduling (docs/bench.md)."""
    def build(httpx: ModuleType, urls: dict[str, str], context: ssl.SSLContext) -> Workload:
        loop = asyncio.new_event_loop()
        owned = [httpx.AsyncClient(verify=context, http2=http2)
                 for _ in range(gather if client_per_task else 1)]
        client, clients = owned[0], owned if client_per_task else owned * gather
        url = urls[listener] + "/get"

        async def serial(units: int) -> None:
            for _ in range(units):
                _check(await client.get(url))

        async def gathered(units: int) -> None:
            for _ in range(units):
                for response in await asyncio.gather(*(each.get(url) for each in clients)):
                    _check(response)
                    if http2 and response.http_version != "HTTP/2":
                        raise RuntimeError(f"negotiated {response.http_version}, not HTTP/2")

        def run(units: int) -> None:
            loop.run_until_complete(gathered(units) if gather > 1 else serial(units))

        async def open_all() -> None:
            # Requests that overlap on the server open ``gather`` connections now, so the
            # counted region never opens one whose timing decides whether it is needed.
            await asyncio.gather(*(each.get(urls[listener] + "/delay/0.3")
                                   for each in clients))

        async def close_all() -> None:
            for each in owned:
                await each.aclose()

        def close() -> None:
            loop.run_until_complete(close_all())
            loop.close()
        return Workload(run, close, lambda: loop.run_until_complete(open_all()))
    return build


def streaming(how: str) -> Callable[[ModuleType, dict[str, str], ssl.SSLContext], Workload]:
    def build(httpx: ModuleType, urls: dict[str, str], context: ssl.SSLContext) -> Workload:
        client = httpx.Client(verify=context)
        url = f"{urls['http']}/bytes/{STREAM_BODY}"

        def run(units: int) -> None:
            for _ in range(units):
                with client.stream("GET", url) as response:
                    _check(response)
                    if how == "iter_bytes":
                        size = sum(len(chunk) for chunk in response.iter_bytes())
                    else:
                        size = len(response.read())
                    if size != STREAM_BODY:
                        raise RuntimeError(f"{url} gave {size} bytes")
        return Workload(run, client.close)
    return build


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("pooled-http", "Client.get, one pooled keep-alive connection, http",
             1, 500, 200, pooled("http"), rough_cost=1.5, strace_units=EXACT,
             line_units=EXACT),
    Scenario("pooled-https", "Client.get, one pooled keep-alive connection, https (TLS)",
             1, 500, 200, pooled("https"), rough_cost=1.5,
             line_units=EXACT),
    Scenario("oneoff-http", "httpx.get (default verify): new Client and connection per call, http",
             1, 10, 4, one_off("http"), rough_cost=200, memory="client"),
    Scenario("oneoff-https", "httpx.get(verify=shared context): new Client and TLS "
             "handshake per call", 1, 30, 15, one_off("https"), rough_cost=8),
    Scenario("async-serial", "AsyncClient.get awaited one after another, http",
             1, 500, 200, asynchronous("http", 1), rough_cost=3.5,
             strace_units=EXACT, line_units=EXACT),
    # Its Python lines are gated; its instructions and system calls still follow how many
    # event-loop turns each request waits, so they are reported only (docs/bench.md).
    Scenario("async-gathered", f"AsyncClient.get, {GATHER} gathered at once, one "
             "AsyncClient (one connection) per task, http", GATHER, 50, 20,
             asynchronous("http", GATHER, client_per_task=True), deterministic=False,
             rough_cost=60, line_units=EXACT // GATHER),
    Scenario("http2-streams", f"AsyncClient(http2=True), {GATHER} streams gathered on "
             "one connection", GATHER, 50, 20, asynchronous("https", GATHER, http2=True),
             lines_tolerance=H2_LINES_TOLERANCE, rough_cost=37, unit_median=True,
             instructions_gated=False),
    Scenario("stream-iter_bytes", f"Client.stream + iter_bytes over a {STREAM_BODY >> 20} "
             "MiB body, http", 1, 48, 24, streaming("iter_bytes"),
             instructions_tolerance=STREAM_INSTRUCTIONS_TOLERANCE,
             syscall_tolerances=STREAM_SYSCALL_TOLERANCES,
             lines_tolerance=STREAM_LINES_TOLERANCE, rough_cost=7.3, memory="stream",
             unit_median=True),
    Scenario("stream-read", f"Client.stream + read() of a {STREAM_BODY >> 20} MiB body, http",
             1, 48, 24, streaming("read"), instructions_tolerance=STREAM_INSTRUCTIONS_TOLERANCE,
             syscall_tolerances=STREAM_SYSCALL_TOLERANCES, lines_tolerance=STREAM_LINES_TOLERANCE,
             rough_cost=8.3, memory="read", unit_median=True),
)
BY_NAME = {s.name: s for s in SCENARIOS}
