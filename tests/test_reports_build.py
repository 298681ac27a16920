"""``python -m reports``: what it writes, from the hand-made results."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from reports.compare import compare
from tests.reports_helpers import (
    NEW_RUN,
    OLD_RUN,
    PINNED,
    copy_results,
    paragraphs,
    row,
    run_main,
    tree,
    verdict_of,
)
from tests.test_reports_matrix import EXPECTED_MATRIX, TARGETS

CSV_FILES = ["conformance-summary.csv", "conformance-matrix.csv", "conformance-observed.csv",
             "conformance-claims.csv", f"changes-from-{PINNED}.csv", "changes-by-target.csv",
             "missing-apis.csv",
             "missing-api-summary.csv", "benchmarks.csv", "headlines.csv",
             "fanout-speedups.csv", "history.csv", "history-headlines.csv", "environment.csv",
             "rtt-speedups.csv", "rtt-crossovers.csv", "open-loop.csv"]
PLOTS = ["ratios.png", "memory.png", "fanout.png", "history.png"]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_results(tmp_path_factory.mktemp("build"))
    result = run_main("--results", root, "--pinned", PINNED)
    assert result.returncode == 0, result.stderr
    path = root / NEW_RUN / "report"
    # The path closes the paragraph before the verdict (printed first and last).
    assert paragraphs(result.stdout)[-2][-1] == f"report: {path / 'index.html'}"
    # No --baseline: the previous run with the pinned target's benchmarks is the baseline,
    # and the verdict is compare's on the two directories (the hand-made files have no
    # counts: it cannot judge, and says so rather than pass).
    gate = compare(root / OLD_RUN / PINNED, root / NEW_RUN / PINNED)
    assert gate.verdict_line() in verdict_of(result.stdout)
    return path


def test_every_format_is_written(report: Path) -> None:
    assert set(tree(report)) == {"index.html", "summary.md", *CSV_FILES, *PLOTS}
    for plot in PLOTS:
        assert (report / plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (report / plot).stat().st_size > 10_000


def test_matrix_csv_has_exactly_the_expected_rows(report: Path) -> None:
    matrix = pd.read_csv(report / "conformance-matrix.csv", index_col="claim")
    assert list(matrix.columns) == TARGETS
    assert {claim: [None if pd.isna(v) else v for v in row]
            for claim, row in matrix.iterrows()} == EXPECTED_MATRIX


def test_observed_values_are_in_the_linked_csv_and_on_hover(report: Path) -> None:
    observed = pd.read_csv(report / "conformance-observed.csv", index_col="claim")
    assert observed.loc["params.merge-with-query", "httpx-0.27.2"] == '"a=1&b=2"'
    page = (report / "index.html").read_text()
    assert "title='observed: \"a=1&amp;b=2\"'" in page
    assert 'href="conformance-observed.csv"' in page


def test_changes_from_pinned_leave_out_the_target_that_was_not_installed(report: Path) -> None:
    changes = pd.read_csv(report / f"changes-from-{PINNED}.csv")
    assert changes[["target", "claim", "change"]].values.tolist() == [
        ["httpx-0.27.2", "bodies.json-compact", "outcome"],
        ["httpx-0.27.2", "params.merge-with-query", "observed"],
        ["httpx-1.0.dev6", "sync.top-level-get", "outcome"],
        ["httpx-1.0.dev6", "redirects.not-followed-by-default", "outcome"],
        ["httpx-1.0.dev6", "http2.one-connection", "outcome"],
    ]


def test_benchmark_tables_mark_the_server_bound_floor_and_keep_ideals(report: Path) -> None:
    benchmarks = pd.read_csv(report / "benchmarks.csv")
    floor = benchmarks[benchmarks["name"] == "test_floor[http]"]
    assert floor["server_bound"].tolist() == ["SERVER-BOUND", "SERVER-BOUND"]
    assert set(benchmarks["target"]) == {"httpx-0.27.2", "httpx-0.28.1"}
    headlines = pd.read_csv(report / "headlines.csv")
    gather = headlines[headlines["headline"] == "gather/serial n=50 (http)"]
    assert gather["ideal"].tolist() == [50.0, 50.0]
    # approx: the CSV round trip may round the last digit differently (pandas on 3.10)
    assert gather["of_ideal"].tolist() == pytest.approx((gather["ratio_median"] / 50).tolist())


def test_fanout_speedups_come_from_the_headlines(report: Path) -> None:
    speedups = pd.read_csv(report / "fanout-speedups.csv")
    headlines = pd.read_csv(report / "headlines.csv").set_index(["target", "headline"])
    row = speedups[(speedups["target"] == "httpx-0.28.1") & (speedups["n"] == 10)].iloc[0]
    assert row["source"] == "headline"
    assert row["speedup"] == pytest.approx(
        headlines.loc[("httpx-0.28.1", "gather/serial n=10 (http)"), "ratio_median"])


def test_history_spans_both_runs(report: Path) -> None:
    history = pd.read_csv(report / "history.csv", index_col=["target", "fullname"])
    assert list(history.columns) == [OLD_RUN, NEW_RUN]
    pooled = "bench/test_pooling.py::test_pooled[http]"
    assert history.loc[("httpx-0.28.1", pooled)].notna().all()
    assert pd.isna(history.loc[("httpx-0.27.2", pooled), OLD_RUN])  # only in the new run


def test_summary_markdown_has_the_counts_and_the_install_failure(report: Path) -> None:
    summary = (report / "summary.md").read_text()
    # claims, holds, broken, missing-api, setup-failed, not-installed, harness-error,
    # unexpected, changed from the pinned target
    assert "| httpx-0.27.2 | 6 | 5 | 1 | 0 | 0 | 0 | 0 | 0 | 2 |" in summary
    assert "- **httpxr-0.1.0** not installed: could not install:" in summary
    assert ("| httpx-1.0.dev6 | module 'httpx' has no attribute 'get' | 1 | sync.top-level-get |"
            in summary)
    assert "| 1 | http2.one-connection |" in summary


def test_roots_from_separate_ci_jobs_merge_into_one_report(tmp_path: Path,
                                                           report: Path) -> None:
    root = copy_results(tmp_path)
    # Each CI job uploads its own results/ holding only its target of the shared run.
    jobs = []
    for target in ["httpx-0.27.2", "httpx-0.28.1", "httpx-1.0.dev6", "httpxr-0.1.0"]:
        job = tmp_path / f"job-{target}" / "results" / NEW_RUN
        job.mkdir(parents=True)
        shutil.copytree(root / NEW_RUN / target, job / target)
        jobs.append(job.parent)
    result = run_main(*[arg for job in jobs for arg in ("--results", job)], "--pinned", PINNED)
    assert result.returncode == 0, result.stderr
    written = jobs[0] / NEW_RUN / "report"
    assert paragraphs(result.stdout)[-2][-1] == f"report: {written / 'index.html'}"
    assert (written / "conformance-matrix.csv").read_text() == \
        (report / "conformance-matrix.csv").read_text()
    for job in jobs[1:]:
        assert not (job / NEW_RUN / "report").exists()


def test_an_older_run_and_a_rerun(tmp_path: Path) -> None:
    root = copy_results(tmp_path)
    assert run_main("--results", root, "--run", OLD_RUN).returncode == 0
    matrix = pd.read_csv(root / OLD_RUN / "report" / "conformance-matrix.csv")
    assert list(matrix.columns) == ["claim", "httpx-0.28.1", "requests"]
    assert run_main("--results", root, "--run", OLD_RUN).returncode == 0  # replaces it
    assert sorted(p.name for p in (root / OLD_RUN).iterdir()) == ["httpx-0.28.1", "report"]


def test_a_terminal_gets_a_rich_summary_before_the_path(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("reports.terminal.interactive", lambda: True)
    monkeypatch.setenv("COLUMNS", "200")
    root = copy_results(tmp_path)
    result = run_main("--results", root, "--pinned", PINNED)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(f"Conformance, run {NEW_RUN}" in line for line in lines)
    # A table row: the target, then its counts (6 claims, none holds: not installed).
    assert row(result.stdout, "httpxr-0.1.0")[:3] == ["httpxr-0.1.0", "6", "0"]
    assert paragraphs(result.stdout)[-2][-1].startswith("report: ")
