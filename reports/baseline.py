"""What changed between a baseline run (CI: the default branch's last good run) and this run.

Conformance: per target present in both runs, the claims whose outcome differs (observed
values are compared as ``upgrade`` does; observed-only changes are counted, not listed).
Benchmarks: per target with benchmarks in both runs, ``reports.compare``'s verdicts (the
one place the regression rule lives), so summary.md and the gate step agree by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from reports.errors import InputError
from reports.load import Run, load_results, target_key
from reports.matrix import claim_differences, run_claims

# compare verdicts that count against a run ("missing" coverage: a benchmark the candidate
# lost). Counts absent on a side are not a regression but no evidence: cannot_judge.
FAILING_VERDICTS = ("regression", "missing")
# Which compare rows fail the verdict is compare's own rule (its "gates" column: work
# counts and coverage gate, timings inform), so summary.md and the gate step agree.


@dataclass
class BaselineComparison:
    run: str
    conformance: pd.DataFrame  # target, claim, change, before/after outcome and observed
    observed_only: int  # claims whose observed value changed but not their outcome
    new_targets: list[str] = field(default_factory=list)
    gone_targets: list[str] = field(default_factory=list)
    benchmarks: pd.DataFrame = field(default_factory=pd.DataFrame)
    benchmark_notes: list[str] = field(default_factory=list)
    cannot_judge: list[str] = field(default_factory=list)  # per target: counts missing

    @property
    def regressions(self) -> pd.DataFrame:
        """Regressions that fail the verdict (gating rows)."""
        return self._worse(gating=True)

    @property
    def timing_regressions(self) -> pd.DataFrame:
        """Regressions reported but not failing (rows compare marks as informative)."""
        return self._worse(gating=False)

    def _worse(self, gating: bool) -> pd.DataFrame:
        table = self.benchmarks
        if table.empty:
            return table
        gates = table["gates"].fillna(False).astype(bool)
        absent_counts = (table["verdict"] == "missing") & (table["kind"] == "counts")
        return table[table["verdict"].isin(FAILING_VERDICTS) & ~absent_counts
                     & (gates == gating)]


def load_baseline(roots: Sequence[Path], current: str) -> Run:
    """The newest run under ``roots`` that is not the current run."""
    runs = [run for name, run in load_results(roots).items() if name != current]
    if not runs:
        raise InputError(", ".join(map(str, roots)), f"no baseline run other than {current}")
    return runs[-1]


def compare_runs(baseline: Run, current: Run) -> BaselineComparison:
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
        gone_targets=sorted(set(baseline.targets) - set(current.targets), key=target_key))
    _compare_benchmarks(baseline, current, both, comparison)
    return comparison


def _compare_benchmarks(baseline: Run, current: Run, targets: list[str],
                        comparison: BaselineComparison) -> None:
    from reports.compare import compare

    frames = []
    for target in targets:
        old, new = baseline.targets[target].bench, current.targets[target].bench
        if not old or not new:
            continue
        try:
            compared = compare(old[-1][0], new[-1][0])
            table = compared.gating_table()
        except InputError as error:
            comparison.benchmark_notes.append(f"{target}: not compared: {error}")
            continue
        if missing := compared.missing_evidence():
            comparison.cannot_judge.append(f"{target}: {'; '.join(missing)}")
        frames.append(table.assign(target=target))
    if frames:
        comparison.benchmarks = pd.concat(frames, ignore_index=True)
