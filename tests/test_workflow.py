"""The CI workflow: it lints, names only real tox environments, and its report job's steps
work end to end (tests/rehearse_ci.py); summary.md fits a PR comment at 10 targets."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from reports_helpers import NEW_RUN, REPO, copy_results, run_main, tree

from harness.schema import OUTCOMES

sys.path.insert(0, str(REPO / "tests" / "data"))
sys.path.insert(0, str(REPO / ".github"))

import harness_matrix
import make_results
import rehearse_ci

from reports import markdown
from reports.baseline import BaselineComparison
from reports.build import write_report
from reports.load import load_results
from reports.tables import build_tables

WORKFLOW = REPO / ".github" / "workflows" / "harness.yml"
TOX = [sys.executable, "-m", "tox"]


def actionlint() -> str:
    found = shutil.which("actionlint", path=f"{Path(sys.executable).parent}{os.pathsep}"
                                            f"{os.environ.get('PATH', '')}")
    if found is None:
        pytest.fail("actionlint is not installed: it is in the dev dependency group")
    return found


@pytest.fixture(scope="module")
def shellcheck() -> None:
    """actionlint checks run: scripts with shellcheck when it is on PATH: install it (Debian
    package) when missing and running as root, as the browser test does with chromium."""
    if shutil.which("shellcheck") is None and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, timeout=300)
        subprocess.run(["apt-get", "install", "-y", "-qq", "shellcheck"], capture_output=True,
                       timeout=300)
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed and cannot be (not root): run: scripts "
                    "would go unchecked")


def lint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([actionlint(), "-no-color", str(path)], capture_output=True,
                          text=True, timeout=120)


def test_actionlint_passes(shellcheck: None) -> None:
    done = lint(WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_catches_a_broken_copy(shellcheck: None, tmp_path: Path) -> None:
    """The lint is not vacuous: a wrong step id, an expression typo and a shell bug fail."""
    text = WORKFLOW.read_text()
    broken = (text.replace("steps.gate.outputs.verdict == 'error'",
                           "steps.gaet.outputs.verdict == 'error'")
              .replace("${{ matrix.python }}", "${{ matrix.pyhton }}", 1)
              .replace('read -r -a extra <<< "$TOX_ARGS"', "read -r -a extra <<< $TOX_ARGS[@]"))
    assert broken != text
    copy = tmp_path / ".github" / "workflows" / "harness.yml"
    copy.parent.mkdir(parents=True)
    copy.write_text(broken)
    done = lint(copy)
    assert done.returncode == 1
    assert "gaet" in done.stdout and "shellcheck" in done.stdout, done.stdout


def tox_list(*options: str) -> list[str]:
    done = subprocess.run([*TOX, "-l", *options], cwd=REPO, capture_output=True, text=True,
                          timeout=120, check=True)
    return done.stdout.split()


@pytest.fixture(scope="module")
def tox_envs() -> set[str]:
    return {*tox_list(), *tox_list("-m", "bench"), *tox_list("-m", "conformance")}


def matrix(*options: str) -> list[dict[str, str]]:
    done = subprocess.run([sys.executable, str(REPO / ".github" / "harness_matrix.py"),
                           "--tox", " ".join(TOX), *options], cwd=REPO, capture_output=True,
                          text=True, timeout=300, check=True)
    key, _, value = done.stdout.strip().partition("=")
    assert key == "matrix"
    return json.loads(value)["include"]


def test_every_environment_the_workflow_names_exists(tox_envs: set[str]) -> None:
    text = WORKFLOW.read_text()
    named = {line.split(":", 1)[1].split("#")[0].strip() for line in text.splitlines()
             if line.strip().startswith(("PINNED_ENV:", "BENCH_ENV:"))}
    assert named == {"conformance-httpx0281", "bench-httpx0281"}
    assert named <= tox_envs
    assert "-e report" in text and "report" in tox_envs


@pytest.mark.timeout(300)  # several tox -l
def test_matrix_is_one_job_per_tox_environment(tox_envs: set[str]) -> None:
    default = set(tox_list()) - {"report"}
    jobs = matrix()
    assert {job["env"] for job in jobs} == default  # every default env, nothing else
    main = [job for job in jobs if job["python"] == harness_matrix.MAIN_PYTHON]
    assert sorted(job["env"] for job in main) == sorted(default)  # one job each
    pythons = sorted(job["python"] for job in jobs if job["env"] == "conformance-httpx0281")
    assert pythons == ["3.10", "3.11", "3.12", "3.13"]
    assert len({job["artifact"] for job in jobs}) == len(jobs)
    assert all(job["posargs"] == "--quick" for job in jobs if job["env"].startswith("bench-"))
    weekly = matrix("--candidates")
    assert {job["env"] for job in weekly} <= tox_envs
    assert set(tox_list("-m", "bench")) <= {job["env"] for job in weekly}
    assert {"conformance-httpx-latest", "bench-httpx-latest"} <= {job["name"] for job in weekly}


def test_newest_httpx_override_points_the_environment_elsewhere() -> None:
    latest = next(job for job in matrix("--candidates")
                  if job["name"] == "conformance-httpx-latest")
    done = subprocess.run([*TOX, "config", "-e", latest["env"], "-k", "set_env",
                           *latest["tox_args"].split()], cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=True)
    settings = dict(line.strip().split("=", 1) for line in done.stdout.splitlines()
                    if line.strip().startswith("HARNESS_"))
    assert settings["HARNESS_TARGET"] == "httpx-latest"
    assert settings["HARNESS_REQUIREMENT"] == "httpx[http2,brotli]"
    assert settings["HARNESS_GATE"] == "0"  # a candidate informs, never fails the run


@pytest.mark.timeout(900)  # tox builds the report environment in a fresh clone
def test_rehearsal_of_the_report_job(tmp_path: Path) -> None:
    """The workflow's own step scripts on three job directories: one merged report, a gate
    verdict, a history branch holding two runs. The candidate is made 25 % slower and does
    25 % more work per request (the count the gate fails on), so the gate has something to
    find and the store marks it."""
    result = rehearse_ci.rehearse(tmp_path, slower=1.25)
    assert result["step_exits"] == dict.fromkeys(rehearse_ci.REPORT_STEPS, 0)
    assert result["baseline_history_exit"] == 0
    assert result["targets"] == ["httpx-0.27.2", "httpx-0.28.1"]  # merged from 3 roots
    assert Path(result["index"]).is_file()
    assert result["gate_verdict"] == "regression"
    assert result["summary_first_line"].startswith("**httpx-harness: ❌ ")
    assert result["history_runs"] == [rehearse_ci.BASELINE_RUN, rehearse_ci.CANDIDATE_RUN]
    assert result["history_gate"] == [(rehearse_ci.BASELINE_RUN, ""),
                                      (rehearse_ci.CANDIDATE_RUN, "regression")]
    assert result["history_branch_files"] == ["history.png", "store/history.csv"]
    assert 0 < result["step_summary_chars"] < markdown.COMMENT_LIMIT
    assert result["tox_lines_in_summary"] == []


TEN_TARGETS = ["httpx-0.23.3", "httpx-0.24.1", "httpx-0.25.2", "httpx-0.26.0", "httpx-0.27.2",
               "httpx-0.28.1", "httpx-1.0.dev6", "httpx2", "httpxyz", "httpxr-0.1.0"]


def ten_target_results(root: Path, monkeypatch: pytest.MonkeyPatch, run: str, stamp: str,
                       long_messages: bool = False) -> None:
    """A synthetic run with 10 targets; every target but 0.28.1 and 1.0.dev6 behaves like
    0.27.2 (httpxr-0.1.0 is not installed)."""
    for target in TEN_TARGETS:
        if target not in make_results.OUTCOMES:
            monkeypatch.setitem(make_results.OUTCOMES, target,
                                make_results.OUTCOMES["httpx-0.27.2"])
    if long_messages:  # the worst case: every cell at its longest
        for target in TEN_TARGETS:
            for claim in make_results.CATALOGUE:
                monkeypatch.setitem(make_results.MESSAGES, (target, claim), "x|" * 400)
    for target in TEN_TARGETS:
        make_results.write(root / run / target / "conformance.json",
                           make_results.conformance(target, run, stamp))
    make_results.write(root / run / "httpx-0.28.1" / "bench.json",
                       make_results.bench("httpx-0.28.1", run, stamp, speed=1.0, seed=5))


def test_summary_stays_readable_with_ten_targets(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "results"
    ten_target_results(root, monkeypatch, "r1", "2026-11-01T10:00:00+00:00")
    report, _ = write_report([root], "r1", "httpx-0.28.1")
    text = (report / "summary.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("**httpx-harness: ✅ pass**")
    assert len(text) < markdown.COMMENT_LIMIT
    # What a reviewer sees unfolded: verdict, news, failed install, links; the per-target
    # tables are folded away, and no table grows a column per target.
    folded = text.split("<details>")[0]
    assert len(folded.splitlines()) <= 12, folded
    assert "httpxr-0.1.0** not installed" in folded
    widest = max(line.count("|") for line in lines if line.startswith("|"))
    # The widest is the per-target counts: target, claims, one column per outcome,
    # unexpected, changed: fixed by the schema, whatever the number of targets.
    assert widest <= len(OUTCOMES) + 5
    per_target = [line for line in lines if line.startswith("| httpx")]
    assert len(per_target) >= 10 and all(len(line) < 200 for line in per_target)


def test_summary_worst_case_fits_a_comment(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """10 targets, every claim unexpected and changed since the baseline, every message at
    the cell limit: still under GitHub's 65,536 characters, verdict intact."""
    root = tmp_path / "results"
    ten_target_results(root, monkeypatch, "r1", "2026-11-01T10:00:00+00:00")
    runs = load_results([root])
    tables = build_tables(runs, "r1", "httpx-0.28.1")
    many = 40 * len(TEN_TARGETS)
    tables.claims = pd.concat([tables.claims] * 40, ignore_index=True).assign(
        unexpected=True, message="y" * 500)
    changed = pd.DataFrame({"target": TEN_TARGETS * 40, "claim": ["c" * 300] * many,
                            "change": "outcome", "before_outcome": "holds",
                            "after_outcome": "broken", "before_observed": "z" * 500,
                            "after_observed": "w" * 500, "after_message": ""})
    comparison = BaselineComparison(run="r0", conformance=changed, observed_only=3)
    text = markdown.render(tables, "report/index.html", comparison)
    assert len(text) < markdown.COMMENT_LIMIT
    assert text.startswith("**httpx-harness: ❌ ")
    assert "unexpected conformance outcome" in text.splitlines()[0]


def test_summary_says_only_what_changed_since_the_baseline(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """One claim changes outcome between two runs of 0.27.2: the summary lists that claim
    and no other, with a link into the report's matrix."""
    root = tmp_path / "results"
    make_results.write(root / "base" / "httpx-0.27.2" / "conformance.json",
                       make_results.conformance("httpx-0.27.2", "base",
                                                "2026-11-01T10:00:00+00:00"))
    changed = dict(make_results.OUTCOMES["httpx-0.27.2"])
    changed["base-url.trailing-slash"] = ("broken", "http://h/apiitems")
    monkeypatch.setitem(make_results.OUTCOMES, "httpx-0.27.2", changed)
    make_results.write(root / "new" / "httpx-0.27.2" / "conformance.json",
                       make_results.conformance("httpx-0.27.2", "new",
                                                "2026-11-02T10:00:00+00:00"))
    shutil.copytree(root / "base", tmp_path / "baseline" / "base")
    shutil.rmtree(root / "base")
    report, _ = write_report([root], "new", "httpx-0.28.1", baseline=[tmp_path / "baseline"])
    text = (report / "summary.md").read_text(encoding="utf-8")
    assert "httpx-0.27.2: 1 claim changed since baseline" in text.splitlines()[2]
    section = text.split("### Conformance changes since `base`")[1].split("\n\n", 2)
    assert "(index.html#conformance-matrix)" in section[0]
    rows = [line for line in section[1].splitlines() if line.startswith("| httpx")]
    assert len(rows) == 1 and "base-url.trailing-slash" in rows[0]
    assert 'id="conformance-matrix"' in (report / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("case", ["missing", "only-this-run"])
def test_a_bad_baseline_is_one_line_and_writes_nothing(case: str, tmp_path: Path) -> None:
    root = copy_results(tmp_path)
    baseline = tmp_path / "baseline"
    if case == "only-this-run":  # a baseline root holding nothing but the run itself
        shutil.copytree(root / NEW_RUN, baseline / NEW_RUN)
    before = tree(root)
    done = run_main("--results", root, "--run", NEW_RUN, "--baseline", baseline)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("reports: error: "), done.stderr
    assert tree(root) == before
