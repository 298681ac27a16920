"""Open-loop load: requests leave on a fixed schedule, whatever the earlier ones are doing.

A closed loop (send, wait, send) stops sending while the client stalls, so the stall is
measured once instead of once per request it delayed (coordinated omission). Here request
i is due at ``start + i / rate``; the sender issues every due request (late ones at once, in
a burst, as a real workload would) and each latency is taken from the request's *scheduled*
time, so time spent waiting to be sent counts. Latencies go into an HdrHistogram (1 µs to
2 min, 3 significant digits), as wrk2 records them.

Bounded: the schedule ends after ``duration``; answers are awaited ``drain`` seconds longer,
then what is still in flight is cancelled and counted as an error; at most
``max_in_flight`` requests are outstanding (a send beyond that is dropped and counted).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

PERCENTILES = (50.0, 90.0, 99.0, 99.9)
LOWEST_US, HIGHEST_US, DIGITS = 1, 120_000_000, 3
DROPPED = "dropped: in-flight cap"
UNFINISHED = "unfinished after drain"

Send = Callable[[], Awaitable[Any]]


def send_offsets(rate: float, duration: float) -> list[float]:
    """Scheduled send times, in seconds from the start: i / rate for every i / rate < duration."""
    if rate <= 0 or duration <= 0:
        raise ValueError("rate and duration must be positive")
    return [i / rate for i in range(math.ceil(rate * duration - 1e-9))]


def new_histogram() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, DIGITS)


def percentiles_ms(histogram: HdrHistogram) -> dict[str, float | None]:
    """p50, p90, p99, p99.9 and max in milliseconds (None with no samples)."""
    empty = histogram.get_total_count() == 0
    found: dict[str, float | None] = {
        f"p{p:g}": None if empty else histogram.get_value_at_percentile(p) / 1000
        for p in PERCENTILES}
    found["max"] = None if empty else histogram.get_max_value() / 1000
    return found


@dataclass
class OpenLoopResult:
    offered_rate: float
    duration: float
    scheduled: int
    completed: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)  # seconds, in completion order
    histogram: HdrHistogram = field(default_factory=new_histogram)
    last_completion: float = 0.0  # seconds from the start
    most_late: float = 0.0  # the largest delay between a scheduled time and its send
    peak_in_flight: int = 0

    @property
    def achieved_rate(self) -> float:
        """Completed requests per second, over the time from start to the last answer."""
        return self.completed / self.last_completion if self.last_completion > 0 else 0.0

    def summary(self) -> dict[str, Any]:
        return {"offered_rate": self.offered_rate, "achieved_rate": self.achieved_rate,
                "scheduled": self.scheduled, "completed": self.completed,
                "errors": dict(self.errors), "error_count": sum(self.errors.values()),
                "duration_seconds": self.duration, "most_late_send_ms": 1000 * self.most_late,
                "peak_in_flight": self.peak_in_flight,
                "latency_ms": percentiles_ms(self.histogram)}


async def run_open_loop(send: Send, rate: float, duration: float, drain: float,
                        max_in_flight: int) -> OpenLoopResult:
    """Send on schedule at ``rate`` for ``duration``; latency from each scheduled time."""
    loop = asyncio.get_running_loop()
    offsets = send_offsets(rate, duration)
    result = OpenLoopResult(rate, duration, len(offsets))
    in_flight: set[asyncio.Task[None]] = set()
    start = loop.time()

    async def one(due: float) -> None:
        try:
            await send()
        except Exception as error:  # counted by kind, never retried
            result.errors[type(error).__name__] += 1
            return
        now = loop.time()
        latency = now - due
        result.latencies.append(latency)
        result.histogram.record_value(max(LOWEST_US, min(HIGHEST_US, round(latency * 1e6))))
        result.completed += 1
        result.last_completion = now - start

    for offset in offsets:
        due = start + offset
        wait = due - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        result.most_late = max(result.most_late, loop.time() - due)
        if len(in_flight) >= max_in_flight:
            result.errors[DROPPED] += 1
            continue
        task = loop.create_task(one(due))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
        result.peak_in_flight = max(result.peak_in_flight, len(in_flight))
    if in_flight:
        _, pending = await asyncio.wait(set(in_flight), timeout=drain)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if pending:
            result.errors[UNFINISHED] += len(pending)
    return result


async def closed_loop_capacity(send: Send, concurrency: int, seconds: float) -> float:
    """Requests per second that ``concurrency`` workers sustain sending back to back."""
    completed = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal completed
        while time.perf_counter() < deadline:
            await send()
            completed += 1

    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(concurrency))),
                           seconds + 30)
    return completed / (time.perf_counter() - started)


def load_table(results: Sequence[tuple[str, float, OpenLoopResult]]) -> str:
    """One line per (protocol, load): offered, achieved, percentiles, errors (progress)."""
    lines = []
    for protocol, fraction, r in results:
        p = percentiles_ms(r.histogram)
        shown = "  ".join(f"{k} {v:.1f}" if v is not None else f"{k} -" for k, v in p.items())
        lines.append(f"{protocol} {fraction:.0%}: offered {r.offered_rate:.0f}/s, achieved "
                     f"{r.achieved_rate:.0f}/s, ms: {shown}, errors {sum(r.errors.values())}")
    return "\n".join(lines)
