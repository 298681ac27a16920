"""What changed between a baseline run (CI: the default branch's last good run) and this run.

Conformance: per target present in both runs, the claims whose outcome differs (observed
values are compared as ``upgrade`` does; observed-only changes are counted, not listed).
Benchmarks: per target with benchmarks in both runs, ``reports.compare``'s verdicts. The
verdict is the gated target's (the pinned one: the target the workflow's gate step
compares), decided by ``reports.compare.Comparison`` on the same files the gate step reads
(every bench*.json of the target, ``compare.target_side``); the other targets' rows inform.
Nothing here decides what fails: see docs/reports.md, "Where the verdict is decided".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from reports.errors import InputError
from reports.load import Run, load_results, target_key
from reports.matrix import PINNED_TARGET, claim_differences, run_claims

if TYPE_CHECKING:
    from reports.compare import Comparison


@dataclass
class BaselineComparison:
    run: str
    conformance: pd.DataFrame  # target, claim, change, before/after outcome and observed
    observed_only: int  # claims whose observed value changed but not their outcome
    new_targets: list[str] = field(default_factory=list)
    gone_targets: list[str] = field(default_factory=list)
    # compare's rows of every target with benchmarks in both runs, with its ``gates`` and
    # ``fails`` columns (both false for a target that does not gate: it informs)
    benchmarks: pd.DataFrame = field(default_factory=pd.DataFrame)
    benchmark_notes: list[str] = field(default_factory=list)
    gated: str = PINNED_TARGET  # the target whose benchmarks decide (the gate step's)
    verdict: Comparison | None = None  # compare's verdict on it; None: no bench on a side
    unjudged: str = ""  # why the gated target could not be compared at all

    def benchmark_verdict(self) -> tuple[str, str] | None:
        """(verdict, line) of the gated target's benchmarks, as ``python -m reports
        compare`` prints them; None when it has bench files on neither side."""
        if self.unjudged:
            return "could not judge", f"could not judge: {self.unjudged}"
        if self.verdict is None:
            return None
        return self.verdict.verdict(), self.verdict.verdict_line()

    @property
    def regressions(self) -> pd.DataFrame:
        """The rows that fail the verdict: ``Comparison.failing`` of the gated target."""
        return self.verdict.failing() if self.verdict is not None else pd.DataFrame()

    @property
    def timing_regressions(self) -> pd.DataFrame:
        """Regressions reported that do not fail the verdict (compare's ``fails`` false)."""
        table = self.benchmarks
        if table.empty:
            return table
        return table[(table["verdict"] == "regression") & ~table["fails"].astype(bool)]


def load_baseline(roots: Sequence[Path], current: str) -> Run:
    """The newest run under ``roots`` that is not the current run."""
    runs = [run for name, run in load_results(roots).items() if name != current]
    if not runs:
        raise InputError(", ".join(map(str, roots)), f"no baseline run other than {current}")
    return runs[-1]


def previous_baseline(runs: dict[str, Run], current: str, gated: str) -> Run | None:
    """The run before ``current`` (in ``runs``' order, oldest first) holding bench files of
    the gated target: what "did it regress?" means when no baseline is named."""
    names = list(runs)
    earlier = names[:names.index(current)] if current in names else []
    for name in reversed(earlier):
        results = runs[name].targets.get(gated)
        if results is not None and results.bench:
            return runs[name]
    return None


def compare_runs(baseline: Run, current: Run, gated: str = PINNED_TARGET) -> BaselineComparison:
    before, after = run_claims(baseline), run_claims(current)
    both = sorted(set(baseline.targets) & set(current.targets), key=target_key)
    frames, observed_only = [], 0
    for target in both:
        left = before[before["target"] == target].set_index("claim")
        right = after[after["target"] == target].set_index("claim")
        if left.empty or right.empty:
            continue
        differences = claim_differences(left, right)
        observed_only += int((differences["change"] == "observed").sum())
        changed = differences[differences["change"] != "observed"]
        if not changed.empty:
            frames.append(changed.assign(target=target))
    columns = ["target", "claim", "change", "before_outcome", "after_outcome",
               "before_observed", "after_observed", "after_message"]
    conformance = (pd.concat(frames, ignore_index=True)[columns] if frames
                   else pd.DataFrame(columns=columns))
    comparison = BaselineComparison(
        run=baseline.name, conformance=conformance, observed_only=observed_only,
        new_targets=sorted(set(current.targets) - set(baseline.targets), key=target_key),
        gone_targets=sorted(set(baseline.targets) - set(current.targets), key=target_key),
        gated=gated)
    _compare_benchmarks(baseline, current, both, comparison)
    return comparison


def _compare_benchmarks(baseline: Run, current: Run, targets: list[str],
                        comparison: BaselineComparison) -> None:
    """compare() per target on the target's bench files (all of them, as the gate step
    reads its target directory); the gated target's Comparison is the verdict."""
    from reports.compare import compare, target_side

    gated = comparison.gated
    old, new = baseline.targets.get(gated), current.targets.get(gated)
    sides = [bool(results and results.bench) for results in (old, new)]
    if sides == [True, False] or sides == [False, True]:
        # No evidence, no pass: the gate step's compare cannot read the missing side either.
        where = "in the baseline" if sides[0] else "in this run"
        comparison.unjudged = f"{gated} has bench files {where} only"
    frames = []
    for target in targets:
        old_results, new_results = baseline.targets[target], current.targets[target]
        if not old_results.bench or not new_results.bench:
            continue
        try:
            compared = compare(target_side(old_results), target_side(new_results))
        except InputError as error:
            if target == gated:
                comparison.unjudged = f"{target} not compared: {error}"
            comparison.benchmark_notes.append(f"{target}: not compared: {error}")
            continue
        table = compared.gating_table()
        if target == gated:
            comparison.verdict = compared
        else:  # another target's rows inform; they never fail the run
            table = table.assign(gates=False, fails=False)
        frames.append(table.assign(target=target))
    if frames:
        comparison.benchmarks = pd.concat(frames, ignore_index=True)
