"""The CI workflow: it lints, names only real tox environments, and its jobs' steps work
end to end (tests/rehearse_ci.py), valgrind and strace hidden unless a job installs them;
summary.md fits a PR comment at 10 targets."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from reports_helpers import NEW_RUN, REPO, copy_results, run_main, tree

from harness.schema import OUTCOMES

sys.path.insert(0, str(REPO / "tests" / "data"))
sys.path.insert(0, str(REPO / ".github"))

import harness_matrix
import make_results
import rehearse_ci

from reports import __main__ as reports_main
from reports import markdown
from reports.baseline import BaselineComparison
from reports.build import write_report
from reports.compare import Comparison
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


RELEASES = REPO / ".github" / "workflows" / "releases.yml"


def test_the_releases_workflow_lints_and_a_broken_copy_does_not(shellcheck: None,
                                                                tmp_path: Path) -> None:
    """The release-stream matrix (docs/releases.md): one job per release, one timeline."""
    assert lint(RELEASES).returncode == 0, lint(RELEASES).stdout
    text = RELEASES.read_text()
    broken = (text.replace("${{ matrix.version }}", "${{ matrix.verison }}", 1)
              .replace('--only "$VERSION"', "--only $VERSION[@]"))
    assert broken != text
    copy = tmp_path / ".github" / "workflows" / "releases.yml"
    copy.parent.mkdir(parents=True)
    copy.write_text(broken)
    done = lint(copy)
    assert done.returncode == 1
    assert "verison" in done.stdout and "shellcheck" in done.stdout, done.stdout


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
    assert named == {"conformance-httpx0290", "bench-httpx0290"}
    assert named <= tox_envs
    assert "-e report" in text and "report" in tox_envs
    assert "-e upgrade" in text and "upgrade" in set(tox_list("-a"))


def test_pinned_requirement_is_the_pinned_environments() -> None:
    """PINNED_REQUIREMENT (what the upgrade jobs compare against) and PINNED_TARGET say
    what tox.ini's pinned environment installs and calls its results."""
    env = yaml.safe_load(WORKFLOW.read_text())["env"]
    done = subprocess.run([*TOX, "config", "-e", env["PINNED_ENV"], "-k", "set_env"],
                          cwd=REPO, capture_output=True, text=True, timeout=120, check=True)
    settings = dict(line.strip().split("=", 1) for line in done.stdout.splitlines()
                    if line.strip().startswith("HARNESS_"))
    assert settings["HARNESS_REQUIREMENT"] == env["PINNED_REQUIREMENT"]
    assert settings["HARNESS_TARGET"] == env["PINNED_TARGET"]
    assert settings["HARNESS_GATE"] == "1"


@pytest.mark.timeout(300)  # several tox -l
def test_matrix_is_one_job_per_tox_environment(tox_envs: set[str]) -> None:
    default = set(tox_list()) - {"report"}
    jobs = matrix()
    assert {job["env"] for job in jobs} == default  # every default env, nothing else
    main = [job for job in jobs if job["python"] == harness_matrix.MAIN_PYTHON]
    assert sorted(job["env"] for job in main) == sorted(default)  # one job each
    pythons = sorted(job["python"] for job in jobs if job["env"] == "conformance-httpx0290")
    assert pythons == ["3.10", "3.11", "3.12", "3.13"]
    assert len({job["artifact"] for job in jobs}) == len(jobs)
    assert all(job["posargs"] == "--quick" for job in jobs if job["env"].startswith("bench-"))
    weekly = matrix("--candidates")
    assert {job["env"] for job in weekly} <= tox_envs
    assert set(tox_list("-m", "bench")) <= {job["env"] for job in weekly}
    # The newest release is an upgrade job now, not a re-pointed environment.
    assert all(job["tox_args"] == "" for job in weekly)


def jobs_steps(*names: str) -> dict[str, dict[str, dict]]:
    """Each named job's run: steps by name."""
    flow = yaml.safe_load(WORKFLOW.read_text())
    return {job: {str(s.get("name")): s for s in flow["jobs"][job]["steps"] if "run" in s}
            for job in names}


def test_every_bench_and_upgrade_job_installs_and_checks_the_tools() -> None:
    """The same install and check steps, before the step that needs them, in the suite's
    bench jobs and both upgrade jobs; the upgrade step is one script in both upgrade jobs."""
    steps = jobs_steps("suite", "upgrade-candidates", "upgrade-pr")
    install = "Install valgrind and strace (the work counts)"
    check = "Check valgrind and strace run"
    for job, named in steps.items():
        order = list(named)
        needs = next(n for n in order if n.startswith("tox -e"))
        assert order.index(install) < order.index(check) < order.index(needs), job
        assert named[install]["run"] == steps["suite"][install]["run"]
        assert named[check]["run"] == steps["suite"][check]["run"]
        assert named[install]["if"] == named[check]["if"] == named[needs].get(
            "if", named[install]["if"])
    assert re.search(r"sudo apt-get install -y --no-install-recommends valgrind strace",
                     steps["suite"][install]["run"])
    assert steps["suite"][install]["if"] == "startsWith(matrix.env, 'bench-')"
    upgrade = "tox -e upgrade -- FROM TO"
    assert steps["upgrade-candidates"][upgrade]["run"] == steps["upgrade-pr"][upgrade]["run"]


def test_every_conformance_job_runs_again_what_differs_before_its_upload() -> None:
    """No job holds another target's results: each conformance job runs
    ``reports rerun --against-expectations`` after its suite (also after a red one) and
    before the upload, so the reruns travel in its artifact to the report job."""
    flow = yaml.safe_load(WORKFLOW.read_text())
    steps = flow["jobs"]["suite"]["steps"]
    suite = next(i for i, s in enumerate(steps) if str(s.get("name")).startswith("tox -e"))
    rerun = [i for i, s in enumerate(steps) if "python -m reports rerun" in s.get("run", "")]
    upload = next(i for i, s in enumerate(steps)
                  if str(s.get("uses", "")).startswith("actions/upload-artifact"))
    assert len(rerun) == 1 and suite < rerun[0] < upload
    step = steps[rerun[0]]
    assert "!cancelled()" in step["if"] and "startsWith(matrix.env, 'conformance-')" in step["if"]
    # The command's arguments are ones `python -m reports rerun` takes, with the workflow's
    # run and pinned target.
    command = " ".join(step["run"].replace("\\\n", " ").split()).split("python -m reports ")[1]
    variables = {"$HARNESS_RUN": "gh-1", "$PINNED_TARGET": flow["env"]["PINNED_TARGET"]}
    for name, value in variables.items():
        command = command.replace(f'"{name}"', value)
    args = reports_main.parse(shlex.split(command))
    assert (args.command, args.against_expectations, args.run, args.pinned) == (
        "rerun", True, "gh-1", flow["env"]["PINNED_TARGET"])


def test_rehearsal_expressions_follow_github() -> None:
    """The rehearsal's if:/env: evaluation, on the forms the workflow uses."""
    context = {"matrix.env": "bench-httpx0290", "github.event_name": "schedule",
               "inputs.candidates": None, "steps.x.outputs.skip": "true"}
    assert rehearse_ci.condition("startsWith(matrix.env, 'bench-')", context, False)
    assert not rehearse_ci.condition("startsWith(matrix.env, 'bench-')", context, True)
    assert rehearse_ci.condition("always() && steps.x.outputs.skip == 'TRUE'", context, True)
    assert not rehearse_ci.condition("steps.y.outputs.z != ''", context, False)  # unset: null
    assert rehearse_ci.condition(
        "github.event_name == 'schedule' || inputs.candidates == true", context, False)
    assert not rehearse_ci.condition("inputs.candidates == true", context, False)
    assert rehearse_ci.fill("a-${{ github.event_name == 'push' }}-${{ matrix.env }}",
                            context) == "a-false-bench-httpx0290"
    with pytest.raises(SystemExit, match=r"no value for github\.ref"):
        rehearse_ci.condition("github.ref == 'main'", context, False)
    with pytest.raises(SystemExit, match="does not know"):
        rehearse_ci.condition("contains(matrix.env, 'x')", context, False)


def test_rehearsal_hides_the_tools_from_the_bench(tmp_path: Path) -> None:
    """The rehearsal's PATH: neither bash nor shutil.which (bench/counts' lookup) finds
    valgrind or strace until the job's apt-get (stand-in) installs them; then both run."""
    real = {tool: shutil.which(tool) for tool in rehearse_ci.HIDDEN}
    if not all(real.values()):
        pytest.skip("valgrind and strace are not installed here: nothing to hide")
    path = rehearse_ci.job_path(tmp_path / "job", rehearse_ci.hidden_path(
        tmp_path, rehearse_ci.runner_environment()["PATH"]), real)
    lookup = (f"{sys.executable} -c 'import shutil; "
              "print(shutil.which(\"valgrind\"), shutil.which(\"strace\"))'")
    script = f"{lookup}; valgrind --version || echo no-valgrind; sudo apt-get update; " \
             f"sudo apt-get install -y --no-install-recommends valgrind strace; {lookup}; " \
             "valgrind --version; strace -V | head -n 1; sudo apt-get install -y curl"
    done = subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=tmp_path,
                          env={**rehearse_ci.runner_environment(), "PATH": path},
                          capture_output=True, text=True, timeout=120)
    lines = done.stdout.splitlines()
    assert lines[0] == "None None" and "no-valgrind" in lines, done.stdout + done.stderr
    after = lines.index("Setting up strace (un-hidden by the rehearsal)") + 1
    assert lines[after] == f"{tmp_path / 'job' / 'bin' / 'valgrind'} " \
                           f"{tmp_path / 'job' / 'bin' / 'strace'}"
    assert lines[after + 1].startswith("valgrind-") and "strace" in lines[after + 2]
    # anything else it would really have to install: one line, apt-get's failure code
    assert done.returncode == 100
    assert "stands in valgrind and strace only, not curl" in done.stderr


def without_install_steps(tmp_path: Path) -> Path:
    """A copy of the workflow with every install step removed (the check steps stay)."""
    flow = yaml.safe_load(WORKFLOW.read_text())
    removed = 0
    for job in flow["jobs"].values():
        kept = [s for s in job["steps"] if not str(s.get("name", "")).startswith("Install ")]
        removed += len(job["steps"]) - len(kept)
        job["steps"] = kept
    assert removed == 3
    copy = tmp_path / "harness.yml"
    copy.write_text(yaml.safe_dump(flow, sort_keys=False))
    return copy


@pytest.mark.timeout(300)
def test_a_workflow_without_its_install_step_fails_in_the_rehearsal(tmp_path: Path) -> None:
    """valgrind and strace are hidden in the rehearsal as on a fresh runner: with the
    install steps removed, every check step fails (an ::error:: line per tool) and nothing
    after it runs; the workflow as it is passes them and runs on. The report job is left
    out (report=False): its part is the test below."""
    broken = rehearse_ci.rehearse(tmp_path / "broken", workflow_file=without_install_steps(
        tmp_path), report=False)
    fine = rehearse_ci.rehearse(tmp_path / "fine", report=False)
    check = "Check valgrind and strace run"
    for name, steps in broken["suite_jobs"].items():
        if "/bench-" in name:
            assert steps[check] == 1 and steps[f"tox -e {name.split('/')[1]}"] is None
            assert fine["suite_jobs"][name][check] == 0
    assert any(line.startswith("::error::valgrind does not run (exit 127")
               for line in broken["suite_errors"]), broken["suite_errors"]
    assert any(line.startswith("::error::strace does not run") for line in broken["suite_errors"])
    assert fine["suite_errors"] == []
    ran = {name: job for name, job in broken["upgrade_jobs"].items() if not job["skipped"]}
    assert len(ran) == 5  # four candidates and the pull request
    for name, job in ran.items():
        assert job["exits"][check] == 1 and job["exits"]["tox -e upgrade -- FROM TO"] is None
        assert not fine["upgrade_jobs"][name]["failed"]
    assert broken["upgrade_calls"] == [] and broken["pr_comments"] == []
    assert len(fine["upgrade_calls"]) == 5


@pytest.mark.timeout(900)  # tox builds the report environment in a fresh clone
def test_rehearsal_of_the_report_job(tmp_path: Path) -> None:
    """The workflow's own step scripts on three job directories: one merged report, a gate
    verdict, a history branch holding two runs. The candidate is made 25 % slower and does
    25 % more work per request (the count the gate fails on), so the gate has something to
    find and the store marks it."""
    result = rehearse_ci.rehearse(tmp_path, slower=1.25)
    for name, steps in result["suite_jobs"].items():
        # bench: install, check, tox; conformance: tox, then its rerun (reports/rerun.py)
        ran = {step for step, code in steps.items() if code is not None}
        assert set(steps.values()) <= {None, 0}, (name, steps)
        assert any(step.startswith("tox -e") for step in ran), (name, steps)
        assert any(step.startswith("Run again") for step in ran) == ("/conformance-" in name)
        assert any(step.startswith("Check valgrind") for step in ran) == ("/bench-" in name)
    assert result["step_exits"] == dict.fromkeys(rehearse_ci.REPORT_STEPS, 0)
    assert result["baseline_history_exit"] == 0
    assert result["targets"] == ["httpx-0.28.1", "httpx-0.29.0"]  # merged from 3 roots
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


def test_summary_never_passes_without_counts(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Counts absent on a side are not a regression and not a pass: the summary's first
    line is compare's "could not judge" line (the gate step exits 2 on the same verdict)."""
    root = tmp_path / "results"
    ten_target_results(root, monkeypatch, "r1", "2026-11-01T10:00:00+00:00")
    tables = build_tables(load_results([root]), "r1", "httpx-0.28.1")
    rows = [("instructions/request", "absent", "absent", "valgrind not found", "missing"),
            ("connections/request", 0.0, 0.0, "any increase", "unchanged")]
    table = pd.DataFrame([{"kind": "counts", "target": "httpx-0.28.1",
                           "benchmark": "bench/test_counts.py::test_counts[pooled-http]",
                           "measure": measure, "baseline": old, "candidate": new,
                           "change": "", "rule": rule, "verdict": verdict, "p": None,
                           "margin": None} for measure, old, new, rule, verdict in rows])
    comparison = BaselineComparison(
        run="r0", conformance=pd.DataFrame(), observed_only=0, gated="httpx-0.28.1",
        verdict=Comparison(table, [], gate_timings=False))
    assert comparison.regressions.empty  # absent is no evidence, not a regression
    line = markdown.verdict_line(tables, comparison)
    assert line.startswith("**httpx-harness: ❌ benchmarks of httpx-0.28.1: could not judge: "
                           "instructions absent on both sides for test_counts[pooled-http] "
                           "(valgrind not found)")
    assert comparison.verdict is not None
    comparison.verdict.table = table.iloc[1:]  # the instructions counted after all
    assert "✅ pass" in markdown.verdict_line(tables, comparison)


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


def test_rehearsal_of_the_upgrade_jobs(tmp_path: Path) -> None:
    """The weekly candidates and a pull request moving the pin, their plumbing: the newest
    release from the (stand-in) index, not a pre-release; one upgrade per job with the
    import names; verdict in the summary; a marked PR comment; each job skipped under the
    other event. `tox -e upgrade` is stood in (it exits 1 here, "changes", which informs):
    this is about the workflow, not the upgrade."""
    result = rehearse_ci.rehearse(tmp_path, report=False)
    jobs = result["upgrade_jobs"]
    assert jobs["upgrade-candidates (pull request)"]["skipped"]
    assert jobs["upgrade-pr (schedule)"]["skipped"]
    newest = {name.split()[1]: job["outputs"]["resolve.outputs.to"]
              for name, job in jobs.items() if name.startswith("upgrade-candidates ")
              and not job["skipped"]}
    assert newest == {"httpx": "httpx[http2,brotli]==0.30.0",  # not 1.0.dev6
                      "httpx2": "httpx2[http2,brotli]==2.16.2",
                      "httpxyz": "httpxyz[http2,brotli]==0.2.0", "httpxr": "httpxr==0.1.0"}
    pinned = yaml.safe_load(WORKFLOW.read_text())["env"]["PINNED_REQUIREMENT"]
    calls = {(c["before"], c["after"], c["import_from"], c["import_to"])
             for c in result["upgrade_calls"]}
    assert calls == {(pinned, to, "httpx", name) for name, to in newest.items()} | {
        (*rehearse_ci.PR_PIN, "httpx", "httpx")}
    for job in jobs.values():
        if not job["skipped"]:
            assert not job["failed"] and job["outputs"]["upgrade.outputs.verdict"] == "changes"
            assert job["summary"].startswith("### Upgrade `") and "stand-in verdict" in job[
                "summary"], job["summary"]
    [comment] = result["pr_comments"]
    assert comment.startswith("<!-- httpx-harness: upgrade -->\n**httpx requirement change** "
                              "(`requirements.txt`): `httpx[http2,brotli]==0.29.0` → "
                              "`httpx[http2,brotli]==0.30.0`")
    assert "stand-in verdict, exit 1" in comment


def test_rehearsal_upgrade_that_cannot_judge_fails_its_job(tmp_path: Path) -> None:
    """Exit 2 from the (stood-in) upgrade fails the job after its summary and comment;
    a candidate whose newest release is the pin is skipped, said in the summary."""
    releases = {**rehearse_ci.RELEASES, "httpx": ("0.28.1", "0.29.0", "1.0.dev6")}
    result = rehearse_ci.rehearse(tmp_path, report=False, releases=releases, upgrade_exit=2)
    jobs = result["upgrade_jobs"]
    same = jobs["upgrade-candidates httpx"]
    assert not same["failed"] and same["outputs"].get("resolve.outputs.skip") == "true"
    assert same["exits"]["tox -e upgrade -- FROM TO"] is None
    assert "is the pin, `httpx[http2,brotli]==0.29.0`: nothing to try" in same["summary"]
    for name in ("upgrade-candidates httpx2", "upgrade-pr"):
        job = jobs[name]
        assert job["failed"] and job["outputs"]["upgrade.outputs.verdict"] == "error"
        assert job["exits"]["Fail when the upgrade could not be judged"] == 1
        assert "could not judge (exit 2)" in job["errors"][-1]
    [comment] = result["pr_comments"]
    assert "**error**" in comment
