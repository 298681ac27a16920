"""``python -m reports rerun``: run again, on both sides, what differs from the pinned target.

The main run (``tox``) writes each target's conformance and snapshot from its own tox
environment. This step (tox's report environment runs it before the report) runs each claim
and wire case that differs between the pinned target and another target ``flaky.RERUNS``
more times in both targets' own environments (the interpreter their result files name),
into ``<run>/<target>~rerun/``. The report then calls a difference that varied between runs
of one target flaky, with its rate (reports/flaky.py), and counts the others as changes
seen in every run. A target whose environment is not on this machine is named in one line
and judged on its one run.

CI runs one job per target, so no job holds another target's results: there
``--against-expectations`` (each conformance job, after its suite) finds what may differ
without them, from the expectation files (conformance/expectations/): a target's claims
whose outcome differs from the pinned target's expected outcome, and for the pinned target
its claims whose outcome differs from any target's (its own file too: the pinned target on
other Pythons is compared with the main one). Those run again in the job's own
environment, into the same ``<target>~rerun/``, which the report job reads with the merged
artifacts unchanged. Expectation files record outcomes, not observed values, and no job
has another target's wire snapshot: a claim that differs only in its observed value, and
every wire case, is judged on one run in CI.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from conformance.catalogue import load_catalogue
from conformance.expectations import EXPECTATIONS_DIR, Expectation, load_expectations
from reports import flaky
from reports.load import Run
from reports.upgrade import compare_sides, run_side

LANES = 2  # targets run again at once


@dataclass
class Plan:
    """What one target runs again: the claims and cases that differ from the pinned one
    (for the pinned target, from any other), and where its results and interpreter are."""

    target: str
    home: Path  # the directory of the results the report reads: <root>/<run>/<target>
    executable: str | None
    import_name: str
    claims: set[str] = field(default_factory=set)
    cases: set[str] = field(default_factory=set)


def plan(run: Run, pinned: str) -> list[Plan]:
    """Every target with something that differs from the pinned target, the pinned first;
    none when the run has no pinned conformance."""
    if pinned not in run.targets or not run.targets[pinned].conformance:
        return []
    base = plan_for(run, pinned)
    plans = []
    for target in sorted(set(run.targets) - {pinned}):
        side = run_side(run, target)
        if side.claims is None or side.claims["outcome"].isin(
                ["not-installed", "harness-error"]).all():
            continue  # nothing was measured: nothing to run again
        other = plan_for(run, target)
        claims, cases = compare_sides(run_side(run, pinned), side).to_run_again()
        for mine in (base, other):
            mine.claims.update(claims)
            mine.cases.update(cases)
        if other.claims or other.cases:
            plans.append(other)
    return [base, *plans] if base.claims or base.cases else plans


def plan_against_expectations(run: Run, pinned: str,
                              directory: Path | None = None) -> list[Plan]:
    """Every target of ``run`` with conformance results (in a CI job: its own one) and the
    claims whose outcome differs from what the expectation files in ``directory`` expect
    of the other side: the pinned target's, or for the pinned target every target's."""
    directory = directory or EXPECTATIONS_DIR
    files = {path.stem: path for path in sorted(directory.glob("*.toml"))}
    plans = []
    for target in sorted(run.targets):
        claims = run_side(run, target).claims
        if claims is None or claims["outcome"].isin(["not-installed", "harness-error"]).all():
            continue  # nothing was measured: nothing to run again
        # The pinned target's own file too: the other Pythons' jobs are compared with it.
        others = list(files) if target == pinned else [pinned]
        expected = [load_expectations(name, files.get(name, directory / f"{name}.toml"))
                    for name in others]
        item = plan_for(run, target)
        item.claims = differing_outcomes(claims, expected) | measured_claims(claims)
        if item.claims:
            plans.append(item)
    return plans


def measured_claims(claims: pd.DataFrame) -> set[str]:
    """The claims whose observed value is a measurement (the catalogue's ``measured``): the
    expectation files hold outcomes only, so a duration that differs from the other side's
    cannot be told from them, and every job runs these again (5 claims, a few seconds)."""
    catalogue = load_catalogue()
    return {str(claim) for claim, outcome in claims["outcome"].items()
            if str(claim) in catalogue and catalogue[str(claim)].measured
            and outcome not in ("missing-api", "not-installed", "harness-error")}


def differing_outcomes(claims: pd.DataFrame, expected: list[dict[str, Expectation]]
                       ) -> set[str]:
    """The claims whose outcome differs from the outcome some expectations give, where
    neither is decided by the API's shape (reports/flaky.py: running it again tells
    nothing)."""
    return {claim for claim, outcome in claims["outcome"].items()
            for other in expected
            if outcome != (found := other.get(str(claim), Expectation("holds")).outcome)
            and not flaky.settled(outcome, found)}


def plan_for(run: Run, target: str) -> Plan:
    latest = run.targets[target].latest_conformance
    assert latest is not None
    path, document = latest
    environment = document.get("environment") or {}
    return Plan(target, path.parent, environment.get("executable"),
                environment.get("import_name") or "httpx")


def run_plan(item: Plan, say: Callable[[str], None]) -> float:
    """The plan's claims and cases run until each has flaky.RERUNS reruns; seconds spent."""
    from upgrade.environments import Environment
    from upgrade.requirement import Spec
    from upgrade.suites import Side, SuiteError, run_again

    what = f"{len(item.claims)} claims and {len(item.cases)} wire cases"
    python = Path(item.executable) if item.executable else None
    if python is None or not python.is_file():
        say(f"rerun: {item.target}: {what} differ, but its environment "
            f"({python or 'not recorded in its results'}) is not on this machine: judged on "
            "one run")
        return 0.0
    spec = Spec(item.target, item.target, item.target, item.import_name)
    side = Side("rerun", item.target, Environment(spec, Path(), python.parent.parent),
                run=item.home.parent.name)
    began = time.monotonic()
    try:
        run_again(side, sorted(item.claims), sorted(item.cases), flaky.RERUNS)
    except SuiteError as error:
        say(f"rerun: {item.target}: could not run them again ({error}): judged on the runs "
            "it has")
    seconds = time.monotonic() - began
    say(f"rerun: {item.target}: {what} run again ({flaky.RERUNS} runs each): {seconds:.0f} s")
    return seconds


def rerun(run: Run, pinned: str, say: Callable[[str], None],
          against_expectations: bool = False) -> float:
    """Run again what differs in ``run`` (from the other targets' results, or from their
    expectation files); the seconds it took in all."""
    plans = plan_against_expectations(run, pinned) if against_expectations else plan(run, pinned)
    if not plans:
        say(f"rerun: run {run.name}: nothing differs from "
            + ("the expectation files" if against_expectations else
               f"{pinned} (or {pinned} has no conformance results)")
            + ": nothing to run again")
        return 0.0
    if against_expectations:
        say("rerun: wire cases and observed values are not compared (no other target's "
            "results here): claims whose outcome differs only")
    # The suites write under the root the results came from, whatever $HARNESS_RESULTS says.
    os.environ["HARNESS_RESULTS"] = str(plans[0].home.parent.parent)
    began = time.monotonic()
    # The suites mostly wait on the server: two targets at once, as the upgrade runs its
    # two sides' suites side by side.
    from upgrade.suites import stop_all

    pool = ThreadPoolExecutor(max_workers=LANES)
    try:
        list(pool.map(lambda item: run_plan(item, say), plans))
    except KeyboardInterrupt:
        stop_all()  # the suites' process groups: the threads then see them fail and end
        raise
    finally:
        pool.shutdown(wait=True)
    took = time.monotonic() - began
    say(f"rerun: run {run.name}: {took:.0f} s for the reruns of {len(plans)} targets")
    return took
