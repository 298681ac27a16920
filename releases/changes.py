"""What differs between two measured releases, by the upgrade's own rules.

Claims and wire cases: the upgrade report (reports/upgrade.py); API, packaging and
environment: upgrade/surface.py's findings; counts: the regression gate's rows that moved
(upgrade/judge.py's ``count_findings``, compare's thresholds). Each difference is a
``Change`` with a key (its group and item) that is the same in every pair of releases, so
a timeline can follow an item across releases and a bisection can ask whether a release
already has a change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness import schema
from harness.packages import Difference, differences
from releases.measure import Measured

# Runs the differing claims and wire cases again on one release; None or why it could not.
Again = Callable[[Measured, list[str], list[str]], "str | None"]

GROUPS = ("claim", "wire", "api", "packaging", "environment", "count")


@dataclass(frozen=True)
class Change:
    group: str  # one of GROUPS
    item: str  # claim id, snapshot case, API item, "scenario measure"
    kind: str  # breaking, wire, informational, api, packaging, environment, regression...
    before: str
    after: str
    note: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return self.group, self.item

    def matches(self, other: Change) -> bool:
        """Whether ``other``, a release's change against FROM, is this change (TO's against
        FROM): the same item reaching TO's value. A count: moved the same way. A claim whose
        outcome changed: reached TO's outcome, whatever it observed on the way (an escaping
        rule revised twice; an outcome is what the changelog names). A claim that kept its
        outcome: observes what TO observes (loopback ports aside). Anything else: TO's value
        itself. So a release where the item differs some other way (a value it later lost,
        or a client that failed there) does not have the change."""
        from reports.matrix import same_observed

        if self.key != other.key:
            return False
        if self.group == "count":
            return self.kind == other.kind
        if self.group == "claim":
            if outcome(self.after) != outcome(other.after):
                return False
            return (outcome(self.before) != outcome(self.after)
                    or same_observed(observed(self.after), observed(other.after)))
        return self.after == other.after


def outcome(value: str) -> str:
    """``holds`` of ``holds: {...}``: a claim value's outcome."""
    return value.split(":", 1)[0].strip()


def observed(value: str) -> str:
    """``{...}`` of ``holds: {...}``: a claim value's observed value."""
    return value.split(":", 1)[-1].strip()


def claims_and_wire(a: Measured, b: Measured,
                    again: Again | None = None) -> tuple[list[Change], list[str]]:
    """Claims and wire cases that differ, each run again on both releases first (``again``)
    so that one that varies between runs of a release is a note, flaky with its rate, not
    a change (reports/flaky.py)."""
    from reports.flaky import FLAKY
    from reports.upgrade import claims_in, upgrade_report

    def report() -> Any:
        return upgrade_report(str(a.directory), str(b.directory), [schema.results_root()])

    found, notes = report(), []
    claims, cases = found.to_run_again()
    if again is not None and (claims or cases):
        notes = [why for release in (a, b) if (why := again(release, claims, cases))]
        found = report()
    named = claims_in(found.before, found.after)
    changes = []
    for row in found.differences.itertuples():
        group = "claim" if row.item in named else "wire"
        if row.category == FLAKY:
            notes.append(f"{group} {row.item}: flaky, not a change ({row.runs})")
            continue
        changes.append(Change(group, str(row.item), str(row.category), str(row.before),
                              str(row.after), str(row.what)))
    return changes, notes


def surface(a: Measured, b: Measured) -> tuple[list[Change], list[str]]:
    from upgrade.surface import findings

    before, after = a.surface, b.surface
    if before is None or after is None:
        lacking = [m.version for m in (a, b) if m.surface is None]
        return [], [f"API not compared: no description of {', '.join(lacking)}"]
    found = [Change("api" if f.kind in ("breaking", "api") else f.kind, f.item, f.kind,
                    f.before, f.after, f.note) for f in findings(before, after)]
    return found, []


def counts(a: Measured, b: Measured) -> tuple[list[Change], list[str]]:
    from upgrade.judge import count_findings, decisive, scenario_of

    before, after = a.latest("bench"), b.latest("bench")
    if before is None or after is None:
        lacking = [m.version for m in (a, b) if m.latest("bench") is None]
        return [], [f"counts not compared: no bench file for {', '.join(lacking)}"]
    missing, moved = count_findings(before, after)
    found = []
    for row, sure in zip(moved.itertuples(), decisive(moved), strict=True):
        note = f"{row.change}; rule: {row.rule}"
        if row.verdict == "regression" and not sure:
            note += "; near its threshold, one count run"
        found.append(Change("count", f"{scenario_of(row.benchmark)} {row.measure}",
                            str(row.verdict), str(row.baseline), str(row.candidate), note))
    return found, [f"counts {a.version} -> {b.version}: {line}" for line in missing]


def between(a: Measured, b: Measured,
            again: Again | None = None) -> tuple[list[Change], list[str]]:
    """Every change from release ``a`` to release ``b``, and notes on what was not compared
    (and on what differed in one run only)."""
    api, api_notes = surface(a, b)
    moved, count_notes = counts(a, b)
    seen, seen_notes = claims_and_wire(a, b, again)
    return seen + api + moved, seen_notes + api_notes + count_notes


def dependencies(a: Measured, b: Measured, distribution: str) -> list[Difference]:
    """The packages besides the target whose version differs between the two releases."""
    return [d for d in differences(a.packages, b.packages) if d[0] != distribution]
