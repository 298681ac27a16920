"""The crossover RTT and the physical least times, on synthetic data."""

from __future__ import annotations

import pytest

from bench.crossover import (
    AHEAD,
    BEHIND,
    FALLS_BEHIND,
    OVERTAKES,
    crossover,
    fresh_client_seconds,
    waves,
)


def test_overtaking_is_interpolated_between_the_bracketing_rtts() -> None:
    found = crossover([(0, 0.5), (10, 0.8), (20, 1.2), (50, 2.0)])
    assert found.status == OVERTAKES
    assert found.rtt_ms == pytest.approx(15.0)  # 0.8 -> 1.2 crosses 1 halfway
    assert "overtakes at ~15" in found.describe()


def test_points_are_sorted_by_rtt_first() -> None:
    assert crossover([(50, 2.0), (0, 0.5), (20, 1.5)]).rtt_ms == pytest.approx(
        0 + (1 - 0.5) / (1.5 - 0.5) * 20)


def test_ahead_everywhere_and_behind_everywhere() -> None:
    assert crossover([(0, 1.3), (100, 4.0)]) == crossover([(100, 4.0), (0, 1.3)])
    assert crossover([(0, 1.3), (100, 4.0)]).status == AHEAD
    assert crossover([(0, 1.3), (100, 4.0)]).rtt_ms == 0
    assert crossover([(0, 0.9), (100, 0.7)]).status == BEHIND
    assert crossover([(0, 0.9), (100, 0.7)]).rtt_ms is None


def test_falling_behind_at_large_rtts_is_reported_as_such() -> None:
    found = crossover([(0, 2.0), (20, 1.5), (50, 0.75)])
    assert found.status == FALLS_BEHIND
    assert found.rtt_ms == pytest.approx(20 + 0.5 / 0.75 * 30)


def test_the_last_change_of_side_decides() -> None:
    # Noise near 1 at small RTTs: what holds at the largest RTTs is the answer.
    found = crossover([(0, 1.05), (1, 0.95), (5, 0.9), (20, 1.1), (50, 1.5)])
    assert found.status == OVERTAKES and 5 < found.rtt_ms < 20


def test_exactly_one_counts_as_caught_up() -> None:
    assert crossover([(0, 0.5), (10, 1.0)]).rtt_ms == pytest.approx(10)


def test_no_points_is_an_error() -> None:
    with pytest.raises(ValueError):
        crossover([])


@pytest.mark.parametrize(("n", "k", "expected"), [(100, 10, 10), (101, 10, 11), (10, 100, 1),
                                                  (1, 1, 1)])
def test_waves_are_the_ceiling_of_n_over_k(n: int, k: int, expected: int) -> None:
    assert waves(n, k) == expected


def test_fresh_client_time_is_setup_then_waves() -> None:
    # TLS: TCP + TLS 1.3 handshakes (2 RTTs), then ceil(100/10) = 10 waves of RTT + delay.
    assert fresh_client_seconds(0.05, 100, 10, 0.02) == pytest.approx(0.1 + 10 * 0.07)
    assert fresh_client_seconds(0.05, 100, 10, 0.0, tls=False) == pytest.approx(0.05 + 0.5)
    # httpx's HTTP/2: one stream until the server's SETTINGS arrive, one RTT more.
    assert fresh_client_seconds(0.05, 50, 100, 0.0, settings_wait=True) == pytest.approx(0.2)
    assert fresh_client_seconds(0.05, 1, 100, 0.0, settings_wait=True) == pytest.approx(0.15)
    assert fresh_client_seconds(0.0, 100, 1, 0.0) == 0.0
