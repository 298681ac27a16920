"""``python -m reports upgrade FROM TO``: what changes for us if we move FROM -> TO."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from harness.schema import OUTCOMES
from reports.errors import InputError
from reports.load import TargetResults, load_results, load_target_directory
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
    candidates = [r for r in runs.values()
                  if spec in r.targets and r.targets[spec].latest_conformance is not None
                  and (run is None or r.name == run)]
    if not candidates:
        known = sorted({t for r in runs.values() for t in r.targets})
        where = ", ".join(str(root) for root in roots)
        scope = f" in run {run}" if run else ""
        raise InputError(where, f"no conformance results for target {spec!r}{scope} "
                                f"(targets found: {', '.join(known)})")
    return side(candidates[-1].targets[spec])


def side(results: TargetResults) -> Side:
    return Side(f"{results.target} (run {results.run})",
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
