"""Open-loop scheduling maths: the schedule, latency from the scheduled time, the bounds."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from bench.open_loop import (
    DROPPED,
    UNFINISHED,
    closed_loop_capacity,
    new_histogram,
    percentiles_ms,
    run_open_loop,
    send_offsets,
)


def test_the_schedule_is_evenly_spaced_and_ends_before_the_duration() -> None:
    offsets = send_offsets(rate=200.0, duration=0.5)
    assert len(offsets) == 100
    assert offsets[0] == 0.0 and offsets[-1] == pytest.approx(0.495)
    gaps = {round(b - a, 9) for a, b in itertools.pairwise(offsets)}
    assert gaps == {0.005}
    assert len(send_offsets(rate=3.0, duration=1.0)) == 3
    with pytest.raises(ValueError):
        send_offsets(rate=0.0, duration=1.0)


def test_percentiles_come_from_the_histogram_in_milliseconds() -> None:
    histogram = new_histogram()
    for microseconds in range(1, 1001):  # 1 µs .. 1 ms, uniform
        histogram.record_value(microseconds)
    found = percentiles_ms(histogram)
    for name, expected in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999)):
        assert found[name] == pytest.approx(expected, rel=0.01)  # 3 significant digits
    assert percentiles_ms(new_histogram())["p99"] is None


def test_a_stall_counts_for_every_request_scheduled_during_it() -> None:
    """The loop blocks for 300 ms once: an open loop sees it in every request that was due
    meanwhile; timing each request from its actual send (a closed loop's view) hides it."""
    stall, rate = 0.3, 100.0
    calls = 0
    sent_at: list[float] = []
    answered_at: list[float] = []

    async def send() -> None:
        nonlocal calls
        calls += 1
        sent_at.append(time.perf_counter())
        if calls == 20:
            time.sleep(stall)  # blocks the event loop: the client stalls
        await asyncio.sleep(0.001)
        answered_at.append(time.perf_counter())

    result = asyncio.run(run_open_loop(send, rate, duration=1.0, drain=2.0, max_in_flight=500))
    assert result.completed == result.scheduled == 100 and not result.errors
    # Requests due during the stall each wait out the rest of it: about stall * rate of them,
    # the first the whole stall.
    late = [latency for latency in result.latencies if latency > 0.02]
    assert stall * rate * 0.8 <= len(late) <= stall * rate * 1.2
    assert max(result.latencies) >= stall
    assert percentiles_ms(result.histogram)["p90"] >= 1000 * stall / 2
    from_send = sorted(b - a for a, b in zip(sent_at, answered_at, strict=False))
    assert from_send[len(from_send) * 9 // 10] < stall / 10  # what coordinated omission shows
    assert result.most_late >= stall * 0.9


def test_the_achieved_rate_follows_the_offered_rate_when_there_is_room() -> None:
    async def send() -> None:
        await asyncio.sleep(0.002)

    result = asyncio.run(run_open_loop(send, 200.0, duration=1.0, drain=1.0, max_in_flight=50))
    assert result.completed == 200
    assert result.achieved_rate == pytest.approx(200.0, rel=0.05)


def test_in_flight_cap_and_drain_bound_the_run_and_are_counted() -> None:
    async def hang() -> None:
        await asyncio.sleep(60)

    started = time.perf_counter()
    result = asyncio.run(run_open_loop(hang, 100.0, duration=0.3, drain=0.2, max_in_flight=10))
    assert time.perf_counter() - started < 1.5
    assert result.completed == 0
    assert result.errors == {DROPPED: 20, UNFINISHED: 10}


def test_failures_are_counted_by_kind() -> None:
    async def fail() -> None:
        raise ConnectionResetError

    result = asyncio.run(run_open_loop(fail, 50.0, duration=0.2, drain=1.0, max_in_flight=10))
    assert result.errors == {"ConnectionResetError": 10} and result.completed == 0


def test_closed_loop_capacity_is_completions_per_second() -> None:
    async def send() -> None:
        await asyncio.sleep(0.01)

    rate = asyncio.run(closed_loop_capacity(send, concurrency=4, seconds=0.5))
    assert 4 / 0.01 * 0.7 <= rate <= 4 / 0.01 * 1.05  # 4 workers, 10 ms each, minus overhead
