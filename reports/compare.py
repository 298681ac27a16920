"""Regression verdicts: what two bench runs say, kind by kind (rules in docs/reports.md).

* **Counts** (``extra_info["counts"]``, from bench/test_counts.py) gate exactly:
  instructions per request worse by more than ``instructions_threshold`` (0.5 %); each
  system call kind outside the waiting kinds, on its own, up by more than its tolerance
  (``syscall_tolerance``, 0.5 per request, or the wider A/A spread the scenario states);
  connections per request up at all. Scenarios whose counts depend on
  scheduling (``deterministic`` false) are reported, never gated, except for their Python
  lines per request (``python_lines_per_request``, the line pass: what the client's own
  packages execute, which does not follow scheduling), gated for every scenario: worse by
  more than ``lines`` (0.5 %) or the baseline's ``lines_tolerance``.
* **Memory** (the same entries, from tracemalloc): a streamed body whose heap peak grows
  with the body (by more than ``STREAM_GROWTH_BOUND`` bytes per byte of body), or any
  streamed or buffered variant whose growth per body byte or whose heap peak rises beyond
  the A/A spread (``heap_growth``, ``heap_peak``), is a regression. Memory per client and
  the process's peak RSS are reported, never gated.
* **Timings** are judged on in-run ratios only (each headline's per-round ratios, so the
  machine's mood cancels): a one-sided Mann-Whitney U test each way, p-values corrected
  with Benjamini-Hochberg over the whole table, and the median ratio moved by more than
  ``min_effect``. Otherwise ``unchanged`` only where the (1 - 2 alpha) interval of the
  change lies inside +-``min_effect`` (an equivalence test), else ``not significant``
  with the smallest change the run could have detected. Where the sample sizes cannot
  reach ``alpha`` even uncorrected, or where the two sides' rounds were cut into
  different numbers of slices (``slices_per_round``: a median of slices is another
  statistic), the verdict is ``inconclusive``. Raw seconds from two runs are never
  compared.
* **Coverage**: a benchmark in the baseline and not in the candidate is ``missing``.
* **Evidence**: no count, no pass. A gated count (instructions, system calls, connections,
  Python lines where either side counts them, a streaming scenario's heap memory) absent
  or zero on either side, a count scenario in the candidate only, or no count scenario at
  all is missing evidence
  (``Comparison.missing_evidence``, the one place for the rule): the verdict is "could not
  judge", never "pass".
* **Packages**: every distribution whose version differs between the sides is listed, so a
  dependency release is not blamed on the target (``harness.packages``).

The thresholds (instructions, per-kind system calls, Python lines) and the
``deterministic`` flag of a count scenario come from the baseline only: the candidate's
own file cannot widen its threshold or switch its gating off.
Verdict: ``regression`` (exit 1) when a count regressed or a benchmark is missing (or a
timing regressed, with ``gate_timings``); else ``could not judge`` (exit 2) when evidence
is missing; else ``pass`` (exit 0).

This module is the one home of the verdict (docs/reports.md, "Where the verdict is
decided"): ``Comparison.verdict``, ``.failing`` (which rows fail), ``.missing_evidence``
and ``side_files`` (which files make a side). summary.md (reports/baseline.py,
reports/markdown.py), the workflow's gate step (``python -m reports compare``) and the
upgrade command (upgrade/judge.py) read them; none keeps a rule of its own.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from scipy.stats import false_discovery_control, mannwhitneyu, norm

from harness.packages import Difference, describe, differences, normalise
from reports.errors import InputError
from reports.load import (
    REPORT_DIRECTORY,
    TargetResults,
    is_complete,
    load_results,
    natural_key,
    result_files,
    target_key,
)
from reports.readers import read_bench

DEFAULT_MIN_EFFECT = 0.05
# How many slices make a round (bench.measure); files from before slicing had one.
SLICES_KEY = "slices_per_round"
DEFAULT_ALPHA = 0.01
DEFAULT_INSTRUCTIONS_THRESHOLD = 0.005
DEFAULT_SYSCALL_TOLERANCE = 0.5
DEFAULT_LINES_THRESHOLD = 0.005
# Memory (docs/reports.md): a stream's heap peak may grow by this many bytes per byte of
# body at most, whatever the baseline did (reading the body first gives about 1); and any
# variant's growth or heap peak may rise by these tolerances, far above the A/A spreads
# measured (docs/bench.md#memory).
STREAM_GROWTH_BOUND = 0.01
DEFAULT_HEAP_GROWTH_TOLERANCE = 0.01
DEFAULT_HEAP_PEAK_TOLERANCE = 32 * 1024  # bytes
INFO_CHANGE = 0.10  # a reported-only figure (RSS, memory per client) "changed" beyond this
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
VERDICTS = ("regression", "improvement", "not significant", "inconclusive", "missing")
TIMING_VERDICTS = ("regression", "improvement", "not significant", "inconclusive")
# The gated count measures: what missing_evidence calls them, and their key in "absent".
GATED_COUNTS = {"instructions/request": ("instructions", "instructions"),
                "syscalls/request": ("system calls", "syscalls"),
                "connections/request": ("connections", "server"),
                "python lines/request": ("Python lines", "lines"),
                "heap memory": ("memory", "memory")}
HEAP_MEMORY = "heap memory"  # the missing row's measure; the judged rows name the variant
GATED_MEMORY = ("stream", "read")  # memory kinds whose heap figures gate ("client": reported)
COUNT_SCENARIO = "count scenario"  # a coverage row's measure for a count benchmark
ABSENT = "absent"  # a side's value in a row whose evidence is missing there
EXIT_STATUS = {"pass": 0, "regression": 1, "could not judge": 2}


@dataclass(frozen=True)
class Thresholds:
    instructions: float = DEFAULT_INSTRUCTIONS_THRESHOLD
    syscalls: float = DEFAULT_SYSCALL_TOLERANCE
    min_effect: float = DEFAULT_MIN_EFFECT
    alpha: float = DEFAULT_ALPHA
    heap_growth: float = DEFAULT_HEAP_GROWTH_TOLERANCE
    heap_peak: float = DEFAULT_HEAP_PEAK_TOLERANCE
    lines: float = DEFAULT_LINES_THRESHOLD


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
    # Distributions whose version differs (name, baseline, candidate); None: not recorded
    # on one side or both (the text says which).
    packages: list[Difference] | None = field(default_factory=list)
    packages_unrecorded: str = ""
    # "baseline shape -> candidate shape" when the count children's import paths differ
    # (``import_path_difference``), else "".
    import_paths: str = ""
    limits: Thresholds = field(default_factory=Thresholds)  # the thresholds it judged with

    def count(self, kind: str, verdict: str) -> int:
        if self.table.empty:
            return 0
        return int(((self.table["kind"] == kind) & (self.table["verdict"] == verdict)).sum())

    @property
    def gating_kinds(self) -> tuple[str, ...]:
        """The kinds of row whose regression (or missing benchmark) fails the gate."""
        return ("counts", "coverage", "timing") if self.gate_timings else ("counts", "coverage")

    def gating_table(self) -> pd.DataFrame:
        """The table with two boolean columns: ``gates``, whether a row's kind can fail
        the verdict, and ``fails``, whether it does (``failing``)."""
        return self.table.assign(gates=self.table["kind"].isin(self.gating_kinds),
                                 fails=self.table.index.isin(self.failing().index))

    def failing(self) -> pd.DataFrame:
        """The rows that fail the verdict: a regression of a gating kind, or a benchmark
        the candidate lost (counts absent are not a failure but missing evidence: see
        ``missing_evidence``). The one "which rows fail" rule: summary.md, the gate step
        and the upgrade command read it from here."""
        table = self.table
        if table.empty:
            return table
        regressed = table["kind"].isin(self.gating_kinds) & (table["verdict"] == "regression")
        lost = (table["kind"] == "coverage") & (table["verdict"] == "missing")
        return table[regressed | lost]

    def informing(self) -> pd.DataFrame:
        """Regressions reported that do not fail the verdict (timings, unless gated)."""
        table = self.table
        if table.empty:
            return table
        return table[(table["verdict"] == "regression")
                     & ~table.index.isin(self.failing().index)]

    def failed(self) -> bool:
        """Whether any row fails the verdict (``failing``)."""
        return not self.failing().empty

    def missing_evidence(self) -> list[str]:
        """Why the counts cannot be judged, one phrase per measure, side and reason; empty
        when every count scenario was counted on both sides. The one home of the rule."""
        table = self.table
        if table.empty:
            return ["no count scenario on either side"]
        counts = table[table["kind"] == "counts"]
        coverage = table[(table["kind"] == "coverage") & (table["measure"] == COUNT_SCENARIO)]
        if counts.empty and coverage.empty:
            return ["no count scenario on either side (bench/test_counts.py did not run: "
                    "--no-counts, -k, or no bench file with it)"]
        groups: dict[tuple[str, str, str], list[str]] = {}
        for row in counts[counts["verdict"] == "missing"].itertuples(index=False):
            label = GATED_COUNTS.get(str(row.measure), (str(row.measure), ""))[0]
            old, new = row.baseline == ABSENT, row.candidate == ABSENT
            side = "on both sides" if old and new else "in the baseline" if old else \
                "in the candidate"
            groups.setdefault((f"{label} absent", side, str(row.rule)), []).append(
                str(row.benchmark))
        for row in coverage.itertuples(index=False):
            side = "the candidate" if row.verdict == "new" else "the baseline"
            groups.setdefault(("count scenario", f"only in {side}", ""), []).append(
                str(row.benchmark))
        found = []
        for (what, side, why), names in groups.items():
            short = [name.split("::")[-1] for name in names]
            which = (f"{len(names)} scenarios" if len(names) > 2 else ", ".join(short))
            found.append(f"{what} {side} for {which}" + (f" ({why})" if why else ""))
        return found

    def verdict(self) -> str:
        """``regression``, else ``could not judge`` (missing evidence), else ``pass``."""
        if self.failed():
            return "regression"
        return "could not judge" if self.missing_evidence() else "pass"

    def verdict_line(self) -> str:
        """The verdict as one line, naming what failed or what is missing and why."""
        missing = self.missing_evidence()
        if not self.failed():
            if missing:
                return "could not judge: " + "; ".join(missing)
            counts = self.table[self.table["kind"] == "counts"]
            judged = len(counts[["target", "benchmark"]].drop_duplicates())
            return f"pass: counts judged for {judged} scenarios, none regressed"
        failing = self.failing()
        found = failing.groupby(["kind", "verdict"]).size()
        failures = [f"{found[(kind, 'regression')]} {label} regression(s)"
                    for kind, label in (("counts", "count"), ("timing", "timing"))
                    if (kind, "regression") in found.index]
        if ("coverage", "missing") in found.index:
            failures.append(f"{found[('coverage', 'missing')]} benchmark(s) missing")
        line = "regression: " + ", ".join(failures)
        return line + ("; could not judge: " + "; ".join(missing) if missing else "")

    def package_line(self) -> str:
        """Which package versions differ between the sides (printed first)."""
        if self.packages is None:
            return self.packages_unrecorded
        if not self.packages:
            return "packages: no version differs"
        return "packages differ: " + describe(self.packages)

    def regression_packages_line(self) -> str:
        """Under the table when a count regressed: the package versions that differ."""
        if not self.count("counts", "regression"):
            return ""
        paths = f"; import paths differ: {self.import_paths}" if self.import_paths else ""
        if self.packages is None:
            return f"count regressions: {self.packages_unrecorded}{paths}"
        if not self.packages:
            return f"count regressions with no package version differing{paths}"
        return ("count regressions with these packages differing: " + describe(self.packages)
                + paths)

    def summary(self) -> str:
        def part(kind: str, verdicts: Sequence[str]) -> str:
            return ", ".join(f"{self.count(kind, v)} {v}" for v in verdicts)

        timing_gate = "gating" if self.gate_timings else "not gating"
        new = self.count("coverage", "new")
        return (f"counts: {part('counts', ('regression', 'improvement', 'missing'))}; "
                f"timings ({timing_gate}): "
                f"{part('timing', TIMING_VERDICTS)}; "
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


def side_files(paths: Path | Sequence[Path]) -> list[Path]:
    """Which files make a side: every bench*.json of each path (``bench_files``: a target
    directory gives all of its bench files, in the order they were written). summary.md
    passes a target's directories, the gate step a target directory: the same files."""
    return [file for path in ([paths] if isinstance(paths, Path) else paths)
            for file in bench_files(Path(path))]


def target_side(results: TargetResults) -> list[Path]:
    """A target's side in a loaded run: the directories holding its bench files, read
    whole (every bench*.json), as ``compare TARGET_DIR`` reads one; never one file of them."""
    return list(dict.fromkeys(path.parent for path, _ in results.bench))


def read_side(paths: Path | Sequence[Path]) -> Side:
    side = Side()
    for file in side_files(paths):
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


def import_path_shape(side: Side) -> str:
    """The count children's import path (``extra_info.counts.import_path``) as words;
    "" where no count entry recorded it (files from before it was recorded)."""
    shapes = set()
    for entry in side.entries.values():
        counts = (entry.get("extra_info") or {}).get("counts")
        shape = counts.get("import_path") if isinstance(counts, dict) else None
        if isinstance(shape, dict) and "entries" in shape:
            sniffio = {True: "importable", False: "absent"}.get(shape.get("sniffio"), "?")
            shapes.add(f"{shape['entries']} sys.path entries, sniffio {sniffio}")
    return "; ".join(sorted(shapes))


def import_path_difference(before: Side, after: Side) -> str:
    """"old -> new" when both sides recorded their import path and it differs, else "".
    Counts depend on it: a failed import stats every sys.path entry (docs/bench.md)."""
    old, new = import_path_shape(before), import_path_shape(after)
    return f"{old} -> {new}" if old and new and old != new else ""


def side_packages(environments: Sequence[dict[str, Any]], key: str) -> dict[str, str]:
    """Normalised name -> version(s) over a side's environments (one per bench file)."""
    versions: dict[str, set[str]] = {}
    for environment in environments:
        for name, version in (environment.get(key) or {}).items():
            versions.setdefault(normalise(str(name)), set()).add(str(version))
    return {name: ", ".join(sorted(found)) for name, found in versions.items()}


def package_differences(before: Side, after: Side) -> tuple[list[Difference] | None, str]:
    """(differences, "") or (None, which side recorded no versions).

    The full ``distributions`` where every file has them; else the older ``packages`` key
    (a few named packages), so an old file is not read as missing every other package.
    """
    environments = [*before.environments, *after.environments]
    key = ("distributions" if environments and all(e.get("distributions")
                                                   for e in environments) else "packages")
    old, new = side_packages(before.environments, key), side_packages(after.environments, key)
    if not old or not new:
        where = ("" if not old and not new else " in the baseline" if not old
                 else " in the candidate")
        return None, f"package versions not recorded{where}"
    return differences(old, new), ""


def _row(kind: str, target: str, name: str, measure: str, baseline: Any, candidate: Any,
         change: str, rule: str, verdict: str, p: float | None = None,
         margin: float | None = None) -> dict[str, Any]:
    """``margin``: how many times its threshold an instruction count or a heap figure moved
    (for a stream's growth, also how many times its bound it reached)."""
    return {"kind": kind, "target": target, "benchmark": name, "measure": measure,
            "baseline": baseline, "candidate": candidate, "change": change, "rule": rule,
            "verdict": verdict, "p": p, "margin": margin}


def _relative(old: float, new: float) -> str:
    return f"{new / old - 1:+.3%}" if old else f"{new - old:+.3g}"


def _absence(figures: dict[str, Any], measure: str, value: Any) -> str | None:
    """Why a side has no usable ``value`` for a gated measure; None when it has one."""
    if value is None:
        reasons = figures.get("absent") or {}
        return str(reasons.get(GATED_COUNTS[measure][1]) or "not recorded")
    if measure == HEAP_MEMORY:
        return _heap_problem(*value)
    if measure == "syscalls/request":
        if not isinstance(value, dict) or not all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in value.values()):
            return f"not a mapping of numbers: {str(value)[:40]}"
        return None if value else "no system call counted: a failed measurement"
    if not isinstance(value, int | float) or isinstance(value, bool) or value != value:
        return f"not a number: {str(value)[:40]}"
    if measure == "instructions/request" and not value > 0:
        # callgrind counted nothing: the run failed, it did not get infinitely faster
        return f"{value:g} instructions counted: a failed measurement"
    if measure == "python lines/request" and not value > 0:
        return f"{value:g} Python lines counted: a failed measurement"
    return None


def _number_like(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def _heap_figures(figures: dict[str, Any]) -> tuple[Any, Any, Any] | None:
    """(bodies, heap peaks per variant, growth per variant), or None if any is missing."""
    found = (figures.get("memory_bodies"), figures.get("heap_peak_bytes"),
             figures.get("heap_peak_per_body_byte"))
    return None if any(part is None for part in found) else found


def _heap_problem(bodies: Any, peaks: Any, growth: Any) -> str | None:
    """What makes a side's heap figures unusable; None when they can be judged."""
    if (not isinstance(bodies, list) or len(bodies) < 2
            or not all(_number_like(b) and b > 0 for b in bodies) or bodies != sorted(bodies)):
        return f"body sizes not two or more increasing numbers: {str(bodies)[:40]}"
    if not isinstance(peaks, dict) or not peaks or not isinstance(growth, dict):
        return "no variant measured"
    for variant, found in peaks.items():
        if (not isinstance(found, list) or len(found) != len(bodies)
                or not all(_number_like(p) for p in found) or not _number_like(
                    growth.get(variant))):
            return f"{variant}: not one heap peak per body and a growth"
        if not all(p > 0 for p in found):
            return f"{variant}: a heap peak of 0 bytes: a failed measurement"
    return None


def _shown(value: Any, why: str | None) -> Any:
    """A side's value in a ``missing`` row: absent, or what it has (heap figures: a word)."""
    return ABSENT if why is not None else "measured" if isinstance(value, tuple) else value


def _mib(size: float) -> str:
    return f"{size / 2**20:g} MiB"


def _kib(size: float) -> str:
    return f"{size / 1024:,.1f} KiB"


def count_rows(target: str, name: str, old: dict[str, Any], new: dict[str, Any],
               limits: Thresholds) -> list[dict[str, Any]]:
    """Rows for one count entry: instructions, system calls, connections, then info rows.

    Whether the scenario is gated and how far its instructions may vary come from the
    baseline alone: the candidate's file cannot loosen the rule that judges it.
    """
    gated = bool(old.get("deterministic", True))
    rows = []

    def add(measure: str, before: Any, after: Any, change: str, rule: str,
            verdict: str, margin: float | None = None, always: bool = False) -> None:
        """``always``: gated even where the scenario is not (Python lines)."""
        if not gated and not always and verdict in ("regression", "improvement"):
            verdict, rule = "unchanged", rule + " (scheduling-dependent: not gated)"
        rows.append(_row("counts", target, name, measure, before, after, change, rule, verdict,
                         margin=margin))

    def absent(measure: str, before: Any, after: Any) -> bool:
        """Add a ``missing`` row when either side lacks the measure (never a pass)."""
        old_why, new_why = _absence(old, measure, before), _absence(new, measure, after)
        if old_why is None and new_why is None:
            return False
        why = (old_why if new_why is None else new_why if old_why is None or old_why == new_why
               else f"baseline: {old_why}; candidate: {new_why}")
        rows.append(_row("counts", target, name, measure, _shown(before, old_why),
                         _shown(after, new_why), ABSENT, why, "missing"))
        return True

    def add_heap_rows(variant: str, streamed: bool, smallest: float,
                      growth: tuple[float, float], peak: tuple[float, float]) -> None:
        """A variant's growth of the heap peak per byte of body, and its peak at the
        smallest body: a stream must not grow with the body; neither may rise past A/A."""
        (was, now), tolerance = growth, limits.heap_growth
        bound = STREAM_GROWTH_BOUND
        margin = max(abs(now - was) / tolerance, now / bound if streamed else 0.0)
        verdict = ("regression" if now - was > tolerance or (streamed and now > bound) else
                   "improvement" if was - now > tolerance else "unchanged")
        rule = (f"> {bound:g} (grows with the body) or up by > {tolerance:g}" if streamed
                else f"up by > {tolerance:g}")
        add(f"heap growth/body byte, {variant}", round(was, 4), round(now, 4),
            f"{now - was:+.4f}", rule, verdict, margin)
        (was, now), tolerance = peak, limits.heap_peak
        step = now - was
        add(f"heap peak at {_mib(smallest)}, {variant}", _kib(was), _kib(now),
            f"{step / 1024:+.1f} KiB", f"up by > {tolerance / 1024:g} KiB",
            "regression" if step > tolerance else
            "improvement" if step < -tolerance else "unchanged", abs(step) / tolerance)

    before, after = old.get("instructions_per_request"), new.get("instructions_per_request")
    if not absent("instructions/request", before, after):
        change = after / before - 1
        # A scenario whose instructions depend on timing states how far they vary A/A.
        stated = old.get("instructions_tolerance")
        threshold = max(limits.instructions, stated if isinstance(stated, int | float) else 0.0)
        verdict = ("regression" if change > threshold else
                   "improvement" if change < -threshold else "unchanged")
        rule = f"worse by > {threshold:.2%}"
        # A scenario whose instructions follow how the server's bytes arrive (the baseline
        # says so) has them reported: gated on its lines and system calls instead.
        if old.get("instructions_gated") is False and verdict != "unchanged":
            verdict, rule = "changed", f"reported, not gated (moved: > {threshold:.2%})"
        add("instructions/request", round(before), round(after), f"{change:+.3%}",
            rule, verdict, abs(change) / threshold if threshold else float("inf"))
    # Python lines: required where either side's file has the field (a harness that counts
    # them; more evidence asked for, never less), and gated whether or not the scenario is
    # deterministic: what the packages execute does not follow scheduling (docs/bench.md).
    if any("python_lines_per_request" in side or "lines" in (side.get("absent") or {})
           for side in (old, new)):
        before, after = old.get("python_lines_per_request"), new.get("python_lines_per_request")
        if not absent("python lines/request", before, after):
            change = after / before - 1
            stated = old.get("lines_tolerance")
            threshold = max(limits.lines, stated if _number_like(stated) else 0.0)
            verdict = ("regression" if change > threshold else
                       "improvement" if change < -threshold else "unchanged")
            add("python lines/request", round(before, 2), round(after, 2), f"{change:+.3%}",
                f"worse by > {threshold:.2%}", verdict,
                abs(change) / threshold if threshold else float("inf"), always=True)
    before, after = old.get("syscalls_by_kind"), new.get("syscalls_by_kind")
    if not absent("syscalls/request", before, after):
        # Every non-waiting kind is judged on its own, against its own tolerance (the
        # baseline's measured A/A spread where it states one, else the default).
        tolerances = syscall_tolerances(old, limits)
        total = f"{sum(after.values()) - sum(before.values()):+.3g}"
        moved = False
        for kind_name in sorted(set(before) | set(after)):
            if kind_name in WAITING_SYSCALLS:
                continue
            step = after.get(kind_name, 0.0) - before.get(kind_name, 0.0)
            tolerance = tolerances.get(kind_name, limits.syscalls)
            if abs(step) > tolerance:
                moved = True
                add(f"syscalls/request {kind_name}", round(before.get(kind_name, 0.0), 3),
                    round(after.get(kind_name, 0.0), 3), f"{step:+.3g}",
                    f"up by > {tolerance:g}/request",
                    "regression" if step > 0 else "improvement", abs(step) / tolerance)
        if not moved:
            add("syscalls/request", round(sum(before.values()), 3),
                round(sum(after.values()), 3), total,
                f"no non-waiting kind up by more than its tolerance "
                f"({_tolerance_text(tolerances, limits)})", "unchanged")
    before, after = old.get("connections_per_request"), new.get("connections_per_request")
    if not absent("connections/request", before, after):
        step = after - before
        verdict = ("regression" if step > 1e-9 else "improvement" if step < -1e-9
                   else "unchanged")
        add("connections/request", before, after, f"{step:+.3g}", "any increase", verdict)
    # Memory: required on both sides where either side's scenario has it (more evidence
    # asked for, never less); the kind is the baseline's where it states one.
    kind = old.get("memory") or new.get("memory")
    if kind in GATED_MEMORY:
        before, after = _heap_figures(old), _heap_figures(new)
        if not absent(HEAP_MEMORY, before, after):
            assert before is not None and after is not None
            (bodies, old_peaks, old_growth), (new_bodies, new_peaks, new_growth) = before, after
            if bodies != new_bodies or set(old_peaks) != set(new_peaks):
                rows.append(_row("counts", target, name, HEAP_MEMORY, ABSENT, ABSENT, ABSENT,
                                 f"not alike: bodies {bodies} and {new_bodies}, variants "
                                 f"{sorted(old_peaks)} and {sorted(new_peaks)}", "missing"))
            else:
                for variant in old_peaks:
                    add_heap_rows(variant, kind == "stream", bodies[0],
                                  (old_growth[variant], new_growth[variant]),
                                  (old_peaks[variant][0], new_peaks[variant][0]))
    info = (("client_heap_bytes", "heap per Client() held"),
            ("client_rss_bytes", "RSS per Client() held"),
            ("peak_rss_bytes", "process peak RSS (memory pass)"))
    for key, measure in info:
        before, after = old.get(key), new.get(key)
        if _number_like(before) and _number_like(after) and before > 0:
            moved = abs(after / before - 1) > INFO_CHANGE
            rows.append(_row("counts", target, name, measure, _kib(before), _kib(after),
                             _relative(before, after),
                             f"reported, not gated (changed: > {INFO_CHANGE:.0%})",
                             "changed" if moved else "unchanged"))
    for key, measure in (("bytes_sent_per_request", "bytes sent/request"),
                         ("bytes_received_per_request", "bytes received/request"),
                         ("h2_streams_per_request", "HTTP/2 streams/request")):
        before, after = old.get(key), new.get(key)
        if before is not None and after is not None:
            rows.append(_row("counts", target, name, measure, before, after,
                             _relative(before, after), "reported, not gated",
                             "changed" if before != after else "unchanged"))
    return rows


def syscall_tolerances(baseline: dict[str, Any], limits: Thresholds) -> dict[str, float]:
    """Per-kind tolerances the baseline states (never the candidate), each at least the
    default: a stated figure can widen a kind's tolerance, not narrow it."""
    stated = baseline.get("syscall_tolerances")
    if not isinstance(stated, dict):
        return {}
    return {str(kind): max(float(value), limits.syscalls) for kind, value in stated.items()
            if _number_like(value)}


def _tolerance_text(tolerances: dict[str, float], limits: Thresholds) -> str:
    wider = ", ".join(f"{kind} {value:g}" for kind, value in sorted(tolerances.items()))
    return f"{limits.syscalls:g}/request" + (f"; {wider}" if wider else "")


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
        reason = f"n={len(a)}/{len(b)} cannot reach p < {limits.alpha:g}"
        shapes = (old.get(SLICES_KEY, 1), new.get(SLICES_KEY, 1))
        if shapes[0] != shapes[1]:
            # A round's figure is the median of its slices: other slices, another statistic.
            reason = (f"rounds of {shapes[0]} -> {shapes[1]} slices: measured differently, "
                      "not comparable")
            tests.append((target, label, a, b, lower, None, None, reason))
            continue
        if not a or not b:
            tests.append((target, label, a, b, lower, None, None, reason))
            continue
        worse, better = ("greater", "less") if lower else ("less", "greater")
        if len(a) < 2 or len(b) < 2 or minimum_p(len(a), len(b)) > limits.alpha:
            tests.append((target, label, a, b, lower, None, None, reason))
            continue
        p_worse = float(mannwhitneyu(b, a, alternative=worse).pvalue)
        p_better = float(mannwhitneyu(b, a, alternative=better).pvalue)
        tests.append((target, label, a, b, lower, p_worse, p_better, reason))
    ps = [p for t in tests if t[5] is not None for p in (t[5], t[6])]
    adjusted = iter(false_discovery_control(ps, method="bh") if ps else [])
    rows = []
    for target, label, a, b, lower, p_worse, _, reason in tests:
        old_m = statistics.median(a) if a else None
        new_m = statistics.median(b) if b else None
        change = f"{new_m / old_m - 1:+.1%}" if old_m and new_m else "-"
        rule = timing_rule(limits)
        if p_worse is None:
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
            # Not shown to have moved: "unchanged" only where the interval of the change
            # lies inside +-min_effect (an equivalence test), else "not significant".
            p = min(q_worse, q_better)
            low, high = shift_interval(a, b, limits.alpha)
            detectable = (high - low) / 2
            bottom, top = sorted((_worse_change(low, lower), _worse_change(high, lower)))
            inside = -limits.min_effect <= bottom and top <= limits.min_effect
            shown = f"{bottom:+.1%} to {top:+.1%}"
            verdict = "unchanged" if inside else "not significant"
            rule = (f"{1 - 2 * limits.alpha:.0%} interval of the change {shown} "
                    + (f"inside +-{limits.min_effect:.0%}" if inside else
                       f"not inside +-{limits.min_effect:.0%}; smallest change this run "
                       f"could detect: +-{math.expm1(detectable):.1%}"))
        rows.append(_row("timing", target, label, "in-run ratio", old_m, new_m, change, rule,
                         verdict, p))
    return rows


def timing_rule(limits: Thresholds) -> str:
    """When a timing regressed (or improved): the one wording of the rule."""
    return f"> {limits.min_effect:.0%} and BH-adjusted p < {limits.alpha:g}"


def shift_interval(a: Sequence[float], b: Sequence[float],
                   alpha: float) -> tuple[float, float]:
    """A distribution-free (1 - 2 alpha) interval for the shift of log(b) against log(a)
    (Hodges-Lehmann with Moses' bounds, normal approximation of U's critical value): the
    interval a two one-sided test at ``alpha`` needs to call two samples equivalent."""
    differences = sorted(math.log(y) - math.log(x) for x in a for y in b if x > 0 and y > 0)
    n1, n2 = len(a), len(b)
    if not differences:
        return -math.inf, math.inf
    z = float(norm.ppf(1 - alpha))
    k = math.floor(n1 * n2 / 2 - z * math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12))
    if k < 1:
        return -math.inf, math.inf
    return differences[k - 1], differences[len(differences) - k]


def _worse_change(log_shift: float, lower_is_better: bool) -> float:
    """A log shift of the candidate against the baseline as a relative change "worse by"."""
    return math.expm1(log_shift if lower_is_better else -log_shift)


def compare(baseline: Path | Sequence[Path], candidate: Path | Sequence[Path],
            limits: Thresholds | None = None, gate_timings: bool = False) -> Comparison:
    """Every verdict of ``candidate`` against ``baseline`` (see the module docstring).

    Each side is a bench file, a target or run directory, or several of them (a target
    whose bench files lie in more than one results root): ``side_files``."""
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
    # A target new in the candidate is new as a whole; a count scenario new in a target the
    # baseline counted is one the baseline cannot judge.
    counted = {t for t, entry in old_entries.values() if _measure(entry) == COUNT_SCENARIO}
    rows: list[dict[str, Any]] = []
    headlines = []
    for key in sorted(old_entries.keys() | new_entries.keys(),
                      key=lambda k: (target_key(k[0]), natural_key(k[1]))):
        name = key[1]
        if key not in new_entries:
            target, entry = old_entries[key]
            rows.append(_row("coverage", target, name, _measure(entry), "present", "absent",
                             "-", "in the baseline, not in the candidate", "missing"))
            continue
        if key not in old_entries:
            target, entry = new_entries[key]
            measure = _measure(entry) if by_name or target in counted else "benchmark"
            rows.append(_row("coverage", target, name, measure, "absent", "present", "-",
                             "new in the candidate", "new"))
            continue
        (old_target, old), (new_target, new) = old_entries[key], new_entries[key]
        target = f"{old_target} -> {new_target}" if by_name else new_target
        old_extra, new_extra = old.get("extra_info") or {}, new.get("extra_info") or {}
        if "counts" in old_extra or "counts" in new_extra:
            rows += count_rows(target, name, _figures(old_extra), _figures(new_extra), limits)
        if old_extra.get("headline") and new_extra.get("headline"):
            headlines.append((target, name, *(
                {**extra["headline"], SLICES_KEY: extra.get(SLICES_KEY, 1)}
                for extra in (old_extra, new_extra))))
    rows += timing_rows(headlines, limits)
    if not rows:
        raise InputError(f"{baseline} vs {candidate}", "no benchmark on either side")
    columns = ["kind", "target", "benchmark", "measure", "baseline", "candidate", "change",
               "rule", "verdict", "p", "margin"]
    packages, unrecorded = package_differences(before, after)
    paths = import_path_difference(before, after)
    warnings = ([f"warning: import paths differ (counts depend on them): {paths}"]
                if paths else [])
    return Comparison(pd.DataFrame(rows, columns=columns),
                      warnings + environment_warnings(before, after), gate_timings, packages,
                      unrecorded, paths, limits)


def _figures(extra: dict[str, Any]) -> dict[str, Any]:
    """An entry's counts; anything but an object is no counts (its rows say "not recorded")."""
    counts = extra.get("counts")
    return counts if isinstance(counts, dict) else {}


def _measure(entry: dict[str, Any]) -> str:
    """A coverage row's measure: a count scenario on one side only is missing evidence."""
    return COUNT_SCENARIO if "counts" in (entry.get("extra_info") or {}) else "benchmark"
