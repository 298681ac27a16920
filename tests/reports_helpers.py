"""Shared by the tests/test_reports_*.py modules: the hand-made results and a CLI runner."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from reports.__main__ import main

DATA = Path(__file__).resolve().parent / "data" / "results"
REPO = Path(__file__).resolve().parent.parent
OLD_RUN, NEW_RUN = "20261101T100000-1", "20261102T100000-2"
# The hand-made results' pinned target (tests/data/make_results.py), passed explicitly: the
# reports' default (reports.matrix.PINNED_TARGET) follows the releases, these files do not.
PINNED = "httpx-0.28.1"


def copy_results(destination: Path) -> Path:
    """A private copy of tests/data/results, so a report never writes into the repository."""
    root = destination / "results"
    shutil.copytree(DATA, root)
    return root


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``python -m reports ARGS`` as a user runs it, from the repository root."""
    return subprocess.run([sys.executable, "-m", "reports", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def run_main(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The same command in this process (interpreter start-up with pandas and scipy takes
    seconds here); output captured the same way."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(arg) for arg in args])
    return subprocess.CompletedProcess(["reports", *map(str, args)], code, out.getvalue(),
                                       err.getvalue())


COUNT_SCENARIOS = ("pooled-http", "pooled-https", "one-off-http")


def count_figures(**figures: Any) -> dict[str, Any]:
    """bench/test_counts.py's ``extra_info["counts"]`` with every tool present; ``figures``
    replace fields (``instructions_per_request=None, absent={...}``: valgrind missing)."""
    base = {"scenario": "pooled-http", "deterministic": True, "instructions_tolerance": 0.0,
            "requests": 200, "instructions_per_request": 1_500_000.0,
            "syscalls_by_kind": {"sendto": 1.0, "recvfrom": 1.0, "poll": 4.0},
            "syscalls_per_request": 6.0, "connections_per_request": 0.0,
            "bytes_sent_per_request": 109.0, "absent": {}}
    return {**base, **figures}


MEMORY_BODIES = [1 << 20, 8 << 20]
MEMORY_VARIANTS = ("h1 sync", "h1 async", "h2 sync", "h2 async")


def heap_figures(kind: str = "stream", peak: float = 120_000.0, growth: float = 0.0,
                 **figures: Any) -> dict[str, Any]:
    """A streaming scenario's memory fields (bench/counts/memory.py): every variant's heap
    peak is ``peak`` at the smaller body and grows by ``growth`` bytes per byte of body."""
    span = MEMORY_BODIES[1] - MEMORY_BODIES[0]
    return {"memory": kind, "memory_bodies": MEMORY_BODIES,
            "heap_peak_bytes": {v: [peak, peak + growth * span] for v in MEMORY_VARIANTS},
            "heap_peak_per_body_byte": {v: growth for v in MEMORY_VARIANTS},
            "peak_rss_bytes": 50_000_000, **figures}


def count_entry(scenario: str, **figures: Any) -> dict[str, Any]:
    """One work-count benchmark entry (its timing is the count run's, not a speed figure)."""
    stats = {"min": 1e-3, "max": 1e-3, "mean": 1e-3, "stddev": 0.0, "rounds": 1,
             "median": 1e-3, "iqr": 0.0, "q1": 1e-3, "q3": 1e-3, "ops": 1e3, "total": 1e-3,
             "iterations": 1, "data": [1e-3]}
    return {"group": "counts", "name": f"test_counts[{scenario}]",
            "fullname": f"bench/test_counts.py::test_counts[{scenario}]", "params": None,
            "param": None, "options": {}, "stats": stats,
            "extra_info": {"scenario": "counts", "variant": scenario,
                           "counts": count_figures(scenario=scenario, **figures)}}


def add_counts(path: Path, scenarios: tuple[str, ...] = COUNT_SCENARIOS,
               harness: dict[str, Any] | None = None, **figures: Any) -> Path:
    """Append count entries for ``scenarios`` to the bench.json at ``path`` (a private copy)
    and merge ``harness`` into its ``machine_info.harness``; returns ``path``."""
    document = json.loads(path.read_text())
    document["benchmarks"] += [count_entry(s, **figures) for s in scenarios]
    document["machine_info"].setdefault("harness", {}).update(harness or {})
    path.write_text(json.dumps(document))
    return path


def tree(root: Path) -> set[str]:
    """Every path under ``root``, relative, to show nothing was added or left behind."""
    return {str(path.relative_to(root)) for path in root.rglob("*")}


# The terminal output (reports/terminal.py): paragraphs apart by blank lines, the verdict
# first and last, long lines wrapped with continuation lines indented two more.

def paragraphs(stdout: str) -> list[list[str]]:
    """Each paragraph's lines, wrapped lines joined back into the line the program wrote
    (meant for text; a table's wrapped cells are not joined)."""
    found = []
    for block in stdout.strip("\n").split("\n\n"):
        lines: list[str] = []
        for line in block.splitlines():
            indent = len(line) - len(line.lstrip(" "))
            if lines and line.strip() and indent == len(lines[-1]) - len(lines[-1].lstrip()) + 2:
                lines[-1] += " " + line.strip()
            else:
                lines.append(line)
        found.append(lines)
    return found


def verdict_of(stdout: str) -> str:
    """The verdict: the last paragraph, one line once joined; the first is the same."""
    first, *_, last = paragraphs(stdout)
    assert first == last and len(last) == 1, stdout
    return last[0]


def header_of(stdout: str) -> list[str]:
    """compare's second paragraph: its title, the package line, then any warnings."""
    return paragraphs(stdout)[1]


def summary_of(stdout: str) -> list[str]:
    """compare's paragraph before the verdict: counts per verdict (and the packages that
    differ, when a count regressed)."""
    return paragraphs(stdout)[-2]


def row(stdout: str, name: str) -> list[str]:
    """The cells of the one table line whose first cell is ``name`` as the table shows it."""
    found = [cells for cells in (re.split(r"\s{2,}", line.strip())
                                 for line in stdout.splitlines()) if cells[0] == name]
    assert len(found) == 1, (name, stdout)
    return found[0]
