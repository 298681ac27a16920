"""``python -m reports rerun``: run again, on both sides, what differs from the pinned target.

The main run (``tox``) writes each target's conformance and snapshot from its own tox
environment. This step (tox's report environment runs it before the report) runs each claim
and wire case that differs between the pinned target and another target ``flaky.RERUNS``
more times in both targets' own environments (the interpreter their result files name),
into ``<run>/<target>~rerun/``. The report then calls a difference that varied between runs
of one target flaky, with its rate (reports/flaky.py), and counts the others as changes
seen in every run. A target whose environment is not on this machine (CI: one job per
target) is named in one line and judged on its one run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

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


def rerun(run: Run, pinned: str, say: Callable[[str], None]) -> float:
    """Run again what differs in ``run``; the seconds it took in all."""
    plans = plan(run, pinned)
    if not plans:
        say(f"rerun: run {run.name}: nothing differs from {pinned} (or {pinned} has no "
            "conformance results): nothing to run again")
        return 0.0
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
