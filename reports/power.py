"""How small a change of an in-run ratio ``compare`` can detect, from A/A bench runs.

``python -m reports.power RUN.json RUN.json [...] [--slices S] [--rounds N]`` reads two or
more bench files of the same code and, for every headline, prints: the per-round spread
(root mean square of the per-round log ratios about the run's median), the smallest change
``compare`` could detect between two of the runs (half-width of its interval,
``reports.compare.shift_interval``), and two bootstrap rates over every ordered pair of
runs: how often a planted change (default 10 %, in the worse direction) made that headline
a ``regression``, and how often the same draws unplanted made it move at all (A/A alarms).

The rule applied to the draws is compare's (one-sided Mann-Whitney U each way,
Benjamini-Hochberg over the table, ``min_effect`` and ``alpha`` from reports.compare), with
the table padded to ``--tests`` p-values (a full run's headline table: 23 headlines, 46
tests), so the correction is as strict as in a full comparison. ``--slices S`` regroups the
kept slices (``extra_info["slice_walls"]``) into rounds of S slices before anything else, so
one run answers "more, shorter rounds?" with the same timed seconds; ``--clock cpus`` derives
the ratios from the slices' client CPU time (``slice_cpus``) instead of their wall time.
``--rounds N`` draws N rounds a side instead of the run's own number (rounds assumed
independent).

``--timings VERDICT.json [...]`` asks the same of the upgrade's interleaved timings
(``verdict.json`` of an A/A ``upgrade`` run): per scenario, the share of bootstrap draws of
N rounds (default the run's) whose verdict under upgrade.timing's rule is ``slower`` with
the planted change, and ``slower`` or ``faster`` without it (false alarms).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import false_discovery_control, mannwhitneyu

from reports.compare import DEFAULT_ALPHA, DEFAULT_MIN_EFFECT, shift_interval
from upgrade.timing import Headline as TimingHeadline

FULL_TABLE_TESTS = 46  # 23 timing headlines in a full run, two one-sided tests each


@dataclass
class Headline:
    name: str
    lower_is_better: bool
    samples: list[float]


def read_headlines(path: Path, slices: int | None = None,
                   clock: str = "walls") -> dict[str, Headline]:
    """Every headline of a bench file by test name; regrouped into rounds of ``slices``."""
    benchmarks = json.loads(path.read_text())["benchmarks"]
    by_variant = {(b["extra_info"].get("variant"), b["extra_info"].get("transport"),
                   b.get("group")): b["extra_info"] for b in benchmarks}
    found = {}
    for bench in benchmarks:
        extra = bench["extra_info"]
        document = extra.get("headline")
        if not document:
            continue
        samples = [float(x) for x in document["ratio_samples"]]
        if slices is not None or clock != "walls":
            key = (extra.get("transport"), bench.get("group"))
            top = by_variant.get((document["numerator"], *key))
            bottom = by_variant.get((document["denominator"], *key))
            if top is None or bottom is None or f"slice_{clock}" not in top:
                raise ValueError(f"{path}: {bench['name']} has no slice_{clock} to regroup")
            samples = regrouped_ratios(top, bottom, slices or top["slices_per_round"], clock)
        found[bench["name"]] = Headline(document["name"], document.get("better") == "lower",
                                        samples)
    return found


def regrouped_ratios(top: dict[str, Any], bottom: dict[str, Any], slices: int,
                     clock: str = "walls") -> list[float]:
    """Per-round ratios of per-request medians, rounds made of ``slices`` consecutive
    slices (passes), both sides cut at the same places."""
    def per_request(extra: dict[str, Any]) -> list[float]:
        walls = [w for round_walls in extra[f"slice_{clock}"] for w in round_walls]
        return [w / extra["requests_per_batch"] for w in walls]
    a, b = per_request(top), per_request(bottom)
    rounds = len(a) // slices
    return [statistics.median(a[i * slices:(i + 1) * slices])
            / statistics.median(b[i * slices:(i + 1) * slices]) for i in range(rounds)]


def log_spread(samples: Sequence[float]) -> float:
    """Root mean square of the log ratios about their median, as a relative spread."""
    centre = math.log(statistics.median(samples))
    return math.expm1(math.sqrt(statistics.fmean((math.log(x) - centre) ** 2
                                                 for x in samples)))


def detectable(a: Sequence[float], b: Sequence[float], alpha: float = DEFAULT_ALPHA) -> float:
    """The smallest change compare's interval could tell from none (its half-width)."""
    low, high = shift_interval(a, b, alpha)
    return math.expm1((high - low) / 2)


def verdicts(base: np.ndarray, cand: np.ndarray, lower: np.ndarray, tests: int,
             alpha: float = DEFAULT_ALPHA,
             min_effect: float = DEFAULT_MIN_EFFECT) -> np.ndarray:
    """compare's timing rule for (draws, headlines, rounds) arrays of ratios: +1 where a
    headline is a regression, -1 an improvement, 0 neither, per draw."""
    worse_alt = np.where(lower, "greater", "less")
    draws, heads, _ = base.shape
    p_worse = np.empty((draws, heads))
    p_better = np.empty((draws, heads))
    for h in range(heads):
        better_alt = "less" if worse_alt[h] == "greater" else "greater"
        p_worse[:, h] = mannwhitneyu(cand[:, h], base[:, h], alternative=worse_alt[h],
                                     axis=1).pvalue
        p_better[:, h] = mannwhitneyu(cand[:, h], base[:, h], alternative=better_alt,
                                      axis=1).pvalue
    ratio = np.median(cand, axis=2) / np.median(base, axis=2)
    worse_by = np.where(lower, ratio - 1, 1 / ratio - 1)
    better_by = np.where(lower, 1 / ratio - 1, ratio - 1)
    padding = max(0, tests - 2 * heads)
    out = np.zeros((draws, heads), dtype=int)
    for d in range(draws):
        ps = np.concatenate([p_worse[d], p_better[d], np.ones(padding)])
        q = false_discovery_control(ps, method="bh")
        q_worse, q_better = q[:heads], q[heads:2 * heads]
        out[d] = np.where((worse_by[d] > min_effect) & (q_worse < alpha), 1,
                          np.where((better_by[d] > min_effect) & (q_better < alpha), -1, 0))
    return out


def bootstrap(runs: Sequence[dict[str, Headline]], names: list[str], planted: float,
              draws: int, rounds: int | None, tests: int,
              seed: int = 19) -> tuple[np.ndarray, np.ndarray]:
    """(detected, alarms) per headline: the share of draws over all ordered run pairs in
    which a planted change was a regression, and in which the unplanted draw moved."""
    rng = np.random.default_rng(seed)
    lower = np.array([runs[0][n].lower_is_better for n in names])
    hits = np.zeros(len(names))
    alarms = np.zeros(len(names))
    pairs = list(itertools.permutations(range(len(runs)), 2))
    for x, y in pairs:
        def draw(run: dict[str, Headline]) -> np.ndarray:
            n = rounds or min(len(run[name].samples) for name in names)
            return np.stack([np.array(run[name].samples)[
                rng.integers(0, len(run[name].samples), size=(draws, n))]
                for name in names], axis=1)
        base, cand = draw(runs[x]), draw(runs[y])
        alarms += (verdicts(base, cand, lower, tests) != 0).mean(axis=0)
        for h in range(len(names)):
            planted_cand = cand.copy()
            planted_cand[:, h] *= (1 + planted) if lower[h] else 1 / (1 + planted)
            hits[h] += (verdicts(base, planted_cand, lower, tests)[:, h] == 1).mean()
    return hits / len(pairs), alarms / len(pairs)


def timing_power(ratios: Sequence[float], planted: float, draws: int, rounds: int | None,
                 seed: int = 19) -> tuple[float, float, float]:
    """(detected, alarms, same) for one upgrade timing scenario's TO/FROM ratios: shares
    of draws called ``slower`` with a planted slowdown, ``slower``/``faster`` without it,
    and ``same within`` without it, under upgrade.timing's verdict rule."""
    rng = np.random.default_rng(seed)
    n = rounds or len(ratios)
    values = np.array(ratios)
    detected = alarms = same = 0
    for _ in range(draws):
        drawn = list(values[rng.integers(0, len(values), size=n)])
        if TimingHeadline("", cpu_ratios=[x * (1 + planted) for x in drawn]).verdict() \
                == "slower":
            detected += 1
        verdict = TimingHeadline("", cpu_ratios=drawn).verdict()
        alarms += verdict in ("slower", "faster")
        same += verdict.startswith("same")
    return detected / draws, alarms / draws, same / draws


def print_timing_power(paths: Sequence[Path], planted: float, draws: int,
                       rounds: int | None) -> None:
    print(f"run | scenario | rounds | median [95% CI] | {planted:.0%} slower detected | "
          "A/A alarms | A/A same")
    for path in paths:
        for scenario in json.loads(path.read_text())["timings"]:
            ratios = [float(x) for x in scenario["cpu_ratios"]]
            if not ratios:
                continue
            detected, alarms, same = timing_power(ratios, planted, draws, rounds)
            shown = TimingHeadline("", cpu_ratios=ratios).as_dict()
            interval = (f"[{shown['cpu_ratio_low']:.3f}-{shown['cpu_ratio_high']:.3f}]"
                        if shown["cpu_ratio_low"] else "[-]")
            print(f"{path} | {scenario['scenario']} | {rounds or len(ratios)} | "
                  f"{shown['cpu_ratio']:.3f} {interval} | {detected:.0%} | {alarms:.0%} | "
                  f"{same:.0%}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports.power", description=__doc__)
    parser.add_argument("runs", nargs="+", type=Path, help="bench JSON files of one code")
    parser.add_argument("--timings", action="store_true",
                        help="the files are A/A upgrade verdict.json files: judge their timings")
    parser.add_argument("--slices", type=int, help="regroup kept slices into rounds of S")
    parser.add_argument("--clock", choices=("walls", "cpus"), default="walls",
                        help="ratios of the slices' wall time (the headlines') or client CPU")
    parser.add_argument("--rounds", type=int, help="rounds drawn per side (default: the run's)")
    parser.add_argument("--planted", type=float, default=0.10)
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--tests", type=int, default=FULL_TABLE_TESTS)
    args = parser.parse_args(argv)
    if args.timings:
        try:
            print_timing_power(args.runs, args.planted, args.draws, args.rounds)
        except (OSError, ValueError, KeyError, TypeError) as error:
            print(f"reports.power: cannot read the timings: {error!r}", file=sys.stderr)
            return 2
        return 0
    if len(args.runs) < 2:
        parser.error("two or more runs are needed")
    try:
        runs = [read_headlines(path, args.slices, args.clock) for path in args.runs]
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"reports.power: cannot read the runs: {error!r}", file=sys.stderr)
        return 2
    names = sorted(set.intersection(*(set(r) for r in runs)))
    detected, alarms = bootstrap(runs, names, args.planted, args.draws, args.rounds,
                                 args.tests)
    print("headline | rounds | per-round spread | smallest detectable (A/A) | "
          f"{args.planted:.0%} detected | A/A alarms")
    for i, name in enumerate(names):
        spreads = [log_spread(r[name].samples) for r in runs]
        smallest = [detectable(a[name].samples, b[name].samples)
                    for a, b in itertools.combinations(runs, 2)]
        print(f"{name} | {len(runs[0][name].samples)} | "
              f"{min(spreads):.1%}-{max(spreads):.1%} | "
              f"{min(smallest):.1%}-{max(smallest):.1%} | {detected[i]:.0%} | {alarms[i]:.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
