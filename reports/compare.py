"""Regression verdicts: two runs compared benchmark by benchmark on their raw samples.

The rule (one place, documented in docs/reports.md): a benchmark regressed when

* its median got worse by more than ``min_effect`` (default 5 %): for timings the
  candidate's median over the baseline's minus one; for a higher-is-better headline ratio
  the baseline's median over the candidate's minus one; and
* the change is significant: a one-sided Mann-Whitney U test (scipy) of the candidate's
  samples against the baseline's gives p < ``alpha`` (default 0.01).

Both conditions are needed: significance alone flags tiny real changes on quiet machines,
size alone flags noise on busy ones. An improvement is the mirror image and never fails.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from scipy.stats import mannwhitneyu

from reports.errors import InputError
from reports.load import (
    REPORT_DIRECTORY,
    is_complete,
    load_results,
    natural_key,
    result_files,
    target_key,
)
from reports.readers import read_bench, samples

DEFAULT_MIN_EFFECT = 0.05
DEFAULT_ALPHA = 0.01
HIGHER_IS_BETTER_UNITS = ("faster", "speedup", "throughput", "more")
SAVE_DATA_HINT = "rerun pytest-benchmark with --benchmark-save-data"


@dataclass(frozen=True)
class Series:
    """One set of samples to compare: a benchmark's timings or a headline's ratios."""

    target: str
    name: str
    samples: tuple[float, ...] | None
    lower_is_better: bool
    unit: str
    path: Path


@dataclass(frozen=True)
class Verdict:
    verdict: str  # regression | improvement | unchanged
    change: float  # candidate median / baseline median - 1
    worse_by: float  # > 0: how much worse, in the benchmark's own direction
    p_worse: float
    p_better: float


def judge(baseline: list[float] | tuple[float, ...], candidate: list[float] | tuple[float, ...],
          lower_is_better: bool = True, min_effect: float = DEFAULT_MIN_EFFECT,
          alpha: float = DEFAULT_ALPHA) -> Verdict:
    """The verdict for one benchmark's samples (see the module docstring for the rule)."""
    base, cand = statistics.median(baseline), statistics.median(candidate)
    if base <= 0 or cand <= 0:
        return Verdict("unchanged", float("nan"), float("nan"), 1.0, 1.0)
    change = cand / base - 1
    worse_by = change if lower_is_better else base / cand - 1
    better_by = base / cand - 1 if lower_is_better else change
    worse_side, better_side = ("greater", "less") if lower_is_better else ("less", "greater")
    p_worse = float(mannwhitneyu(candidate, baseline, alternative=worse_side).pvalue)
    p_better = float(mannwhitneyu(candidate, baseline, alternative=better_side).pvalue)
    if worse_by > min_effect and p_worse < alpha:
        verdict = "regression"
    elif better_by > min_effect and p_better < alpha:
        verdict = "improvement"
    else:
        verdict = "unchanged"
    return Verdict(verdict, change, worse_by, p_worse, p_better)


def headline_lower_is_better(headline: dict[str, Any]) -> bool:
    """A headline may say ``"better": "higher"|"lower"``; else its unit decides.

    "x faster", "speedup", "throughput" read as higher-is-better; anything else (memory
    "x of buffered", connections) as lower-is-better.
    """
    stated = headline.get("better")
    if stated in ("higher", "lower"):
        return stated == "lower"
    unit = str(headline.get("unit", "")).lower()
    return not any(word in unit for word in HIGHER_IS_BETTER_UNITS)


def bench_files(path: Path) -> list[Path]:
    """The pytest-benchmark files a command-line argument stands for.

    A file is itself; a target directory gives its bench*.json; a run directory gives
    those of every target in it.
    """
    if not path.exists():
        raise InputError(path, "no such file or directory")
    if path.is_file():
        return [path]
    found = result_files(path, "bench")
    if not found:
        for target in sorted(path.iterdir(), key=lambda p: target_key(p.name)):
            if target.is_dir() and target.name != REPORT_DIRECTORY:
                found.extend(result_files(target, "bench"))
    if not found:
        raise InputError(path, "no bench*.json here or in its target directories")
    return found


def read_series(path: Path) -> list[Series]:
    """Every benchmark and headline in the files ``path`` stands for."""
    series: dict[tuple[str, str], Series] = {}
    for file in bench_files(path):
        document = read_bench(file)
        harness = document["machine_info"].get("harness") or {}
        target = str(harness.get("target") or file.parent.name)
        for bench in document["benchmarks"]:
            name = bench["fullname"]
            timings = samples(bench)
            series[(target, name)] = Series(target, name, tuple(timings) if timings else None,
                                            True, "s", file)
            headline = (bench.get("extra_info") or {}).get("headline") or {}
            ratios = headline.get("ratio_samples")
            if isinstance(ratios, list) and len(ratios) >= 2:
                label = f"{name} [{headline.get('name', 'headline')}]"
                series[(target, label)] = Series(
                    target, label, tuple(float(x) for x in ratios),
                    headline_lower_is_better(headline), str(headline.get("unit", "")), file)
    return list(series.values())


def previous_and_newest(roots: Sequence[Path]) -> tuple[Path, Path]:
    """The run directories of the two newest runs that hold complete benchmark results."""
    runs = [run for run in load_results(roots).values()  # complete runs only: see is_complete
            if any(results.bench and all(is_complete(doc) for _, doc in results.bench)
                   for results in run.targets.values())]
    if len(runs) < 2:
        where = ", ".join(str(root) for root in roots)
        raise InputError(where, f"--previous needs two runs with benchmarks, found {len(runs)}")
    return runs[-2].directories[0], runs[-1].directories[0]


def compare(baseline: Path, candidate: Path, min_effect: float = DEFAULT_MIN_EFFECT,
            alpha: float = DEFAULT_ALPHA) -> pd.DataFrame:
    """One row per benchmark present on both sides, with its verdict."""
    before, after = read_series(baseline), read_series(candidate)
    # One target per side (two files, two target directories): match by benchmark name, so
    # httpx-0.27.2 can be compared with httpx-0.28.1. Otherwise match target and name.
    by_name = len({s.target for s in before}) == 1 and len({s.target for s in after}) == 1

    def key(series: Series) -> tuple[str, str]:
        return ("", series.name) if by_name else (series.target, series.name)

    earlier = {key(s): s for s in before}
    common = [(earlier[key(s)], s) for s in after if key(s) in earlier]
    if not common:
        raise InputError(f"{baseline} vs {candidate}", "no benchmark in common")
    rows = []
    for old, new in sorted(common, key=lambda pair: (target_key(pair[1].target),
                                                      natural_key(pair[1].name))):
        for side in (old, new):
            if side.samples is None:
                raise InputError(side.path, f"benchmark {side.name!r} has no raw samples "
                                            f"(stats.data): {SAVE_DATA_HINT}")
        verdict = judge(old.samples, new.samples, new.lower_is_better, min_effect, alpha)
        rows.append({
            "target": new.target if not by_name else f"{old.target} -> {new.target}",
            "benchmark": new.name, "unit": new.unit,
            "better": "lower" if new.lower_is_better else "higher",
            "n_baseline": len(old.samples), "n_candidate": len(new.samples),
            "median_baseline": statistics.median(old.samples),
            "median_candidate": statistics.median(new.samples),
            "change": verdict.change, "p_worse": verdict.p_worse,
            "verdict": verdict.verdict,
        })
    return pd.DataFrame(rows)
