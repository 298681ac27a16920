"""A local rehearsal of .github/workflows/harness.yml's report job, step by step.

    python tests/rehearse_ci.py WORKDIR            # synthetic results (seconds)
    python tests/rehearse_ci.py WORKDIR --real     # real suites through tox (minutes)

Two runs, as on CI: a baseline (the default branch's last good run: the pinned target's
conformance and bench jobs) and a candidate spread over three result directories standing
in for three matrix jobs (conformance on httpx 0.28.1 and 0.27.2, the CI-sized bench).
Then the report job's commands, the same ones the workflow runs: the merged report with
the baseline, the regression gate (``compare``), ``history add`` for both runs and the
history plot. Run it with a Python that has the reports group installed (``tox -e
tests`` or ``tox -e report`` environments); ``--real`` also needs tox.
It prints what each step produced and exits 0 when all of it was produced.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BASELINE_RUN, CANDIDATE_RUN = "gh-1001", "gh-1002"
PINNED = "httpx-0.28.1"
# job (artifact) name -> tox environment and its arguments, as the matrix names them
BASELINE_JOBS = {"results-conformance-httpx0281": ("conformance-httpx0281", []),
                 "results-bench-httpx0281": ("bench-httpx0281", ["--quick"])}
CANDIDATE_JOBS = {"results-conformance-httpx0272": ("conformance-httpx0272", []),
                  **BASELINE_JOBS}
STEP_TIMEOUT = 900  # seconds for one suite or one reports command


def reports(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``python -m reports ARGS`` (what ``tox -e report -- ARGS`` runs in the workflow)."""
    done = subprocess.run([sys.executable, "-m", "reports", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=STEP_TIMEOUT)
    print(f"$ python -m reports {' '.join(map(str, args))}  -> exit {done.returncode}")
    return done


def real_suites(directory: Path, run: str, jobs: dict[str, tuple[str, list[str]]],
                tox: list[str]) -> None:
    for artifact, (env, posargs) in jobs.items():
        environment = {**os.environ, "HARNESS_RUN": run,
                       "HARNESS_RESULTS": str(directory / artifact)}
        print(f"$ HARNESS_RUN={run} tox -e {env} -- {' '.join(posargs)}", flush=True)
        subprocess.run([*tox, "-q", "-e", env, "--", *posargs], cwd=REPO, env=environment,
                       check=True, timeout=STEP_TIMEOUT)


def synthetic_suites(directory: Path, run: str, jobs: dict[str, tuple[str, list[str]]],
                     slower: float, seed: int) -> None:
    """The same layout from tests/data/make_results.py's generators."""
    sys.path[:0] = [str(REPO), str(REPO / "tests" / "data")]
    import make_results

    stamp = "2026-11-01T10:00:00+00:00" if run == BASELINE_RUN else "2026-11-02T10:00:00+00:00"
    for artifact, (env, _) in jobs.items():
        target = "httpx-0.27.2" if env.endswith("0272") else PINNED
        path = directory / artifact / run / target
        if env.startswith("bench-"):
            document = make_results.bench(target, run, stamp, speed=slower, seed=seed)
            make_results.write(path / "bench.json", document)
        else:
            make_results.write(path / "conformance.json",
                               make_results.conformance(target, run, stamp))


def report_targets(report_dir: Path) -> list[str]:
    """The targets the merged report shows (its environment table has one row each)."""
    table = report_dir / "environment.csv"
    if not table.exists():
        return []
    with table.open(encoding="utf-8", newline="") as handle:
        return [row["target"] for row in csv.DictReader(handle)]


def rehearse(workdir: Path, real: bool = False, slower: float = 1.0,
             tox: list[str] | None = None) -> dict[str, object]:
    """Every step; returns what they produced (paths, verdict, exit codes)."""
    baseline, artifacts, store = workdir / "baseline", workdir / "artifacts", workdir / "store"
    if real:
        tox = tox or [sys.executable, "-m", "tox"]
        real_suites(baseline, BASELINE_RUN, BASELINE_JOBS, tox)
        real_suites(artifacts, CANDIDATE_RUN, CANDIDATE_JOBS, tox)
    else:
        synthetic_suites(baseline, BASELINE_RUN, BASELINE_JOBS, 1.0, seed=11)
        synthetic_suites(artifacts, CANDIDATE_RUN, CANDIDATE_JOBS, slower, seed=12)
    roots = sorted(path for path in artifacts.iterdir() if path.is_dir())
    base_roots = sorted(path for path in baseline.iterdir() if path.is_dir())

    # Step "Report": every job's results merged, summary.md against the baseline.
    options: list[str | Path] = ["--run", CANDIDATE_RUN]
    for root in roots:
        options += ["--results", root]
    for root in base_roots:
        options += ["--baseline", root]
    report = reports(*options)
    report_dir = roots[0] / CANDIDATE_RUN / "report"

    # Step "Regression gate": the one command.
    bench = "results-bench-httpx0281"
    gate = reports("compare", baseline / bench / BASELINE_RUN / PINNED,
                   artifacts / bench / CANDIDATE_RUN / PINNED, "--markdown")
    verdict = {0: "pass", 1: "regression"}.get(gate.returncode, "error")

    # Step "History store": the baseline was added by its own run; then this run.
    added_baseline = reports("history", "add", "--store", store, *base_roots)
    added = reports("history", "add", "--store", store, "--gate", verdict, *roots) \
        if verdict != "error" else added_baseline
    plot = reports("history", "--store", store, "--output", workdir / "history.png")

    summary = report_dir / "summary.md"
    result = {
        "report_exit": report.returncode, "report_error": report.stderr.strip(),
        "index": str(report_dir / "index.html"),
        "targets": report_targets(report_dir),
        "summary_first_line": (summary.read_text(encoding="utf-8").splitlines()[0]
                               if summary.exists() else ""),
        "summary_chars": len(summary.read_text(encoding="utf-8")) if summary.exists() else 0,
        "gate_exit": gate.returncode, "gate_verdict": verdict,
        "gate_last_line": (gate.stdout.strip().splitlines() or [gate.stderr.strip()])[-1],
        "history_exits": [added_baseline.returncode, added.returncode, plot.returncode],
        "history_lines": added_baseline.stdout.strip() + " | " + added.stdout.strip(),
        "history_plot": plot.stdout.strip().splitlines()[-1] if plot.stdout.strip() else "",
    }
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir", type=Path, help="an empty or new directory")
    parser.add_argument("--real", action="store_true", help="run the real suites with tox")
    parser.add_argument("--slower", type=float, default=1.0,
                        help="synthetic: the candidate's timings x this factor (1.25 fires "
                             "the timing gate)")
    args = parser.parse_args()
    if args.workdir.exists() and any(args.workdir.iterdir()):
        print(f"rehearse_ci: {args.workdir} is not empty", file=sys.stderr)
        return 2
    result = rehearse(args.workdir, args.real, args.slower)
    print(json.dumps(result, indent=1))
    produced = (result["report_exit"] == 0 and result["gate_verdict"] != "error"
                and result["history_exits"] == [0, 0, 0])
    return 0 if produced else 1


if __name__ == "__main__":
    sys.exit(main())
