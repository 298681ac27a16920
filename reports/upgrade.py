"""``python -m reports upgrade FROM TO``: what changes for us if we move FROM -> TO.

Two sources of evidence, one table: the claims (conformance.json: documented behaviour,
cited) and the wire snapshot (snapshot.json: every case of the request grid, whether or not
anyone documented it). Every row is classified ``breaking``, ``wire`` or ``informational``
and belongs to an area (the claim's or case's id prefix).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from harness.schema import OUTCOMES, RERUN_SUFFIX
from reports import flaky
from reports.errors import InputError
from reports.load import (
    Run,
    TargetResults,
    is_complete,
    load_results,
    result_files,
    target_key,
)
from reports.matrix import (
    REQUESTS_COLUMN,
    claim_differences,
    requests_reference,
    run_claims,
    target_claims,
)
from reports.readers import read_conformance
from reports.snapshots import (
    CATEGORIES,
    ROW_COLUMNS,
    SOURCE,
    Systematic,
    basis,
    cases_differ,
    read_snapshot,
    snapshot_rows,
)

# Claim areas whose observed values are what went over the wire: an observed-only change
# there is a wire change, elsewhere it is informational.
WIRE_AREAS = {"bodies", "params", "urls", "headers", "base-url", "redirects", "cookies", "auth",
              "compat"}
MISSING_SHOWN = 8  # missing-api claim names listed in the summary line
AREA_ROWS = 10  # rows shown per area in a wire or informational section (never breaking)
# What a breaking row is, in the order they are listed: a behaviour our code may already
# depend on first, then an API that is gone (the code using it will not even run).
BEHAVIOUR_CHANGED, API_REMOVED, API_ADDED = "behaviour changed", "API removed", "API added"
BREAKING_ORDER = (BEHAVIOUR_CHANGED, API_REMOVED)
# Text from results that means nothing to a reader: object addresses, and the harness's own
# objects and module paths (the adapter standing in for the target, its MissingAPI class).
ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
HARNESS_OBJECT = re.compile(r"<(?:conformance|snapshot|server|harness)\.[\w.]+ object>")
HARNESS_PATH = re.compile(r"\b(?:conformance|snapshot|server|harness|reports|upgrade)"
                          r"(?:\.[a-z_]+)+\.(?=[A-Za-z_])")


def readable(text: str) -> str:
    """A value or message as a user reads it: no addresses, no harness internals."""
    text = HARNESS_OBJECT.sub("<target>", ADDRESS.sub("", text))
    return HARNESS_PATH.sub("", text)


@dataclass
class Side:
    label: str  # the target name, with its run
    claims: pd.DataFrame | None  # indexed by claim id
    snapshot: dict[str, Any] | None = None
    snapshot_path: Path | None = None
    # The differing claims and cases run again (<target>~rerun/): each file, oldest first
    claim_reruns: list[pd.DataFrame] = field(default_factory=list)
    snapshot_reruns: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class UpgradeReport:
    before: Side
    after: Side
    summary: list[str]
    rows: pd.DataFrame  # ROW_COLUMNS; differing and unchanged rows, claims then snapshot
    claim_changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    claims_summary: list[str] = field(default_factory=list)  # the summary without the snapshot

    @property
    def differences(self) -> pd.DataFrame:
        return self.rows[self.rows["differs"]]

    def to_run_again(self) -> tuple[list[str], list[str]]:
        """The differing claims and wire cases whose difference could be chance: those a
        run again can tell from noise (reports/flaky.py; not an API's shape)."""
        claims = claims_in(self.before, self.after)
        ids = [{case["id"] for case in side.snapshot["cases"]} if side.snapshot else set()
               for side in (self.before, self.after)]
        cases = ids[0] & ids[1]  # a case only one side has is no run-to-run question
        rows = self.differences
        # A boolean Series, not a list: an empty list selects no columns (KeyError 'item'
        # on an A/A upgrade, where nothing differs).
        chance = pd.Series([not flaky.settled(a, b) for a, b in zip(
            rows["before"], rows["after"], strict=True)], index=rows.index, dtype=bool)
        rows = rows[chance]
        return ([item for item in rows["item"] if item in claims],
                [item for item in rows["item"] if item in cases and item not in claims])

    def verdict_line(self) -> str:
        """"Upgrade FROM -> TO: 1 breaking, 1 wire, 0 informational": what the terminal
        prints first and last."""
        counts = self.differences["category"].value_counts()
        return (f"{self.summary[0]}: "
                + ", ".join(f"{int(counts.get(kind, 0))} {kind}" for kind in kinds(counts)))

    def by_area(self) -> pd.DataFrame:
        """Per area: how many rows differ, by category, and how many are unchanged."""
        rows = self.rows
        shown = kinds(self.differences["category"].value_counts())
        table = (rows[rows["differs"]].groupby(["area", "category"]).size()
                 .unstack(fill_value=0).reindex(columns=shown, fill_value=0))
        same = rows[~rows["differs"]].groupby("area").size().rename("same")
        table = table.join(same, how="outer").fillna(0).astype(int)
        table["compared"] = table[shown].sum(axis=1) + table["same"]
        ordered = table.sort_values(["breaking", "wire", "informational"], ascending=False,
                                    kind="stable")
        return ordered.reset_index().rename(columns={"index": "area"})


def kinds(counts: pd.Series) -> list[str]:
    """The categories a report counts: flaky only where some row is."""
    return [*CATEGORIES, *([flaky.FLAKY] if counts.get(flaky.FLAKY, 0) else [])]


def resolve(spec: str, roots: Sequence[Path], run: str | None) -> Side:
    """A target directory, or a target name looked up in the newest run that has it.

    ``requests`` is a pseudo-target: its snapshot is written by the pinned environment and
    its claims are the requests side recorded beside every claim.
    """
    path = Path(spec)
    if path.is_dir():
        conformance = result_files(path, "conformance")
        snapshots = result_files(path, "snapshot")
        if not conformance and not snapshots:
            raise InputError(path, "no conformance*.json or snapshot*.json in this directory")
        claims = None
        partial = ""
        if conformance:
            document = read_conformance(conformance[-1])
            results = TargetResults(path.parent.name, path.name, [(conformance[-1], document)])
            claims = target_claims(results).set_index("claim")
            partial = "" if is_complete(document) else " partial"
        return with_reruns(with_snapshot(
            Side(f"{path.name} (run {path.parent.name}{partial})", claims), snapshots), path)
    try:
        runs = load_results(roots)
    except InputError:  # no conformance or bench file anywhere: snapshots may still be there
        runs = {}
    names = [name for name in run_names(roots, runs) if run is None or name == run]
    for name in reversed(names):
        found = runs.get(name) or Run(name)
        snapshots = [p for root in roots for p in result_files_or_none(root / name / spec)]
        has_claims = spec in found.targets and found.targets[spec].latest_conformance
        if has_claims and run is None and not is_complete(has_claims[1]):
            continue  # a partial run (-k, --claim) is no baseline unless named explicitly
        if not has_claims and not snapshots and not (spec == REQUESTS_COLUMN
                                                     and found.targets):
            continue
        partial = ""
        if has_claims:
            claims = target_claims(found.targets[spec]).set_index("claim")
            partial = "" if is_complete(has_claims[1]) else " partial"
        elif spec == REQUESTS_COLUMN:
            claims = requests_claims(run_claims(found))
        else:
            claims = None
        home = (found.targets[spec].latest_conformance[0].parent if has_claims
                else snapshots[0].parent if snapshots else None)
        return with_reruns(with_snapshot(Side(f"{spec} (run {name}{partial})", claims),
                                         snapshots), home)
    known = sorted({t for r in runs.values() for t in r.targets}
                   | {d.name for root in roots if root.is_dir() for run_dir in root.iterdir()
                      if run_dir.is_dir() for d in run_dir.iterdir()
                      if result_files_or_none(d)})
    where = ", ".join(str(root) for root in roots)
    scope = f" in run {run}" if run else " in a complete run (partial runs are skipped)"
    raise InputError(where, f"no conformance results for target {spec!r}{scope} and no "
                            f"snapshot (targets found: {', '.join(known)})")


def run_names(roots: Sequence[Path], runs: dict[str, Run]) -> list[str]:
    """Runs oldest first: those with conformance or bench results in their order, then run
    directories holding only snapshots, by modification time."""
    others = sorted((d for root in roots if root.is_dir() for d in root.iterdir()
                     if d.is_dir() and not d.name.startswith(".") and d.name not in runs),
                    key=lambda d: d.stat().st_mtime)
    return list(dict.fromkeys([*runs, *(d.name for d in others)]))


def result_files_or_none(directory: Path) -> list[Path]:
    return result_files(directory, "snapshot") if directory.is_dir() else []


def with_snapshot(side: Side, snapshots: list[Path]) -> Side:
    if snapshots:  # a rerun in the same run writes snapshot-2.json: the last one counts
        side.snapshot_path = snapshots[-1]
        side.snapshot = read_snapshot(snapshots[-1])
    return side


def with_reruns(side: Side, home: Path | None) -> Side:
    """The side's reruns: the files in ``<target>~rerun`` beside its own directory."""
    again = home.with_name(home.name + RERUN_SUFFIX) if home is not None else None
    if again is None or not again.is_dir():
        return side
    side.claim_reruns = [target_claims(TargetResults(again.parent.name, home.name,
                                                     [(path, read_conformance(path))]))
                         .set_index("claim") for path in result_files(again, "conformance")]
    side.snapshot_reruns = [read_snapshot(path) for path in result_files(again, "snapshot")]
    return side


def requests_claims(claims: pd.DataFrame) -> pd.DataFrame | None:
    """requests' side of the claims that document one, shaped like a target's claims."""
    reference = requests_reference(claims)
    if reference.empty:
        return None
    cited = claims.drop_duplicates("claim").set_index("claim")[["sentence", "source"]]
    frame = reference.rename(columns={"requests_outcome": "outcome",
                                      "requests_observed": "observed",
                                      "requests_message": "message"})
    return frame.join(cited).fillna({"message": "", "observed": ""})


def claim_rows(before: pd.DataFrame, after: pd.DataFrame, common_only: bool) -> pd.DataFrame:
    """Every claim as an upgrade row; ``common_only`` drops claims one side lacks."""
    if common_only:
        shared = before.index.intersection(after.index)
        before, after = before.loc[shared], after.loc[shared]
    changes = claim_differences(before, after).set_index("claim")
    rows = []
    for claim in dict.fromkeys([*before.index, *after.index]):
        area = claim.split(".")[0]
        cited = after.loc[claim] if claim in after.index else before.loc[claim]
        row = {"area": area, "item": claim, "source": cited["source"],
               "input": cited["sentence"]}
        if claim in changes.index:
            change = changes.loc[claim]
            if change["change"] == "observed":
                kind, what = ("wire" if area in WIRE_AREAS else "informational"), "observed"
            elif change["change"] == "outcome":
                kind, what = outcome_change(change["before_outcome"], change["after_outcome"])
            else:
                kind, what = "informational", change["change"]
            row.update(category=kind, what=what, differs=True,
                       before=claim_value(change, "before"), after=claim_value(change, "after"))
        else:
            mine = before.loc[claim]
            row.update(category="", what="", differs=False,
                       before=f"{mine['outcome']}: {mine['observed']}",
                       after=f"{after.loc[claim]['outcome']}: {after.loc[claim]['observed']}")
        rows.append(row)
    return pd.DataFrame(rows, columns=ROW_COLUMNS)


def outcome_change(before: str, after: str) -> tuple[str, str]:
    """(category, what) of a claim whose outcome changed: an API that is gone is not a
    behaviour that changed, and one that appeared breaks nothing."""
    if after == "missing-api":
        return "breaking", API_REMOVED
    if before == "missing-api":
        return "informational", API_ADDED
    return "breaking", BEHAVIOUR_CHANGED


def claim_value(change: pd.Series, side: str) -> str:
    outcome, observed = change[f"{side}_outcome"], change[f"{side}_observed"]
    message = change[f"{side}_message"]
    text = f"{outcome}: {observed}" if observed else str(outcome)
    if outcome in ("broken", "missing-api", "not-installed") and message:
        text += f" ({message[:200]})"
    return text


def side_line(side: Side) -> str:
    parts = []
    if side.claims is not None:
        counts = side.claims["outcome"].value_counts()
        shown = ", ".join(f"{int(counts.get(o, 0))} {o}" for o in OUTCOMES if counts.get(o))
        parts.append(f"{len(side.claims)} claims: {shown}")
    if side.snapshot is not None:
        cases = side.snapshot["cases"]
        counts = pd.Series([c["outcome"] for c in cases]).value_counts()
        shown = ", ".join(f"{int(n)} {o}" for o, n in counts.items())
        version = side.snapshot.get("version")
        parts.append(f"snapshot of {len(cases)} cases" + (f" ({shown})" if shown else "")
                     + (f", {side.snapshot['library']} {version}" if version else ""))
        if side.snapshot.get("not_installed"):
            parts.append(f"not installed: {side.snapshot['not_installed']}")
    return f"  {side.label}: " + ("; ".join(parts) or "no results")


def upgrade_summary(before: Side, after: Side, changes: pd.DataFrame) -> list[str]:
    """The lines above the tables: counts per side, how many claims changed and how."""
    lines = [f"Upgrade {before.label} -> {after.label}", side_line(before), side_line(after)]
    if len(changes) or (before.claims is not None and after.claims is not None):
        kinds = changes["change"].value_counts()
        lines.append(f"  {len(changes)} claims differ: {int(kinds.get('outcome', 0))} outcome, "
                     f"{int(kinds.get('observed', 0))} observed value only, "
                     f"{int(kinds.get('only-before', 0))} only before, "
                     f"{int(kinds.get('only-after', 0))} only after")
    if after.claims is not None:
        missing = list(after.claims.index[after.claims["outcome"] == "missing-api"])
        if missing:
            more = (f" and {len(missing) - MISSING_SHOWN} more" if len(missing) > MISSING_SHOWN
                    else "")
            lines.append(f"  missing APIs after: {', '.join(missing[:MISSING_SHOWN])}{more}")
    return lines


def upgrade_report(from_spec: str, to_spec: str, roots: Sequence[Path],
                   run: str | None = None) -> UpgradeReport:
    """Both sides resolved, every claim and snapshot case compared, the summary written."""
    before, after = resolve(from_spec, roots, run), resolve(to_spec, roots, run)
    return compare_sides(before, after, REQUESTS_COLUMN in (from_spec, to_spec))


def compare_sides(before: Side, after: Side, one_is_requests: bool = False) -> UpgradeReport:
    """Every claim and snapshot case of two resolved sides compared, the summary written;
    ``one_is_requests``: only the claims both sides have are compared."""
    frames, changes = [], pd.DataFrame(columns=["claim", "change"])
    if before.claims is not None and after.claims is not None:
        changes = claim_differences(*(common(before.claims, after.claims)
                                      if one_is_requests else (before.claims, after.claims)))
        frames.append(claim_rows(before.claims, after.claims, one_is_requests))
    empty = [s for s in (before, after) if s.snapshot is not None and not s.snapshot["cases"]]
    if before.snapshot is not None and after.snapshot is not None and not empty:
        cited = {claim: str(side.claims.loc[claim, "source"]) for side in (after, before)
                 if side.claims is not None for claim in side.claims.index}
        frames.append(snapshot_rows(before.snapshot, after.snapshot, cited))
    rows = (pd.concat([f for f in frames if not f.empty], ignore_index=True)
            if any(not f.empty for f in frames) else pd.DataFrame(columns=ROW_COLUMNS))
    rows["differs"] = rows["differs"].astype(bool)
    systematic = (basis(before.snapshot, after.snapshot) if before.snapshot is not None
                  and after.snapshot is not None and not empty else None)
    rows = judged(rows, before, after, systematic)
    rows = in_reading_order(named_removals(rows))
    rows[["before", "after"]] = rows[["before", "after"]].astype(str).map(readable)
    summary = upgrade_summary(before, after, changes)
    claims_summary = list(summary)
    differing = rows[rows["differs"]]
    counts = differing["category"].value_counts()
    from_snapshot = int((differing["source"] == SOURCE).sum())
    from_claims = int((differing["item"].isin(claims_in(before, after))).sum())
    summary.append(f"  {len(differing)} differences: "
                   + ", ".join(f"{int(counts.get(k, 0))} {k}" for k in kinds(counts))
                   + f" ({from_claims} claims, {len(differing) - from_claims - from_snapshot} "
                     f"snapshot cases a claim documents, {from_snapshot} found only by the "
                     "wire snapshot)")
    for side in empty:
        summary.append(f"  {side.label}: snapshot without cases "
                       f"({side.snapshot.get('not_installed') or 'nothing ran'}): not compared")
    if before.snapshot is None or after.snapshot is None:
        lacking = [s.label for s in (before, after) if s.snapshot is None]
        summary.append(f"  no wire snapshot for {', '.join(lacking)}: claims only")
    return UpgradeReport(before, after, summary, rows, changes, claims_summary)


def judged(rows: pd.DataFrame, before: Side, after: Side,
           common: Systematic | None) -> pd.DataFrame:
    """Each differing claim or case judged on all its runs on both sides (reports/flaky.py):
    one that varies is ``flaky``, with its rate; one seen again says how often."""
    rows = rows.assign(runs=rows["runs"].astype(object).fillna(""))
    rerun = bool(before.claim_reruns or after.claim_reruns or before.snapshot_reruns
                 or after.snapshot_reruns)
    for index in rows.index[rows["differs"]]:
        if flaky.settled(rows.at[index, "before"], rows.at[index, "after"]):
            rows.at[index, "runs"] = flaky.SETTLED
            continue
        found = item_runs(str(rows.at[index, "item"]), before, after, common) if rerun else None
        if found is None or len(found[0]) + len(found[1]) == 2:
            continue
        kind, note = flaky.judge(str(rows.at[index, "category"]), *found)
        if kind == flaky.FLAKY:
            rows.at[index, "what"] = f"flaky ({rows.at[index, 'what']}): {note}"
        rows.at[index, "category"], rows.at[index, "runs"] = kind, note
    return rows


def item_runs(item: str, before: Side, after: Side, common: Systematic | None) -> tuple[
        list[Any], list[Any], Any, Any] | None:
    """One claim's or case's runs on each side, and how two of them are compared (in full,
    and by outcome alone); None for a row that is no single item both sides ran (a header
    seen in every case)."""
    if (before.claims is not None and after.claims is not None
            and item in before.claims.index and item in after.claims.index):
        def claim_runs(side: Side) -> list[pd.DataFrame]:
            # A rerun the harness could not observe (harness-error) is no run of the target.
            assert side.claims is not None
            return [side.claims.loc[[item]]] + [
                frame.loc[[item]] for frame in side.claim_reruns
                if item in frame.index and frame.at[item, "outcome"] != "harness-error"]

        return (claim_runs(before), claim_runs(after),
                lambda a, b: not claim_differences(a, b).empty,
                lambda a, b: a["outcome"].iloc[0] != b["outcome"].iloc[0])
    if common is None:
        return None

    def case_runs(side: Side) -> list[dict[str, Any]]:
        snapshots = [side.snapshot, *side.snapshot_reruns]
        return [case for snapshot in snapshots if snapshot is not None
                for case in snapshot["cases"] if case["id"] == item]

    a, b = case_runs(before), case_runs(after)
    if not a or not b:
        return None
    return (a, b, lambda x, y: cases_differ(x, y, common),
            lambda x, y: (x["outcome"], x.get("status")) != (y["outcome"], y.get("status")))


def named_removals(rows: pd.DataFrame) -> pd.DataFrame:
    """A snapshot case whose input the new side can no longer express is an API removed."""
    unsupported = (rows["differs"] & (rows["what"] == "outcome")
                   & rows["after"].astype(str).str.startswith("unsupported"))
    return rows.assign(what=rows["what"].where(~unsupported, API_REMOVED))


def in_reading_order(rows: pd.DataFrame) -> pd.DataFrame:
    """Differing rows first, by category (breaking first), breaking behaviour changes before
    API removals; the order within each group as found (catalogue, then grid)."""
    category = rows["category"].map({kind: i for i, kind in enumerate(CATEGORIES)})
    removal = rows["what"].eq(API_REMOVED)
    key = pd.DataFrame({"same": ~rows["differs"], "category": category.fillna(len(CATEGORIES)),
                        "removal": removal})
    order = key.sort_values(["same", "category", "removal"], kind="stable").index
    return rows.loc[order].reset_index(drop=True)


def sections(report: UpgradeReport, show_all: bool = False) -> list[tuple[str, pd.DataFrame,
                                                                         list[str]]]:
    """(title, rows, notes) in reading order: behaviour changed, API removed (both breaking,
    every row always), then wire and informational, each area cut to AREA_ROWS unless
    ``show_all``, with a note naming the area and how many rows it leaves out."""
    differences = report.differences
    breaking = differences[differences["category"] == "breaking"]
    groups = [(BEHAVIOUR_CHANGED.capitalize(), breaking[breaking["what"] != API_REMOVED],
               False),
              (f"{API_REMOVED} (breaking)", breaking[breaking["what"] == API_REMOVED], False)]
    groups += [(kind.capitalize() + " changes", differences[differences["category"] == kind],
                not show_all) for kind in CATEGORIES if kind != "breaking"]
    groups.append(("Flaky: not a change (varied between runs of one side)",
                   differences[differences["category"] == flaky.FLAKY], False))
    found = []
    for title, rows, capped in groups:
        if rows.empty:
            continue
        notes, kept = [], []
        for area, group in rows.groupby("area", sort=False):
            kept.append(group.head(AREA_ROWS) if capped else group)
            if capped and len(group) > AREA_ROWS:
                notes.append(f"{len(group) - AREA_ROWS} more {title.split()[0].lower()} rows "
                             f"in area {area} (--all or --html lists every row)")
        found.append((f"{title} ({len(rows)})", pd.concat(kept), notes))
    return found


def run_side(run: Run, target: str) -> Side:
    """A target of an already loaded run as an upgrade side: its claims, and the snapshot
    beside its conformance file (or in the run's own directory)."""
    results = run.targets[target]
    claims = target_claims(results).set_index("claim") if results.conformance else None
    latest = results.latest_conformance
    directories = ([latest[0].parent] if latest else []) + [d / target for d in run.directories]
    snapshots = next((found for d in directories if (found := result_files_or_none(d))), [])
    home = latest[0].parent if latest else snapshots[0].parent if snapshots else None
    return with_reruns(with_snapshot(Side(target, claims), snapshots), home)


def changes_by_target(run: Run, pinned: str) -> pd.DataFrame:
    """Every row that differs moving from ``pinned`` to each other target of ``run``
    (``target`` column first; ROW_COLUMNS without ``differs``). A target that could not be
    installed, or has no claims and no snapshot, has no rows (the summary says why)."""
    columns = ["target", *ROW_COLUMNS[:-1]]
    if pinned not in run.targets:
        return pd.DataFrame(columns=columns)
    base = run_side(run, pinned)
    frames = []
    for target in sorted(set(run.targets) - {pinned}, key=target_key):
        side = run_side(run, target)
        if side.claims is not None and (side.claims["outcome"] == "not-installed").all():
            continue
        differing = compare_sides(base, side).differences
        frames.append(differing.drop(columns=["differs"]).assign(target=target))
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def claims_in(*sides: Side) -> set[str]:
    return {claim for side in sides if side.claims is not None for claim in side.claims.index}


def common(left: pd.DataFrame, right: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    shared = left.index.intersection(right.index)
    return left.loc[shared], right.loc[shared]


def upgrade(from_spec: str, to_spec: str, roots: Sequence[Path],
            run: str | None = None) -> tuple[list[str], pd.DataFrame]:
    """The summary lines and the rows of claims that differ between two targets."""
    report = upgrade_report(from_spec, to_spec, roots, run)
    return report.claims_summary, report.claim_changes

