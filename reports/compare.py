"""Regression verdicts: what two bench runs say, kind by kind (rules in docs/reports.md).

* **Counts** (``extra_info["counts"]``, from bench/test_counts.py) gate exactly:
  instructions per request worse by more than ``instructions_threshold`` (0.5 %); any
  system call kind outside the waiting kinds up by more than ``syscall_tolerance`` (0.5
  per request); connections per request up at all. Scenarios whose counts depend on
  scheduling (``deterministic`` false) are reported, never gated.
* **Timings** are judged on in-run ratios only (each headline's per-round ratios, so the
  machine's mood cancels): a one-sided Mann-Whitney U test each way, p-values corrected
  with Benjamini-Hochberg over the whole table, and the median ratio moved by more than
  ``min_effect``. Where the sample sizes cannot reach ``alpha`` even uncorrected the
  verdict is ``inconclusive``. Raw seconds from two runs are never compared.
* **Coverage**: a benchmark in the baseline and not in the candidate is ``missing``.

A count regression or a missing benchmark fails the gate; a timing regression does only
with ``gate_timings``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from scipy.stats import false_discovery_control, mannwhitneyu

from reports.errors import InputError
from reports.load import (
    REPORT_DIRECTORY,
    is_complete,
    load_results,
    natural_key,
    result_files,
    target_key,
)
from reports.readers import read_bench

DEFAULT_MIN_EFFECT = 0.05
DEFAULT_ALPHA = 0.01
DEFAULT_INSTRUCTIONS_THRESHOLD = 0.005
DEFAULT_SYSCALL_TOLERANCE = 0.5
HIGHER_IS_BETTER_UNITS = ("faster", "speedup", "throughput", "more")
# How many of these a request makes depends on when data arrives (a read that would block
# becomes a poll and another read) or on event-loop turns: reported, not gated.
WAITING_SYSCALLS = frozenset({
    "read", "readv", "recvfrom", "recvmsg", "recv", "poll", "ppoll", "select", "pselect6",
    "epoll_wait", "epoll_pwait", "epoll_ctl", "futex", "sched_yield", "clock_nanosleep",
    "getpid", "getpeername", "newfstatat",  # asyncio/anyio calls these once per loop turn
})
ENVIRONMENT_KEYS = ("python", "implementation", "platform", "engine", "harness_version",
                    "quick", "count_children")
VERDICTS = ("regression", "improvement", "inconclusive", "missing")


@dataclass(frozen=True)
class Thresholds:
    instructions: float = DEFAULT_INSTRUCTIONS_THRESHOLD
    syscalls: float = DEFAULT_SYSCALL_TOLERANCE
    min_effect: float = DEFAULT_MIN_EFFECT
    alpha: float = DEFAULT_ALPHA


@dataclass
class Side:
    """One side of a comparison: its benchmarks by key, and the environments it ran in."""

    entries: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    environments: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Comparison:
    table: pd.DataFrame
    warnings: list[str]
    gate_timings: bool

    def count(self, kind: str, verdict: str) -> int:
        if self.table.empty:
            return 0
        return int(((self.table["kind"] == kind) & (self.table["verdict"] == verdict)).sum())

    @property
    def gating_kinds(self) -> tuple[str, ...]:
        """The kinds of row whose regression (or missing benchmark) fails the gate."""
        return ("counts", "coverage", "timing") if self.gate_timings else ("counts", "coverage")

    def gating_table(self) -> pd.DataFrame:
        """The table with a boolean ``gates`` column: whether each row can fail the gate."""
        return self.table.assign(gates=self.table["kind"].isin(self.gating_kinds))

    def failed(self) -> bool:
        return any(self.count(kind, v) for kind in self.gating_kinds
                   for v in ("regression", "missing"))

    def summary(self) -> str:
        def part(kind: str, verdicts: Sequence[str]) -> str:
            return ", ".join(f"{self.count(kind, v)} {v}" for v in verdicts)

        timing_gate = "gating" if self.gate_timings else "not gating"
        new = self.count("coverage", "new")
        return (f"counts: {part('counts', ('regression', 'improvement', 'missing'))}; "
                f"timings ({timing_gate}): "
                f"{part('timing', ('regression', 'improvement', 'inconclusive'))}; "
                f"coverage: {self.count('coverage', 'missing')} missing, {new} new")


def headline_lower_is_better(headline: dict[str, Any]) -> bool:
    """A headline's ``"better"`` ("higher"|"lower") decides; else its unit does."""
    stated = headline.get("better")
    if stated in ("higher", "lower"):
        return stated == "lower"
    unit = str(headline.get("unit", "")).lower()
    return not any(word in unit for word in HIGHER_IS_BETTER_UNITS)


def bench_files(path: Path) -> list[Path]:
    """A file is itself; a target directory gives its bench*.json; a run directory, those
    of every target in it."""
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


def read_side(path: Path) -> Side:
    side = Side()
    for file in bench_files(path):
        document = read_bench(file)
        harness = document["machine_info"].get("harness") or {}
        side.environments.append(harness)
        target = str(harness.get("target") or file.parent.name)
        for bench in document["benchmarks"]:
            side.entries[(target, bench["fullname"])] = bench
    return side


def previous_and_newest(roots: Sequence[Path]) -> tuple[Path, Path]:
    """The run directories of the two newest runs that hold complete benchmark results."""
    runs = [run for run in load_results(roots).values()  # complete runs only: see is_complete
            if any(results.bench and all(is_complete(doc) for _, doc in results.bench)
                   for results in run.targets.values())]
    if len(runs) < 2:
        where = ", ".join(str(root) for root in roots)
        raise InputError(where, f"--previous needs two runs with benchmarks, found {len(runs)}")
    return runs[-2].directories[0], runs[-1].directories[0]


def environment_warnings(before: Side, after: Side) -> list[str]:
    warnings = []
    for key in ENVIRONMENT_KEYS:
        old = sorted({str(e.get(key)) for e in before.environments if e.get(key) is not None})
        new = sorted({str(e.get(key)) for e in after.environments if e.get(key) is not None})
        if old != new:
            warnings.append(f"warning: {key} differs: {', '.join(old) or '?'} -> "
                            f"{', '.join(new) or '?'}")
    return warnings


def _row(kind: str, target: str, name: str, measure: str, baseline: Any, candidate: Any,
         change: str, rule: str, verdict: str, p: float | None = None) -> dict[str, Any]:
    return {"kind": kind, "target": target, "benchmark": name, "measure": measure,
            "baseline": baseline, "candidate": candidate, "change": change, "rule": rule,
            "verdict": verdict, "p": p}


def _relative(old: float, new: float) -> str:
    return f"{new / old - 1:+.3%}" if old else f"{new - old:+.3g}"


def count_rows(target: str, name: str, old: dict[str, Any], new: dict[str, Any],
               limits: Thresholds) -> list[dict[str, Any]]:
    """Rows for one count entry: instructions, system calls, connections, then info rows."""
    gated = bool(old.get("deterministic", True) and new.get("deterministic", True))
    rows = []

    def add(measure: str, before: Any, after: Any, change: str, rule: str,
            verdict: str) -> None:
        if not gated and verdict in ("regression", "improvement"):
            verdict, rule = "unchanged", rule + " (scheduling-dependent: not gated)"
        rows.append(_row("counts", target, name, measure, before, after, change, rule, verdict))

    def absent(measure: str, before: Any, after: Any) -> bool:
        if before is None:
            return True  # nothing to compare against: not a loss of coverage
        if after is None:
            tool = {"instructions/request": "instructions", "syscalls/request": "syscalls"}
            why = (new.get("absent") or {}).get(tool.get(measure, "server"), "absent")
            rows.append(_row("counts", target, name, measure, before, None, "absent", why,
                             "missing"))
            return True
        return False

    before, after = old.get("instructions_per_request"), new.get("instructions_per_request")
    if not absent("instructions/request", before, after):
        change = after / before - 1
        # A scenario whose instructions depend on timing states how far they vary A/A.
        threshold = max(limits.instructions, old.get("instructions_tolerance") or 0.0,
                        new.get("instructions_tolerance") or 0.0)
        verdict = ("regression" if change > threshold else
                   "improvement" if change < -threshold else "unchanged")
        add("instructions/request", round(before), round(after), f"{change:+.3%}",
            f"worse by > {threshold:.2%}", verdict)
    before, after = old.get("syscalls_by_kind"), new.get("syscalls_by_kind")
    if not absent("syscalls/request", before, after):
        kinds = sorted(set(before) | set(after))
        steps = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in kinds
                 if k not in WAITING_SYSCALLS}
        worst = max(steps, key=lambda k: steps[k], default=None)
        best = min(steps, key=lambda k: steps[k], default=None)
        rule = f"any non-waiting kind up by > {limits.syscalls:g}/request"
        if worst is not None and steps[worst] > limits.syscalls:
            add("syscalls/request", round(sum(before.values()), 3),
                round(sum(after.values()), 3), f"{worst} {steps[worst]:+.3g}", rule,
                "regression")
        elif best is not None and steps[best] < -limits.syscalls:
            add("syscalls/request", round(sum(before.values()), 3),
                round(sum(after.values()), 3), f"{best} {steps[best]:+.3g}", rule,
                "improvement")
        else:
            add("syscalls/request", round(sum(before.values()), 3),
                round(sum(after.values()), 3),
                f"{sum(after.values()) - sum(before.values()):+.3g}", rule, "unchanged")
    before, after = old.get("connections_per_request"), new.get("connections_per_request")
    if not absent("connections/request", before, after):
        step = after - before
        verdict = ("regression" if step > 1e-9 else "improvement" if step < -1e-9
                   else "unchanged")
        add("connections/request", before, after, f"{step:+.3g}", "any increase", verdict)
    for key, measure in (("bytes_sent_per_request", "bytes sent/request"),
                         ("bytes_received_per_request", "bytes received/request"),
                         ("h2_streams_per_request", "HTTP/2 streams/request")):
        before, after = old.get(key), new.get(key)
        if before is not None and after is not None:
            rows.append(_row("counts", target, name, measure, before, after,
                             _relative(before, after), "reported, not gated",
                             "changed" if before != after else "unchanged"))
    return rows


def minimum_p(n1: int, n2: int) -> float:
    """The smallest one-sided p-value Mann-Whitney U can give for these sample sizes."""
    return 1.0 / math.comb(n1 + n2, n1)


def timing_rows(pairs: list[tuple[str, str, dict[str, Any], dict[str, Any]]],
                limits: Thresholds) -> list[dict[str, Any]]:
    """Rows for every headline on both sides, Benjamini-Hochberg over the whole set."""
    tests = []
    for target, name, old, new in pairs:
        a = [float(x) for x in old.get("ratio_samples") or []]
        b = [float(x) for x in new.get("ratio_samples") or []]
        lower = headline_lower_is_better(new)
        label = f"{name} [{new.get('name', 'headline')}]"
        if not a or not b:
            tests.append((target, label, a, b, lower, None, None))
            continue
        worse, better = ("greater", "less") if lower else ("less", "greater")
        if len(a) < 2 or len(b) < 2 or minimum_p(len(a), len(b)) > limits.alpha:
            tests.append((target, label, a, b, lower, None, None))
            continue
        p_worse = float(mannwhitneyu(b, a, alternative=worse).pvalue)
        p_better = float(mannwhitneyu(b, a, alternative=better).pvalue)
        tests.append((target, label, a, b, lower, p_worse, p_better))
    ps = [p for t in tests if t[5] is not None for p in (t[5], t[6])]
    adjusted = iter(false_discovery_control(ps, method="bh") if ps else [])
    rows = []
    for target, label, a, b, lower, p_worse, _ in tests:
        old_m = statistics.median(a) if a else None
        new_m = statistics.median(b) if b else None
        change = f"{new_m / old_m - 1:+.1%}" if old_m and new_m else "-"
        rule = f"> {limits.min_effect:.0%} and BH-adjusted p < {limits.alpha:g}"
        if p_worse is None:
            reason = f"n={len(a)}/{len(b)} cannot reach p < {limits.alpha:g}"
            rows.append(_row("timing", target, label, "in-run ratio", old_m, new_m, change,
                             reason, "inconclusive"))
            continue
        q_worse, q_better = float(next(adjusted)), float(next(adjusted))
        assert old_m is not None and new_m is not None
        worse_by = new_m / old_m - 1 if lower else old_m / new_m - 1
        better_by = old_m / new_m - 1 if lower else new_m / old_m - 1
        if worse_by > limits.min_effect and q_worse < limits.alpha:
            verdict, p = "regression", q_worse
        elif better_by > limits.min_effect and q_better < limits.alpha:
            verdict, p = "improvement", q_better
        else:
            verdict, p = "unchanged", min(q_worse, q_better)
        rows.append(_row("timing", target, label, "in-run ratio", old_m, new_m, change, rule,
                         verdict, p))
    return rows


def compare(baseline: Path, candidate: Path, limits: Thresholds | None = None,
            gate_timings: bool = False) -> Comparison:
    """Every verdict of ``candidate`` against ``baseline`` (see the module docstring)."""
    limits = limits or Thresholds()
    before, after = read_side(baseline), read_side(candidate)
    # One target a side: match by benchmark name, so httpx-0.27.2 can be compared with
    # httpx-0.28.1. Otherwise match target and name.
    by_name = (len({t for t, _ in before.entries}) == 1
               and len({t for t, _ in after.entries}) == 1)

    def keyed(side: Side) -> dict[tuple[str, str], tuple[str, dict[str, Any]]]:
        return {(("" if by_name else t), n): (t, b) for (t, n), b in side.entries.items()}

    old_entries, new_entries = keyed(before), keyed(after)
    if new_entries and old_entries and not old_entries.keys() & new_entries.keys():
        # Both sides measured something, but nothing alike: the wrong files, not a run
        # that lost all its benchmarks (an empty candidate is that: all missing, exit 1).
        raise InputError(f"{baseline} vs {candidate}", "no benchmark in common")
    rows: list[dict[str, Any]] = []
    headlines = []
    for key in sorted(old_entries.keys() | new_entries.keys(),
                      key=lambda k: (target_key(k[0]), natural_key(k[1]))):
        name = key[1]
        if key not in new_entries:
            target = old_entries[key][0]
            rows.append(_row("coverage", target, name, "benchmark", "present", "absent", "-",
                             "in the baseline, not in the candidate", "missing"))
            continue
        if key not in old_entries:
            rows.append(_row("coverage", new_entries[key][0], name, "benchmark", "absent",
                             "present", "-", "new in the candidate", "new"))
            continue
        (old_target, old), (new_target, new) = old_entries[key], new_entries[key]
        target = f"{old_target} -> {new_target}" if by_name else new_target
        old_extra, new_extra = old.get("extra_info") or {}, new.get("extra_info") or {}
        if "counts" in old_extra or "counts" in new_extra:
            rows += count_rows(target, name, old_extra.get("counts") or {},
                               new_extra.get("counts") or {}, limits)
        if old_extra.get("headline") and new_extra.get("headline"):
            headlines.append((target, name, old_extra["headline"], new_extra["headline"]))
    rows += timing_rows(headlines, limits)
    if not rows:
        raise InputError(f"{baseline} vs {candidate}", "no benchmark on either side")
    columns = ["kind", "target", "benchmark", "measure", "baseline", "candidate", "change",
               "rule", "verdict", "p"]
    return Comparison(pd.DataFrame(rows, columns=columns),
                      environment_warnings(before, after), gate_timings)
