"""CI's rerun (``python -m reports rerun --against-expectations``): a job holds one target's
results, so what may differ from the other side is found from the expectation files, run
again in the job, and judged by the report job on the merged artifacts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.schema import RERUN_SUFFIX
from reports.load import load_results
from reports.rerun import plan, plan_against_expectations
from reports.upgrade import changes_by_target
from tests.reports_helpers import DATA, NEW_RUN, PINNED, REPO
from tests.test_reports_flaky import OTHER, REAL_CLAIM, claim_of, rewrite, run_for_real


def one_target_run(tmp_path: Path, target: str) -> Path:
    """A CI job's results root: the hand-made run with only ``target`` in it."""
    root = tmp_path / "results"
    shutil.copytree(DATA / NEW_RUN / target, root / NEW_RUN / target)
    return root


def expectation_files(directory: Path, files: dict[str, dict[str, str]]) -> Path:
    """``conformance/expectations`` stood in: each target's claims and expected outcomes."""
    directory.mkdir()
    for target, claims in files.items():
        lines = [f'[claims."{claim}"]\noutcome = "{outcome}"\n' for claim, outcome in
                 claims.items()]
        (directory / f"{target}.toml").write_text("\n".join(lines))
    return directory


def test_a_target_runs_again_what_differs_from_the_pinned_expectations(tmp_path: Path) -> None:
    # OTHER's one run: bodies.json-compact broken, the other five claims hold.
    run = load_results([one_target_run(tmp_path, OTHER)])[NEW_RUN]
    directory = expectation_files(tmp_path / "expectations", {
        PINNED: {"sync.top-level-get": "broken",  # OTHER holds: differs
                 "params.merge-with-query": "missing-api"},  # the API's shape: not again
        "httpx2": {"http2.one-connection": "broken"}})  # not the pinned one: not compared
    assert plan(run, PINNED) == []  # without the pinned results: nothing, as before
    plans = plan_against_expectations(run, PINNED, directory)
    assert [(item.target, item.claims, item.cases) for item in plans] == [
        (OTHER, {"sync.top-level-get", "bodies.json-compact"}, set())]


def test_the_pinned_target_runs_again_what_differs_from_any_target(tmp_path: Path) -> None:
    run = load_results([one_target_run(tmp_path, PINNED)])[NEW_RUN]
    latest = run.targets[PINNED].latest_conformance
    assert latest is not None
    outcomes = {claim["id"]: claim["outcome"] for claim in latest[1]["claims"]}
    assert outcomes["base-url.trailing-slash"] == "holds"
    directory = expectation_files(tmp_path / "expectations", {
        PINNED: {"sync.top-level-get": "broken"},  # its own (other Pythons' jobs)
        "a": {"base-url.trailing-slash": "broken"},
        "b": {"http2.one-connection": "missing-api"},  # the API's shape: not again
        "c": dict(outcomes)})  # expects exactly what the pinned target did: nothing
    plans = plan_against_expectations(run, PINNED, directory)
    expected = {"sync.top-level-get", "base-url.trailing-slash"} | {
        claim for claim, outcome in outcomes.items() if outcome != "holds"}
    assert [(item.target, item.claims) for item in plans] == [(PINNED, expected)]


def test_a_broken_expectations_file_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from reports import rerun
    from reports.__main__ import main

    root = one_target_run(tmp_path, OTHER)
    directory = expectation_files(tmp_path / "expectations", {PINNED: {}})
    (directory / f"{PINNED}.toml").write_text("[claims\n")
    monkeypatch.setattr(rerun, "EXPECTATIONS_DIR", directory)
    code = main(["rerun", "--against-expectations", "--results", str(root), "--pinned", PINNED])
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith(f"reports: rerun: error: {directory / PINNED}.toml: ")
    assert not (root / NEW_RUN / (OTHER + RERUN_SUFFIX)).exists()


@pytest.mark.timeout(600)  # three one-claim suite runs: about 25 s each at load 20
def test_a_one_run_difference_in_one_job_is_flaky_in_the_merged_report(
        tmp_path: Path) -> None:
    """Real suite, real server: two CI jobs' results roots, the pinned target's and OTHER's
    (its one claim planted broken). OTHER's job runs ``rerun --against-expectations``: the
    claim holds in the real reruns, and the report, reading both roots, calls it flaky;
    without the step it is a breaking change."""
    pinned = "httpx-0.29.0"  # its conformance/expectations file expects REAL_CLAIM to hold
    run = "gh-1"
    jobs = {target: tmp_path / f"results-{target}" for target in (pinned, OTHER)}
    environment = {**os.environ, "HARNESS_RESULTS": str(jobs[OTHER]), "HARNESS_RUN": run,
                   "HARNESS_TARGET": OTHER, "HARNESS_IMPORT": "httpx",
                   "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"}
    run_for_real(environment, "-m", "pytest", "conformance", "--claim", REAL_CLAIM, "-q",
                 "-p", "no:cacheprovider")
    measured = jobs[OTHER] / run / OTHER / "conformance.json"
    (jobs[pinned] / run / pinned).mkdir(parents=True)
    pinned_file = jobs[pinned] / run / pinned / "conformance.json"
    pinned_file.write_text(measured.read_text())
    rewrite(pinned_file, lambda d: d["environment"].update(target=pinned))
    rewrite(measured, lambda d: claim_of(d, REAL_CLAIM).update(outcome="broken",
                                                               message="planted"))

    def category() -> str:
        merged = load_results(list(jobs.values()))[run]
        return changes_by_target(merged, pinned).set_index("item").loc[REAL_CLAIM, "category"]

    assert category() == "breaking"  # judged on one run
    done = subprocess.run([sys.executable, "-m", "reports", "rerun", "--against-expectations",
                           "--results", str(jobs[OTHER]), "--run", run, "--pinned", pinned],
                          cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 claims and 0 wire cases run again" in done.stdout
    again = jobs[OTHER] / run / (OTHER + RERUN_SUFFIX)
    assert sorted(p.name for p in again.glob("*.json")) == [
        "conformance-2.json", "conformance.json"]
    assert [json.loads(p.read_text())["claims"][0]["outcome"]
            for p in sorted(again.glob("*.json"))] == ["holds", "holds"]
    assert category() == "flaky"


def test_a_measured_claim_runs_again_in_every_job(tmp_path: Path) -> None:
    """A duration differs from run to run with the same outcome: the expectation files
    cannot show it differs, so CI runs the catalogue's measured claims again anyway (the
    local step found exactly these five flaky on four targets)."""
    root = one_target_run(tmp_path, OTHER)
    [path] = (root / NEW_RUN / OTHER).glob("conformance*.json")
    document = json.loads(path.read_text())
    ids = [claim["id"] for claim in document["claims"]]
    document["claims"][0]["id"] = "responses.elapsed"  # holds, as the pinned expects
    document["claims"][1]["id"] = "timeouts.none-disables"
    document["claims"][1]["outcome"] = "missing-api"  # the API's shape: not again
    path.write_text(json.dumps(document))
    run = load_results([root])[NEW_RUN]
    directory = expectation_files(tmp_path / "expectations", {PINNED: {}})
    [item] = plan_against_expectations(run, PINNED, directory)
    assert "responses.elapsed" in item.claims
    assert "timeouts.none-disables" not in item.claims
    assert ids[0] not in item.claims and ids[1] not in item.claims
