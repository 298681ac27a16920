"""Dispersion and ratio maths for interleaved rounds: medians, quartiles, CV, headlines."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Spread:
    """Median and interquartile range of a sample, with its coefficient of variation."""

    median: float
    q1: float
    q3: float
    cv: float | None  # stdev / mean; None below two samples or for a zero mean
    n: int

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1


def spread(samples: Sequence[float]) -> Spread:
    """Median, quartiles (linear interpolation, as numpy's default) and CV of ``samples``."""
    if not samples:
        raise ValueError("no samples")
    values = sorted(samples)
    if len(values) == 1:
        return Spread(values[0], values[0], values[0], None, 1)
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return Spread(median, q1, q3, coefficient_of_variation(values), len(values))


def coefficient_of_variation(samples: Sequence[float]) -> float | None:
    if len(samples) < 2:
        return None
    mean = statistics.fmean(samples)
    return statistics.stdev(samples) / mean if mean else None


def per_round_ratios(numerator: Sequence[float], denominator: Sequence[float]) -> list[float]:
    """``numerator[i] / denominator[i]`` for each round i: rounds pair up, runs never mix."""
    if len(numerator) != len(denominator):
        raise ValueError(f"rounds differ: {len(numerator)} vs {len(denominator)}")
    return [n / d for n, d in zip(numerator, denominator, strict=True) if d > 0]


def headline(name: str, numerator_label: str, denominator_label: str,
             numerator: Sequence[float], denominator: Sequence[float], *, unit: str,
             better: str, ideal: float | None = None,
             floor: float | None = None) -> dict[str, Any]:
    """The ``extra_info["headline"]`` document: per-round ratios, their median and IQR.

    The ratio of round i is ``numerator[i] / denominator[i]``; pass the slower variant's
    times as the numerator for an "x faster" ratio. ``better`` ("higher" or "lower") says
    which way a change is an improvement, so regression verdicts need not guess.
    """
    if better not in ("higher", "lower"):
        raise ValueError(f"better must be 'higher' or 'lower', not {better!r}")
    ratios = per_round_ratios(numerator, denominator)
    summary = spread(ratios)
    return {
        "name": name,
        "ratio_median": summary.median,
        "ratio_q1": summary.q1,
        "ratio_q3": summary.q3,
        "ratio_samples": ratios,
        "ideal": ideal,
        "floor": floor,
        "unit": unit,
        "better": better,
        "numerator": numerator_label,
        "denominator": denominator_label,
    }


def median_ratio(numerator: Sequence[float], denominator: Sequence[float]) -> float:
    """Median of the per-round ratios (used for floors, which need no quartiles)."""
    return spread(per_round_ratios(numerator, denominator)).median
