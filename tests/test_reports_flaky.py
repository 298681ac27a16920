"""A difference between two targets is a change only when it was seen again: the reruns
(<target>~rerun/) that the report, the upgrade and the releases read, and the rule that
calls a difference that varied between runs of one target flaky, with its rate."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.schema import RERUN_SUFFIX
from reports import flaky
from reports.first_screen import change_counts
from reports.load import load_results
from reports.rerun import plan
from reports.tables import build_tables
from reports.upgrade import changes_by_target
from tests.reports_helpers import NEW_RUN, PINNED, REPO, copy_results, run_main
from tests.test_reports_upgrade import case, write

OTHER = "httpx-0.27.2"
CLAIM = "sync.top-level-get"  # in the hand-made results
REAL_CLAIM = "status.raise-for-status-class"  # in today's catalogue: quick, no timing


def rewrite(path: Path, change: Any) -> dict[str, Any]:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))
    return document


def claim_of(document: dict[str, Any], claim: str) -> dict[str, Any]:
    return next(entry for entry in document["claims"] if entry["id"] == claim)


def planted_run(tmp_path: Path, reruns_agree: bool) -> Path:
    """The hand-made run with ``CLAIM`` broken on OTHER in its one run, and two reruns of it
    on OTHER that hold (``reruns_agree=False``: a one-run difference) or stay broken."""
    root = copy_results(tmp_path)
    run = root / NEW_RUN
    main = run / OTHER / "conformance.json"
    document = rewrite(main, lambda d: claim_of(d, CLAIM).update(
        outcome="broken", message="ReadTimeout: planted"))
    again = run / (OTHER + RERUN_SUFFIX)
    again.mkdir()
    for name in ("conformance.json", "conformance-2.json"):
        rerun = copy.deepcopy(document)
        rerun["claims"] = [claim_of(rerun, CLAIM)]
        if reruns_agree:
            rerun["claims"][0].update(outcome="holds", message="")
        (again / name).write_text(json.dumps(rerun))
    return run


def counts_for(run_directory: Path) -> dict[str, Any]:
    runs = load_results([run_directory.parent])
    changes = changes_by_target(runs[NEW_RUN], PINNED)
    row = changes[(changes["target"] == OTHER) & (changes["item"] == CLAIM)].iloc[0]
    counts = change_counts(changes, [OTHER], set()).iloc[0].to_dict()
    summary = build_tables(runs, NEW_RUN, PINNED).summary.set_index("target")
    return {"category": row["category"], "runs": row["runs"],
            "changed": summary.loc[OTHER, "changed_from_pinned"], **counts}


def test_a_one_run_difference_is_flaky_with_its_rate_not_a_change(tmp_path: Path) -> None:
    found = counts_for(planted_run(tmp_path, reruns_agree=True))
    assert found["category"] == "flaky"
    # OTHER: broken once, holds twice; the pinned target holds in its one run.
    assert found["runs"] == ("differs in 1 of 3 FROM/TO pairings of runs; varies between "
                             "runs of TO")
    steady = counts_for(planted_run(tmp_path / "steady", reruns_agree=False))
    assert steady["category"] == "breaking"
    assert steady["runs"] == "in every run: 1 of FROM, 3 of TO"
    # The first screen's counts: the flaky row is no breaking change, and is counted apart.
    assert (found["breaking"], found["flaky"]) == (steady["breaking"] - 1, 1)
    # ... nor a claim changed from the pinned target in the conformance summary.
    assert found["changed"] == steady["changed"] - 1


def test_reruns_are_read_with_their_target_and_are_no_target(tmp_path: Path) -> None:
    run = planted_run(tmp_path, reruns_agree=True)
    assert set(load_results([run.parent])[NEW_RUN].targets) == {
        "httpx-0.27.2", "httpx-0.28.1", "httpx-1.0.dev6", "httpxr-0.1.0"}


def snapshot_case(status: int) -> dict[str, Any]:
    return {**case("params.value.space", "params", "/get?a=b%20c"), "status": status}


def test_a_wire_case_that_differs_in_one_run_is_flaky(tmp_path: Path) -> None:
    from reports.upgrade import upgrade_report

    run = tmp_path / "r"
    before = write(run / "a", [snapshot_case(200)])
    after = write(run / "b", [snapshot_case(500)])
    assert upgrade_report(before, after, []).differences["category"].tolist() == ["breaking"]
    write(run / ("b" + RERUN_SUFFIX), [snapshot_case(200)])
    rows = upgrade_report(before, after, []).differences
    assert rows["category"].tolist() == ["flaky"]
    assert rows["runs"].iloc[0].startswith("differs in 1 of 2 FROM/TO pairings")
    assert "1 flaky" in upgrade_report(before, after, []).verdict_line()


@pytest.mark.parametrize(("before", "after", "kind"), [
    (["holds"], ["broken", "broken"], "breaking"),
    (["holds", "holds"], ["broken", "holds"], "flaky"),
    (["holds", "broken"], ["broken", "broken"], "flaky"),
])
def test_the_rule(before: list[str], after: list[str], kind: str) -> None:
    assert flaky.judge("breaking", before, after, str.__ne__)[0] == kind


def test_the_planner_runs_again_what_differs_on_both_sides_but_no_api_shape(
        tmp_path: Path) -> None:
    run_directory = planted_run(tmp_path, reruns_agree=True)
    run = load_results([run_directory.parent])[NEW_RUN]
    plans = {item.target: item for item in plan(run, PINNED)}
    assert CLAIM in plans[PINNED].claims and CLAIM in plans[OTHER].claims
    settled = [row for row in changes_by_target(run, PINNED).itertuples()
               if row.runs == flaky.SETTLED]
    assert settled, "the hand-made results have missing-api differences"
    assert not any(row.item in plans[row.target].claims for row in settled)


def run_for_real(environment: dict[str, str], *command: str) -> None:
    done = subprocess.run([sys.executable, *command], cwd=REPO, env=environment,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stdout[-2000:] + done.stderr[-2000:]


@pytest.mark.timeout(900)  # ten real suite runs: about 25 s each at load 20
def test_the_rerun_step_runs_both_sides_in_their_environments(tmp_path: Path) -> None:
    """Real suites, real server: one claim and one wire case measured once on httpx 0.28.1
    (this interpreter's), copied as the pinned target with the claim and the case planted
    different; ``python -m reports rerun`` runs both again on both sides, and the report
    then calls both flaky, not a change."""
    root, run = tmp_path / "results", "R"
    case_id = "params.value.space"
    environment = {**os.environ, "HARNESS_RESULTS": str(root), "HARNESS_RUN": run,
                   "HARNESS_TARGET": OTHER, "HARNESS_IMPORT": "httpx",
                   "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"}
    run_for_real(environment, "-m", "pytest", "conformance", "--claim", REAL_CLAIM, "-q",
                 "-p", "no:cacheprovider")
    run_for_real(environment, "-m", "snapshot", "--only", case_id)
    measured, pinned = root / run / OTHER, root / run / PINNED
    pinned.mkdir()
    rewrite_into = [("conformance.json", lambda d: claim_of(d, REAL_CLAIM).update(
                        outcome="broken", message="planted")),
                    ("snapshot.json", lambda d: d["cases"][0].update(status=599))]
    for name, change in rewrite_into:
        (pinned / name).write_text((measured / name).read_text())
        rewrite(pinned / name, change)
    done = subprocess.run([sys.executable, "-m", "reports", "rerun", "--results", str(root),
                           "--pinned", PINNED], cwd=REPO, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    assert "1 claims and 1 wire cases run again" in done.stdout
    for target in (PINNED, OTHER):
        again = root / run / (target + RERUN_SUFFIX)
        assert sorted(p.name for p in again.glob("*.json")) == [
            "conformance-2.json", "conformance.json", "snapshot-2.json", "snapshot.json"]
    changes = changes_by_target(load_results([root])[run], PINNED).set_index("item")
    assert changes.loc[[REAL_CLAIM, case_id], "category"].tolist() == ["flaky", "flaky"]
    assert changes.loc[REAL_CLAIM, "runs"] == ("differs in 3 of 9 FROM/TO pairings of runs; "
                                          "varies between runs of FROM")
    # Bounded: a second step finds every item run twice already and runs nothing.
    again = subprocess.run([sys.executable, "-m", "reports", "rerun", "--results", str(root),
                            "--pinned", PINNED], cwd=REPO, capture_output=True, text=True,
                           timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert again.returncode == 0 and len(list((root / run).glob("*/*.json"))) == 12


def test_a_release_change_must_be_seen_again(tmp_path: Path) -> None:
    """releases/changes.py: a claim that differs between two releases is asked to run again
    on both (not a difference of API shape), and one that did not differ again is a note,
    flaky with its rate, not a change the timeline or the bisection attributes."""
    from releases.changes import between
    from releases.measure import Measured

    run = planted_run(tmp_path, reruns_agree=True)
    shutil.rmtree(run / (OTHER + RERUN_SUFFIX))  # written by ``again`` below
    a, b = (Measured(v, run / target, {}, cached=True)
            for v, target in (("1", PINNED), ("2", OTHER)))
    asked: list[tuple[str, list[str], list[str]]] = []

    def again(release: Measured, claims: list[str], cases: list[str]) -> None:
        asked.append((release.version, claims, cases))
        if release is b:
            planted = json.loads((b.directory / "conformance.json").read_text())
            claim_of(planted, CLAIM).update(outcome="holds", message="")
            target = b.directory.with_name(b.directory.name + RERUN_SUFFIX)
            target.mkdir(exist_ok=True)
            (target / "conformance.json").write_text(json.dumps(planted))

    changes, notes = between(a, b, again)
    assert [version for version, _, _ in asked] == ["1", "2"]
    assert CLAIM in asked[0][1]
    assert not any(c.item == CLAIM for c in changes)
    assert any(note.startswith(f"claim {CLAIM}: flaky, not a change (differs in 1 of 2")
               for note in notes)
    # Without the rerun the same difference is a change (what the bisection searched for).
    shutil.rmtree(b.directory.with_name(b.directory.name + RERUN_SUFFIX))
    assert any(c.item == CLAIM for c in between(a, b)[0])


def test_the_upgrade_runs_again_claims_and_wire_cases_and_reports_flaky(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """upgrade/judge.py: the differing claim and wire case are run again on both sides
    (through run_again; here it writes what a real rerun of each side would: the FROM
    values), and the verdict lists both as flaky findings, not breaking."""
    from upgrade import judge
    from upgrade.suites import Side
    from upgrade.verdict import Verdict

    run = planted_run(tmp_path, reruns_agree=True)
    shutil.rmtree(run / (OTHER + RERUN_SUFFIX))
    for target, status in ((PINNED, 200), (OTHER, 500)):
        write(run / target / "snap", [snapshot_case(status)])
        (run / target / "snap" / "snapshot.json").rename(run / target / "snapshot.json")
    monkeypatch.setenv("HARNESS_RESULTS", str(run.parent))
    before, after = (Side(role, target, None, run=NEW_RUN)  # type: ignore[arg-type]
                     for role, target in (("from", PINNED), ("to", OTHER)))
    asked = []

    def run_again(side: Side, claims: list[str], cases: list[str], times: int) -> float:
        asked.append((side.target, claims, cases, times))
        again = side.directory.with_name(side.directory.name + RERUN_SUFFIX)
        again.mkdir(exist_ok=True)
        for name in ("conformance.json", "snapshot.json"):
            (again / name).write_text((before.directory / name).read_text())
        return 0.0

    class Job:
        def say(self, line: str) -> None:
            pass

    monkeypatch.setattr(judge, "run_again", run_again)
    verdict = Verdict("a", "b")
    judge.claims_and_wire(Job(), verdict, before, after, flaky.RERUNS)
    assert [(target, times) for target, _, _, times in asked] == [(PINNED, 2), (OTHER, 2)]
    assert CLAIM in asked[0][1] and asked[0][2] == ["params.value.space"]
    kinds = {finding.item: finding.kind for finding in verdict.findings}
    assert kinds[CLAIM] == kinds["params.value.space"] == "flaky"


def test_the_rerun_step_with_nothing_measured_here_is_one_line(tmp_path: Path) -> None:
    """CI's report job holds no results of its own: one line, and the report goes on."""
    done = run_main("rerun", "--results", tmp_path / "none")
    assert (done.returncode, done.stderr) == (0, "")
    assert " ".join(done.stdout.split()) == (
        f"rerun: nothing to run again: {tmp_path / 'none'}: no such results directory")
