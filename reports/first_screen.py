"""What index.html's first screen says: did it regress, and what changes per target.

Both tables are read from elsewhere, never decided here: the verdict rows from the gated
target's ``reports.compare.Comparison`` (``gating_table``: which rows gate, which fail), the
change counts from ``reports.upgrade.changes_by_target`` (the upgrade report's own
classification) and, for API and packaging, the findings of an upgrade run's verdict.json.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pandas as pd

from reports.load import Run

if TYPE_CHECKING:
    from reports.compare import Comparison

# The verdict's rows, grouped as a reader asks about them; (group, kind, measure prefix).
MEASURE_GROUPS = [
    ("instructions/request", "counts", "instructions/request"),
    ("system calls/request", "counts", "syscalls/request"),
    ("Python lines/request", "counts", "python lines/request"),
    ("connections/request", "counts", "connections/request"),
    ("memory (heap)", "counts", "heap "),
    ("timings (in-run ratios)", "timing", ""),
    ("benchmarks present", "coverage", ""),
]
RULES_SHOWN = 1  # distinct rules listed per group; the rest are in the row's title
# Change kinds a reader asks about moving from the pinned target to another, in this order.
CHANGE_KINDS = ("breaking", "missing-api", "wire", "informational", "flaky", "api",
                "packaging")
MISSING_API = "missing-api"  # a breaking claim row whose new outcome is missing-api
DESCRIBED_KINDS = ("api", "packaging")  # only an upgrade run describes them


def verdict_rows(comparison: Comparison) -> pd.DataFrame:
    """Per measure group: its rule(s), how many scenarios it judged, how many regressed,
    improved or lack evidence, and whether it gates (the verdict's own columns)."""
    table = comparison.gating_table()
    rows = []
    for group, kind, prefix in MEASURE_GROUPS:
        mine = table[(table["kind"] == kind)
                     & table["measure"].astype(str).str.startswith(prefix)]
        if mine.empty:
            continue
        rules = mine["rule"].astype(str).value_counts().index.tolist()
        if kind == "timing":  # each unchanged row states its own interval: say the rule
            from reports.compare import timing_rule

            rules = [timing_rule(comparison.limits)]
        if kind == "coverage":
            rules = ["a benchmark of the baseline absent from the candidate fails"]
        shown = "; ".join(rules[:RULES_SHOWN])
        if len(rules) > RULES_SHOWN:
            shown += f" (+{len(rules) - RULES_SHOWN} more)"
        verdicts = mine["verdict"]
        rows.append({
            "measure": group, "rule": shown, "all_rules": "\n".join(rules),
            "scenarios": int(mine["benchmark"].nunique()),
            "regressed": int((verdicts == "regression").sum()),
            "improved": int((verdicts == "improvement").sum()),
            "missing": int((verdicts == "missing").sum()),
            "fails": int(mine["fails"].sum()),
            "gates": bool(mine["gates"].any()) and not _reported_only(mine),
        })
    return pd.DataFrame(rows, columns=["measure", "rule", "all_rules", "scenarios",
                                       "regressed", "improved", "missing", "fails", "gates"])


def _reported_only(rows: pd.DataFrame) -> bool:
    """Every row's rule says it is reported, not gated (scheduling-dependent scenarios)."""
    return bool(rows["rule"].astype(str).str.contains("not gated").all())


def upgrade_verdicts(run: Run) -> list[dict]:
    """The verdict.json of every upgrade in the run (``python -m upgrade`` writes
    <run>/upgrade/verdict.json), each with ``from``/``to`` target names added."""
    found = []
    for directory in run.directories:
        path = directory / "upgrade" / "verdict.json"
        if not path.is_file():
            continue
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # an upgrade killed half-way: its own files say so; the report goes on
        document["from"], document["to"] = (_target_of(document.get(side, ""))
                                            for side in ("before", "after"))
        document["path"] = str(path)
        found.append(document)
    return found


def _target_of(label: str) -> str:
    """'httpx==0.28.1 (httpx-0.28.1)' -> 'httpx-0.28.1' (the target in brackets)."""
    return label.rsplit("(", 1)[-1].rstrip(")") if "(" in label else label


def described_rows(verdicts: list[dict], pinned: str) -> pd.DataFrame:
    """API and packaging findings of an upgrade from ``pinned`` to a target, as change rows."""
    rows = [{"target": verdict["to"], "area": finding["kind"], "item": finding["item"],
             "category": finding["kind"], "what": finding.get("note", ""),
             "before": finding.get("before", ""), "after": finding.get("after", ""),
             "source": "upgrade/surface.py (API and packaging description)", "input": ""}
            for verdict in verdicts if verdict["from"] == pinned
            for finding in verdict.get("findings", []) if finding.get("kind") in DESCRIBED_KINDS]
    return pd.DataFrame(rows)


def row_kinds(changes: pd.DataFrame) -> pd.Series:
    """Each change row's kinds, space-separated (a missing API is also breaking)."""
    if changes.empty:
        return pd.Series(dtype=str)
    missing = (changes["category"] == "breaking") & changes["after"].astype(str).str.startswith(
        MISSING_API)
    return changes["category"].where(~missing, "breaking " + MISSING_API)


def change_counts(changes: pd.DataFrame, targets: list[str], described: set[str]) -> pd.DataFrame:
    """Per target (rows in ``targets`` order): how many change rows of each kind. API and
    packaging are None for a target no upgrade run described (nothing to count)."""
    kinds = row_kinds(changes)
    rows = []
    for target in targets:
        mine = kinds[changes["target"] == target] if not changes.empty else kinds
        tokens = mine.str.split().explode().value_counts() if len(mine) else pd.Series()
        row: dict[str, object] = {"target": target}
        for kind in CHANGE_KINDS:
            known = kind not in DESCRIBED_KINDS or target in described
            row[kind] = int(tokens.get(kind, 0)) if known else None
        rows.append(row)
    return pd.DataFrame(rows, columns=["target", *CHANGE_KINDS])
