"""A local rehearsal of .github/workflows/harness.yml: its own step scripts, run here.

    python tests/rehearse_ci.py WORKDIR            # synthetic suite results (about a minute)
    python tests/rehearse_ci.py WORKDIR --real     # the suite jobs' step too, real (minutes)

The workflow file is read and the ``run:`` scripts of its steps are executed with bash, as
the runner would (``bash -eo pipefail``), with the workflow's ``env:`` and each step's
``env:`` (``${{ ... }}`` expressions filled from a small context; an expression it does
not know stops the rehearsal, so the workflow cannot drift away from it unseen). What
GitHub itself provides is stood in for: artifacts are directories (``artifacts/results-*``
for this run, ``baseline/results-*`` for the default branch's last good run, which the
``gh`` step would download), ``origin`` is a local bare repository (the history step
pushes its branch there), ``$GITHUB_OUTPUT`` and ``$GITHUB_STEP_SUMMARY`` are files.

Two runs: a baseline (the pinned target's conformance and bench jobs) and a candidate
spread over three job directories (conformance on httpx 0.28.1 and 0.27.2, the CI-sized
bench). Then the report job's steps: the merged report, the gate, the history store. The
baseline's history row is added first, as its own run would have. It prints what came out
and exits 0 when all of it was produced. Needs git, bash, tox (or uvx) and the reports
group (run it with the tests environment's Python).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
WORKFLOW = REPO / ".github" / "workflows" / "harness.yml"
BASELINE_ID, CANDIDATE_ID = "1001", "1002"
BASELINE_RUN, CANDIDATE_RUN = f"gh-{BASELINE_ID}", f"gh-{CANDIDATE_ID}"
PINNED = "httpx-0.28.1"
BASELINE_JOBS = ["conformance-httpx0281", "bench-httpx0281"]
CANDIDATE_JOBS = ["conformance-httpx0272", *BASELINE_JOBS]
REPORT_STEPS = ["Report", "Other Pythons", "Regression gate", "History store"]
STEP_TIMEOUT = 1200  # seconds for one step
EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


def workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def step(job: dict[str, Any], prefix: str) -> dict[str, Any]:
    found = [s for s in job["steps"] if str(s.get("name", "")).startswith(prefix)]
    if len(found) != 1:
        raise SystemExit(f"rehearse_ci: the workflow has {len(found)} steps named {prefix}…")
    return found[0]


def fill(text: str, context: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        if match.group(1) not in context:
            raise SystemExit(f"rehearse_ci: no value for ${{{{ {match.group(1)} }}}}")
        return context[match.group(1)]

    return EXPRESSION.sub(value, str(text))


def runner_environment() -> dict[str, str]:
    """This process's environment without what an enclosing tox run sets: tox reads
    TOX_WORK_DIR as its --workdir, so a step's tox would build its environments in the
    outer checkout's .tox instead of the clone's."""
    inherited = ("TOX_ENV_NAME", "TOX_ENV_DIR", "TOX_WORK_DIR", "TOX_PACKAGE", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if k not in inherited}


def run_step(name: str, script: str, env: dict[str, str], cwd: Path,
             outputs: Path) -> tuple[int, dict[str, str]]:
    """The script as the runner runs a ``shell: bash`` step; its exit code and outputs."""
    outputs.write_text("")
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                          cwd=cwd, env={**runner_environment(), **env,
                                        "GITHUB_OUTPUT": str(outputs)},
                          capture_output=True, text=True, timeout=STEP_TIMEOUT)
    print(f"step {name!r}: exit {done.returncode}", flush=True)
    if done.returncode != 0:
        print((done.stdout + done.stderr)[-3000:], flush=True)
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    return done.returncode, values


def make_origin(workdir: Path) -> Path:
    """A bare 'origin' holding this commit as main, and a clone of it to work in."""
    origin, clone = workdir / "origin.git", workdir / "repo"
    git = ["git", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q", "--bare", str(origin)], check=True, timeout=60)
    subprocess.run(["git", "-C", str(REPO), "push", "-q", str(origin), "HEAD:refs/heads/main"],
                   check=True, timeout=120)
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], check=True, timeout=120)
    return clone


def count_entry(slower: float) -> dict[str, Any]:
    """A work-count entry (bench/test_counts.py's shape): a slower client does more work
    per request, which is what the gate fails on; its timing is not a speed figure."""
    counts = {"scenario": "pooled-http", "deterministic": True, "requests": 200,
              "instructions_per_request": 1.5e6 * slower,
              "syscalls_by_kind": {"sendto": 1.0, "ioctl": 2.0, "recvfrom": 2.0},
              "syscalls_per_request": 5.0, "connections_per_request": 0.0, "absent": {}}
    stats = {"min": 1e-3, "max": 1e-3, "mean": 1e-3, "stddev": 0.0, "rounds": 1,
             "median": 1e-3, "iqr": 0.0, "q1": 1e-3, "q3": 1e-3, "ops": 1e3, "total": 1e-3,
             "iterations": 1, "data": [1e-3]}
    return {"group": "work counts", "name": "test_counts[pooled-http]",
            "fullname": "bench/test_counts.py::test_counts[pooled-http]", "params": None,
            "param": None, "extra_info": {"counts": counts}, "options": {}, "stats": stats}


def synthetic_results(directory: Path, run: str, jobs: list[str], slower: float,
                      seed: int) -> None:
    """What each suite job would upload, from tests/data/make_results.py's generators."""
    sys.path[:0] = [str(REPO), str(REPO / "tests" / "data")]
    import make_results

    stamp = "2026-11-01T10:00:00+00:00" if run == BASELINE_RUN else "2026-11-02T10:00:00+00:00"
    for env in jobs:
        target = "httpx-0.27.2" if env.endswith("0272") else PINNED
        path = directory / f"results-{env}" / run / target
        if env.startswith("bench-"):
            document = make_results.bench(target, run, stamp, speed=slower, seed=seed)
            document["benchmarks"].append(count_entry(slower))
            make_results.write(path / "bench.json", document)
        else:
            make_results.write(path / "conformance.json",
                               make_results.conformance(target, run, stamp))


def suite_jobs(clone: Path, directory: Path, run_id: str, jobs: list[str],
               env: dict[str, str]) -> None:
    """The suite job's tox step, as the matrix fills it; results/ stands for the artifact."""
    sys.path.insert(0, str(REPO / ".github"))
    import harness_matrix

    suite = workflow()["jobs"]["suite"]
    script = next(s["run"] for s in suite["steps"] if str(s.get("name", "")).startswith("tox"))
    for name in jobs:
        entry = harness_matrix.job(name, posargs="--quick" if name.startswith("bench-") else "")
        context = {f"matrix.{key}": value for key, value in entry.items()}
        step_env = {key: fill(value, context) for key, value in
                    next(s for s in suite["steps"] if s.get("run") == script)["env"].items()}
        results = directory / entry["artifact"]
        code, _ = run_step(f"tox -e {name}", script,
                           {**env, **step_env, "HARNESS_RUN": f"gh-{run_id}",
                            "HARNESS_RESULTS": str(results)}, clone, clone.parent / "out")
        if code != 0:
            raise SystemExit(f"rehearse_ci: suite job {name} failed ({code})")


def rehearse(workdir: Path, real: bool = False, slower: float = 1.0,
             tox: str | None = None) -> dict[str, Any]:
    """Everything above; returns what the steps produced."""
    workdir.mkdir(parents=True, exist_ok=True)
    clone = make_origin(workdir)
    flow = workflow()
    context = {"github.run_id": CANDIDATE_ID}
    env = {key: fill(value, context) for key, value in flow["env"].items()}
    if tox:
        env["TOX"] = tox
    baseline, artifacts = clone / "baseline", clone / "artifacts"
    if real:
        suite_jobs(clone, baseline, BASELINE_ID, BASELINE_JOBS, env)
        suite_jobs(clone, artifacts, CANDIDATE_ID, CANDIDATE_JOBS, env)
    else:
        synthetic_results(baseline, BASELINE_RUN, BASELINE_JOBS, 1.0, seed=11)
        synthetic_results(artifacts, CANDIDATE_RUN, CANDIDATE_JOBS, slower, seed=12)
    summary = workdir / "step-summary.md"
    env.update({"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_SHA": "0" * 40,
                "GITHUB_RUN_ID": CANDIDATE_ID})

    context.update({"steps.baseline.outputs.found": "true",
                    "steps.baseline.outputs.run": BASELINE_RUN})
    codes: dict[str, int] = {}
    base_code = -1
    for prefix in REPORT_STEPS:
        current = step(flow["jobs"]["report"], prefix)
        if prefix == "History store":
            # The baseline's own run appended it to the store before this run did.
            base_code = baseline_history(current, clone, env, context, workdir)
        step_env = {k: fill(v, context) for k, v in current.get("env", {}).items()}
        code, outputs = run_step(current["name"], current["run"], {**env, **step_env}, clone,
                                 workdir / "out")
        codes[prefix] = code
        for key, value in outputs.items():
            context[f"steps.{current.get('id')}.outputs.{key}"] = value
    return collect(workdir, clone, context, codes, base_code)


def baseline_history(history_step: dict[str, Any], clone: Path, env: dict[str, str],
                     context: dict[str, str], workdir: Path) -> int:
    """The history step as the baseline's run ran it: its artifacts, its run id, no gate."""
    artifacts, aside = clone / "artifacts", clone / "candidate-artifacts"
    shutil.move(artifacts, aside)
    shutil.copytree(clone / "baseline", artifacts)
    step_env = {k: fill(v, {**context, "steps.gate.outputs.verdict": ""})
                for k, v in history_step.get("env", {}).items()}
    try:
        code, _ = run_step("History store (the baseline's run)", history_step["run"],
                           {**env, **step_env, "HARNESS_RUN": BASELINE_RUN,
                            "GITHUB_SHA": "1" * 40}, clone, workdir / "out")
    finally:
        shutil.rmtree(artifacts)
        shutil.move(aside, artifacts)
        subprocess.run(["git", "-C", str(clone), "worktree", "remove", "--force", "history"],
                       capture_output=True, timeout=60)
    return code


def collect(workdir: Path, clone: Path, context: dict[str, str], codes: dict[str, int],
            base_code: int) -> dict[str, Any]:
    report = clone / context.get("steps.report.outputs.dir", "missing")
    summary_md = report / "summary.md"
    history = subprocess.run(["git", "-C", str(workdir / "origin.git"), "show",
                              "harness-history:store/history.csv"], capture_output=True,
                             text=True, timeout=60)
    rows = list(csv.DictReader(history.stdout.splitlines())) if history.returncode == 0 else []
    step_summary = workdir / "step-summary.md"
    return {
        "step_exits": codes, "baseline_history_exit": base_code,
        "index": str(report / "index.html"),
        "targets": report_targets(report),
        "summary_first_line": (summary_md.read_text(encoding="utf-8").splitlines()[0]
                               if summary_md.exists() else ""),
        "gate_verdict": context.get("steps.gate.outputs.verdict", ""),
        "history_runs": list(dict.fromkeys(row["run"] for row in rows)),
        "history_gate": sorted({(row["run"], row["gate"]) for row in rows}),
        "history_branch_files": subprocess.run(
            ["git", "-C", str(workdir / "origin.git"), "ls-tree", "-r", "--name-only",
             "harness-history"], capture_output=True, text=True, timeout=60).stdout.split(),
        "step_summary_chars": len(step_summary.read_text(encoding="utf-8"))
        if step_summary.exists() else 0,
        # tox's own lines ("report: exit 1 ...") must stay out of what reviewers read
        "tox_lines_in_summary": [line for line in step_summary.read_text(encoding="utf-8")
                                 .splitlines() if re.match(r"\s*report: ", line)]
        if step_summary.exists() else [],
    }


def report_targets(report_dir: Path) -> list[str]:
    """The targets the merged report shows (its environment table has one row each)."""
    table = report_dir / "environment.csv"
    if not table.exists():
        return []
    with table.open(encoding="utf-8", newline="") as handle:
        return [row["target"] for row in csv.DictReader(handle)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir", type=Path, help="an empty or new directory")
    parser.add_argument("--real", action="store_true", help="run the real suites with tox")
    parser.add_argument("--slower", type=float, default=1.0,
                        help="synthetic: the candidate's timings x this factor (1.25 fires "
                             "the timing gate)")
    parser.add_argument("--tox", help="how to run tox (default: the workflow's TOX)")
    args = parser.parse_args()
    if args.workdir.exists() and any(args.workdir.iterdir()):
        print(f"rehearse_ci: {args.workdir} is not empty", file=sys.stderr)
        return 2
    result = rehearse(args.workdir.resolve(), args.real, args.slower, args.tox)
    print(json.dumps(result, indent=1))
    produced = (all(code == 0 for code in result["step_exits"].values())
                and result["gate_verdict"] in ("pass", "regression")
                and len(result["history_runs"]) == 2)
    return 0 if produced else 1


if __name__ == "__main__":
    sys.exit(main())
