"""From both sides' result files to the verdict's findings.

Claims and wire cases come from the upgrade report (reports/upgrade.py), counts from the
regression gate's rules (reports/compare.py): one home for each rule. What this module
adds is the same-job evidence: a claim or wire case that differs is run again on both sides
before it is called a change (reports/flaky.py judges the runs), and the package lists of
both sides are named beside a count change.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd

from harness import schema
from reports.compare import compare
from upgrade.suites import Side, SuiteError, latest, run_again, run_suite
from upgrade.verdict import Finding, Verdict

RECOUNT_SUFFIX = "~recount"
# An instruction count that moved by this many times its threshold is a change without a
# recount: the widest A/A spread measured in one job is 1.2 times (stream-read, 2.4 %
# against 2 %), between differently laid-out environments 3 times (one-off https, 6 %;
# issue 19). System calls always get a recount: brk moved by 3.75 per request A/A.
DECISIVE_MARGIN = 5.0


def claims_and_wire(job: Any, verdict: Verdict, before: Side, after: Side,
                    times: int) -> None:
    """The upgrade report's rows as findings: a claim or wire case that differs is run
    ``times`` more on both sides first, and the report (reading those reruns) calls one that
    varied flaky, with its rate (reports/flaky.py)."""
    from reports.snapshots import SOURCE
    from reports.upgrade import claims_in, upgrade_report

    def report() -> Any:
        return upgrade_report(str(before.directory), str(after.directory),
                              [schema.results_root()])

    first = report()
    claims = claims_in(first.before, first.after)
    rows = first.differences
    differing, wire = first.to_run_again()
    if (differing or wire) and times:
        job.say(f"{len(differing)} claims and {len(wire)} wire cases differ: running them "
                f"{times} more times a side")
        try:
            for side in (before, after):
                run_again(side, differing, wire, times)
            rows = report().differences
        except SuiteError as error:
            verdict.notes.append(f"reruns failed ({error}): differing claims and cases "
                                 "judged on one run")
    for row in rows.itertuples():
        seen = row.runs or "one run a side"
        if row.item in claims:
            note = seen
        else:
            note = "wire snapshot" if row.source == SOURCE else f"wire snapshot, {row.source}"
            note += f"; {row.runs}" if row.runs else ""
        verdict.findings.append(Finding(row.category, row.item, str(row.before),
                                        str(row.after), note))
    job.say(f"claims and wire: {len(rows)} differences "
            f"({sum(1 for f in verdict.findings if f.kind == 'flaky')} flaky)")


def count_findings(before: Path, after: Path) -> tuple[list[str], pd.DataFrame]:
    """Missing evidence, and the count rows that moved, between two bench files: the
    regressions are the rows compare's verdict fails on (``Comparison.failing``), the
    improvements are reported beside them. Each side is the count run's latest file: a
    suite retried after measuring nothing (upgrade/suites.py) leaves its failed attempt's
    file beside it, which the retry supersedes as a whole."""
    result = compare(before, after)
    failing = result.failing()
    table = result.table
    moved = (table["kind"] == "counts") & (
        table.index.isin(failing.index) | (table["verdict"] == "improvement"))
    return result.missing_evidence(), table[moved]


def scenario_of(benchmark: str) -> str:
    return benchmark.rpartition("[")[2].rstrip("]")


def counts(job: Any, verdict: Verdict, before: Side, after: Side, quick: bool) -> None:
    """Count verdicts between the two sides' count runs of this job; a count that moved is
    counted again on both sides, and is a finding only if it moves the same way again."""
    from harness.packages import describe

    missing, moved = count_findings(latest(before, "bench"), latest(after, "bench"))
    if missing:
        verdict.cannot_judge = "; ".join(missing)
        return
    if moved.empty:
        return
    # Only a regression can fail the verdict, so only a marginal regression is counted
    # again; an improvement is reported from the one count run, and says so.
    marginal = moved[(moved["verdict"] == "regression") & ~decisive(moved)]
    scenarios = sorted({scenario_of(name) for name in marginal["benchmark"]})
    confirmed: set[tuple[str, str, str]] = set()
    if scenarios:
        job.say(f"count regressions near their threshold in {', '.join(scenarios)}: "
                "counting them again on both sides")
        again = [Side(side.role, side.target + RECOUNT_SUFFIX, side.environment)
                 for side in (before, after)]
        try:
            for side in again:
                run_suite(side, "counts", quick_counts=quick, scenarios=scenarios)
            missing, recounted = count_findings(latest(again[0], "bench"),
                                                latest(again[1], "bench"))
        except SuiteError as error:
            verdict.cannot_judge = f"a count moved and could not be counted again: {error}"
            return
        if missing:
            verdict.cannot_judge = "; ".join(missing)
            return
        confirmed = {(scenario_of(r.benchmark), r.measure, r.verdict)
                     for r in recounted.itertuples()}
    differing = describe(verdict.packages) or "none"
    for row, sure in zip(moved.itertuples(), decisive(moved), strict=True):
        scenario = scenario_of(row.benchmark)
        kind, how = row.verdict, "one count run (improvements are not recounted)"
        if row.verdict == "regression" and sure:
            how = f"one count run, {row.margin:.0f} times its threshold"
        elif row.verdict == "regression":
            kept = (scenario, row.measure, row.verdict) in confirmed
            kind = row.verdict if kept else "flaky"
            how = ("again in the recount" if kept else
                   f"not again in the recount ({row.verdict} in one count run of two)")
        note = f"{row.change}; rule: {row.rule}; {how}"
        if kind == "regression":
            note += f"; packages that differ: {differing}"
        verdict.findings.append(Finding(kind, f"{scenario} {row.measure}",
                                        str(row.baseline), str(row.candidate), note))


def decisive(rows: pd.DataFrame) -> pd.Series:
    """Rows whose instruction count moved far beyond any A/A spread measured."""
    margin = pd.to_numeric(rows["margin"], errors="coerce").fillna(0.0)
    return (rows["measure"] == "instructions/request") & (margin >= DECISIVE_MARGIN)


SURFACE_TIMEOUT = 120.0  # seconds for one side's API and packaging description


def describe_side(side: Side) -> dict[str, Any]:
    """The target's API, packaging and environment, described in its own environment."""
    from upgrade.suites import side_environment

    spec = side.environment.spec
    try:
        done = subprocess.run([str(side.environment.python), "-m", "upgrade.surface",
                               spec.import_name, spec.distribution],
                              cwd=str(schema.REPO_ROOT), env=side_environment(side),
                              capture_output=True, text=True, timeout=SURFACE_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise SuiteError(f"describing {side.target} took over {SURFACE_TIMEOUT:.0f} s") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise SuiteError(f"describing {side.target} failed: {last}")
    return json.loads(done.stdout)


def surface(job: Any, verdict: Verdict, before: Side, after: Side, directory: Path) -> None:
    """API, packaging and environment findings (upgrade/surface.py), both descriptions kept
    beside the verdict. A side that cannot be described is a note: the claims still judge."""
    from upgrade.surface import findings

    try:
        described = [describe_side(side) for side in (before, after)]
    except (SuiteError, ValueError) as error:
        verdict.notes.append(f"API and packaging not compared: {error}")
        return
    for role, document in zip(("from", "to"), described, strict=True):
        schema.write_json(directory / f"surface-{role}.json", document)
    found = findings(*described)
    verdict.findings += found
    kinds = {kind: sum(1 for f in found if f.kind == kind)
             for kind in ("breaking", "api", "packaging", "environment")}
    job.say("API and packaging: " + ", ".join(f"{n} {k}" for k, n in kinds.items()))


def upgrade_html(verdict: Verdict, before: Side, after: Side, directory: Path) -> None:
    """The full upgrade report (every claim and case) beside the verdict."""
    from reports import html
    from reports.upgrade import upgrade_report

    report = upgrade_report(str(before.directory), str(after.directory),
                            [schema.results_root()])
    generated = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    (directory / "upgrade.html").write_text(html.render_upgrade(report, generated),
                                            encoding="utf-8")
    verdict.notes.append(f"full upgrade report: {directory / 'upgrade.html'}")
