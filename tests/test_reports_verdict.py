"""One home for the verdict (issue 19, point 6): summary.md's first line, index.html, the
workflow's gate step and ``python -m reports compare`` give the same verdict on the same
files, because they all take it from reports/compare.py's ``Comparison``.

Each case lays out a baseline root and a results root as the CI report job downloads them,
writes the report with ``--baseline`` and runs ``compare`` on the two target directories
(the gate step's call), then checks that summary.md's line 1 carries compare's own verdict
line and fails exactly when compare's exit status does.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from reports.build import write_report
from tests.reports_helpers import (
    DATA,
    NEW_RUN,
    OLD_RUN,
    PINNED,
    REPO,
    add_counts,
    run_main,
    verdict_of,
)

WORKFLOW = REPO / ".github" / "workflows" / "harness.yml"
SOURCE = DATA / NEW_RUN / PINNED / "bench.json"  # 15 timing benchmarks, no counts


def bench(path: Path, keep: int | None = None, counts: bool = True, **figures: float) -> Path:
    """A bench file at ``path``: the hand-made one (its first ``keep`` benchmarks only, as a
    ``-k`` rerun writes), with count entries unless ``counts`` is false."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = json.loads(SOURCE.read_text())
    if keep is not None:
        document["benchmarks"] = document["benchmarks"][:keep]
    path.write_text(json.dumps(document))
    return add_counts(path, **figures) if counts else path


def layout(tmp_path: Path) -> tuple[Path, Path]:
    """(baseline target directory, candidate target directory), in the CI layout."""
    return (tmp_path / "baseline" / "results-bench" / OLD_RUN / PINNED,
            tmp_path / "artifacts" / "results-bench" / NEW_RUN / PINNED)


def summary_and_gate(tmp_path: Path) -> tuple[str, str, int, str]:
    """summary.md's first line, index.html, and compare's exit status and verdict."""
    old, new = layout(tmp_path)
    report, _ = write_report([new.parent.parent], NEW_RUN, PINNED,
                             baseline=[old.parent.parent])
    line = (report / "summary.md").read_text(encoding="utf-8").splitlines()[0]
    page = (report / "index.html").read_text(encoding="utf-8")
    done = run_main("compare", old, new)
    assert done.stderr == ""
    return line, page, done.returncode, verdict_of(done.stdout)


def assert_agree(line: str, page: str, status: int, verdict: str) -> None:
    assert verdict in line, (line, verdict)  # compare's own verdict line, word for word
    assert line.startswith("**httpx-harness: ✅ pass" if status == 0 else "**httpx-harness: ❌")
    assert verdict in page  # index.html shows the same line


@pytest.mark.parametrize(("rerun_side", "factor", "expected"), [
    ("candidate", 1.0, "pass"), ("candidate", 1.10, "regression"),
    ("baseline", 1.0, "pass"), ("baseline", 1.10, "regression")])
def test_a_target_with_two_bench_files_is_read_whole_by_both(
        tmp_path: Path, rerun_side: str, factor: float, expected: str) -> None:
    """A target holding bench.json and a ``-k`` rerun's bench-2.json (one benchmark, no
    counts): summary.md used to compare only the last file of each side (the counts and
    14 benchmarks then missing or new), compare reads every bench*.json of the directory.
    Now both read the directory and agree."""
    old, new = layout(tmp_path)
    bench(old / "bench.json")
    bench(new / "bench.json", instructions_per_request=1_500_000.0 * factor)
    bench((new if rerun_side == "candidate" else old) / "bench-2.json", keep=1, counts=False)
    line, page, status, verdict = summary_and_gate(tmp_path)
    assert verdict.startswith(expected + ":"), verdict
    assert status == {"pass": 0, "regression": 1}[expected]
    assert_agree(line, page, status, verdict)


def test_a_missing_count_with_a_regression_is_one_verdict(tmp_path: Path) -> None:
    """Connections up (a regression) while valgrind was missing in the candidate: compare
    says regression and could not judge in one line; summary.md says that very line (it
    used to count rows by a failing set of its own and word it differently)."""
    old, new = layout(tmp_path)
    bench(old / "bench.json")
    bench(new / "bench.json", instructions_per_request=None, connections_per_request=1.0,
          absent={"instructions": "valgrind not found"})
    line, page, status, verdict = summary_and_gate(tmp_path)
    assert status == 1 and verdict.startswith("regression: ")
    assert "could not judge: instructions absent in the candidate" in verdict
    assert_agree(line, page, status, verdict)


def test_no_bench_file_in_the_candidate_is_not_a_pass(tmp_path: Path) -> None:
    """The pinned target's bench job wrote nothing this run: the gate step's compare cannot
    read the candidate (exit 2); summary.md used to skip the target silently and pass."""
    old, new = layout(tmp_path)
    bench(old / "bench.json")
    shutil.copytree(DATA / NEW_RUN / PINNED, new)
    (new / "bench.json").unlink()  # conformance only
    report, _ = write_report([new.parent.parent], NEW_RUN, PINNED,
                             baseline=[old.parent.parent])
    line = (report / "summary.md").read_text(encoding="utf-8").splitlines()[0]
    assert run_main("compare", old, new).returncode == 2
    assert line.startswith("**httpx-harness: ❌ benchmarks of httpx-0.28.1: could not judge")


def test_another_targets_regression_informs(tmp_path: Path) -> None:
    """Only the pinned target gates (the one the gate step compares); a count regression of
    another target with benchmarks in both runs is listed and counted as informing."""
    old, new = layout(tmp_path)
    bench(old / "bench.json")
    bench(new / "bench.json")
    other = "httpx-0.27.2"
    bench(old.parent / other / "bench.json")
    bench(new.parent / other / "bench.json", instructions_per_request=1_500_000.0 * 1.10)
    line, _, status, verdict = summary_and_gate(tmp_path)
    assert status == 0 and verdict.startswith("pass:")
    text = (new.parent / "report" / "summary.md").read_text(encoding="utf-8")
    assert line.startswith("**httpx-harness: ✅ pass") and verdict in line
    assert "3 informative regressions (not gating)" in text.splitlines()[2]


def step(name: str) -> dict[str, str]:
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    return next(s for s in jobs["report"]["steps"] if s.get("name", "").startswith(name))


def test_the_gate_step_and_summary_make_the_same_call(tmp_path: Path) -> None:
    """The workflow's gate step compares the pinned target's directories with no option
    but --markdown (no threshold of its own), and the report step tells the report which
    target that is: run as the steps run them on the CI layout, with a rerun's second
    bench file, both give compare's verdict."""
    gate = step("Regression gate")["run"]
    call = re.search(r"\$REPORTS compare((?:[^\n]*\\\n)*[^\n]*)", gate)
    assert call is not None, gate
    words = call.group(1).replace("\\\n", " ").split()
    arguments = [w.strip('"') for w in words if w not in (">", "gate.md")]
    paths = [a for a in arguments if not a.startswith("--")]
    assert [a for a in arguments if a.startswith("--")] == ["--markdown"]
    assert len(paths) == 2 and all(p.endswith("/$PINNED_TARGET") for p in paths), paths
    report = step("Report")["run"]
    assert '--pinned "$PINNED_TARGET"' in report

    old, new = layout(tmp_path)
    bench(old / "bench.json")
    bench(new / "bench.json", connections_per_request=1.0)
    bench(new / "bench-2.json", keep=2, counts=False)
    values = {"$BENCH_ENV": "bench", "$BASELINE_RUN": OLD_RUN, "$HARNESS_RUN": NEW_RUN,
              "$PINNED_TARGET": PINNED}
    filled = []
    for path in paths:
        for name, value in values.items():
            path = path.replace(name, value)
        filled.append(tmp_path / path)
    assert filled == [old, new]
    written, _ = write_report([new.parent.parent], NEW_RUN, PINNED,
                              baseline=[old.parent.parent])
    line = (written / "summary.md").read_text(encoding="utf-8").splitlines()[0]
    done = run_main("compare", *filled, "--markdown")
    verdict = done.stdout.strip().splitlines()[-1]
    assert done.returncode == 1 and verdict.startswith("regression: 3 count regression(s)")
    assert_agree(line, (written / "index.html").read_text(encoding="utf-8"), 1, verdict)
