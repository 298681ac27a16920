"""The benchmark suite's arithmetic: spreads, per-round ratios, headlines, interleaving."""

from __future__ import annotations

import pytest

from bench.measure import Outcome, Variant, measure_interleaved
from bench.ratios import coefficient_of_variation, headline, per_round_ratios, spread
from bench.summary import format_headlines, headline_row


def test_spread_gives_median_and_quartiles_like_numpy() -> None:
    result = spread([5.0, 1.0, 4.0, 2.0, 3.0])  # order must not matter
    assert (result.q1, result.median, result.q3) == (2.0, 3.0, 4.0)
    assert result.iqr == 2.0
    assert result.n == 5


def test_spread_of_one_sample_has_no_cv_and_no_width() -> None:
    result = spread([7.0])
    assert (result.q1, result.median, result.q3, result.cv) == (7.0, 7.0, 7.0, None)


def test_spread_refuses_no_samples() -> None:
    with pytest.raises(ValueError, match="no samples"):
        spread([])


def test_coefficient_of_variation_is_stdev_over_mean() -> None:
    assert coefficient_of_variation([1.0, 1.0, 1.0]) == 0.0
    assert coefficient_of_variation([1.0, 3.0]) == pytest.approx(2**0.5 / 2)


def test_ratios_pair_rounds_and_never_mix_them() -> None:
    # A drift that doubles both variants' times in round 2 leaves the ratio unchanged.
    assert per_round_ratios([10.0, 20.0], [2.0, 4.0]) == [5.0, 5.0]
    with pytest.raises(ValueError, match="rounds differ"):
        per_round_ratios([1.0, 2.0], [1.0])


def test_headline_carries_samples_median_quartiles_ideal_and_floor() -> None:
    h = headline("pooled/one-off", "one-off", "pooled", [4.0, 6.0, 8.0], [2.0, 2.0, 2.0],
                 unit="x faster", better="higher", ideal=None, floor=1.5)
    assert h["ratio_samples"] == [2.0, 3.0, 4.0]
    assert h["better"] == "higher"
    assert (h["ratio_q1"], h["ratio_median"], h["ratio_q3"]) == (2.5, 3.0, 3.5)
    assert (h["ideal"], h["floor"], h["numerator"], h["denominator"]) == (
        None, 1.5, "one-off", "pooled")


def test_headline_must_say_which_way_is_better() -> None:
    with pytest.raises(ValueError, match="better"):
        headline("a/b", "a", "b", [1.0], [1.0], unit="x", better="up")


def test_summary_table_shows_each_headline_once_and_marks_server_bound() -> None:
    h = headline("gather/serial", "serial", "gather", [9.0], [1.0], unit="x", better="higher",
                 ideal=10.0)
    text = format_headlines([headline_row("case-a", {"headline": h, "server_bound": True})])
    assert text.count("gather/serial") == 1
    assert "SERVER-BOUND" in text and "10" in text


def test_interleaving_rotates_order_and_discards_warmup() -> None:
    calls: list[str] = []

    def variant(name: str) -> Variant:
        def batch() -> Outcome:
            calls.append(name)
            return Outcome(3)
        return Variant(name, batch, requests=3)

    clock = iter(range(1000))
    results = measure_interleaved([variant("A"), variant("B")], rounds=2, warmup_rounds=1,
                                  server_cpu=lambda: float(next(clock)))
    assert calls == ["A", "B", "B", "A", "A", "B"]  # round by round, first place rotating
    assert [len(s.rounds) for s in results.values()] == [2, 2]  # warm-up round not kept
    assert all(x.server_cpu == 1.0 for s in results.values() for x in s.slices())


def test_batch_failures_are_counted_not_hidden() -> None:
    def batch() -> Outcome:
        outcome = Outcome(8)
        outcome.failures["PoolTimeout"] += 2
        return outcome

    results = measure_interleaved([Variant("gather", batch, 10)], rounds=2, warmup_rounds=0,
                                  server_cpu=lambda: 0.0)
    assert results["gather"].failures() == {"PoolTimeout": 4}
