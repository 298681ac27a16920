"""``python -m reports upgrade FROM TO``: what changes for us if we move FROM -> TO."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from harness.schema import OUTCOMES
from reports.errors import InputError
from reports.load import (
    TargetResults,
    is_complete,
    load_results,
    load_target_directory,
    newest_complete,
)
from reports.matrix import claim_differences, target_claims


@dataclass
class Side:
    label: str  # the target name, with its run
    claims: pd.DataFrame  # indexed by claim id


def resolve(spec: str, roots: Sequence[Path], run: str | None) -> Side:
    """A target directory, or a target name looked up in the newest run that has it."""
    path = Path(spec)
    if path.is_dir():
        results = load_target_directory(path)
        if results is None or results.latest_conformance is None:
            raise InputError(path, "no conformance*.json in this directory")
        return side(results)
    runs = load_results(roots)
    # A named run is used as it is; otherwise the newest run that covered every claim.
    found = (newest_complete(runs, spec) if run is None else
             runs[run].targets.get(spec) if run in runs else None)
    if found is None or found.latest_conformance is None:
        known = sorted({t for r in runs.values() for t in r.targets})
        where = ", ".join(str(root) for root in roots)
        scope = f" in run {run}" if run else " in a complete run (partial runs are skipped)"
        raise InputError(where, f"no conformance results for target {spec!r}{scope} "
                                f"(targets found: {', '.join(known)})")
    return side(found)


def side(results: TargetResults) -> Side:
    latest = results.latest_conformance
    partial = " partial" if latest is not None and not is_complete(latest[1]) else ""
    return Side(f"{results.target} (run {results.run}{partial})",
                target_claims(results).set_index("claim"))


def upgrade_summary(before: Side, after: Side, changes: pd.DataFrame) -> list[str]:
    """The lines above the table: counts per outcome, how many changed and how."""
    lines = [f"Upgrade {before.label} -> {after.label}"]
    for current in (before, after):
        counts = current.claims["outcome"].value_counts()
        shown = ", ".join(f"{int(counts.get(o, 0))} {o}" for o in OUTCOMES if counts.get(o))
        lines.append(f"  {current.label}: {len(current.claims)} claims: {shown}")
    kinds = changes["change"].value_counts()
    lines.append(f"  {len(changes)} claims differ: {int(kinds.get('outcome', 0))} outcome, "
                 f"{int(kinds.get('observed', 0))} observed value only, "
                 f"{int(kinds.get('only-before', 0))} only before, "
                 f"{int(kinds.get('only-after', 0))} only after")
    missing = after.claims.index[after.claims["outcome"] == "missing-api"]
    if len(missing):
        lines.append(f"  missing APIs after: {', '.join(missing)}")
    return lines


def upgrade(from_spec: str, to_spec: str, roots: Sequence[Path],
            run: str | None = None) -> tuple[list[str], pd.DataFrame]:
    """The summary lines and the rows of claims that differ between two targets."""
    before, after = resolve(from_spec, roots, run), resolve(to_spec, roots, run)
    changes = claim_differences(before.claims, after.claims)
    return upgrade_summary(before, after, changes), changes
