"""Bad input: one line naming the file and the problem, exit 2, nothing written."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from reports.output import staged_directory
from tests.reports_helpers import NEW_RUN, OLD_RUN, copy_results, run_cli, run_main, tree

PINNED_CONFORMANCE = f"{NEW_RUN}/httpx-0.28.1/conformance.json"
PINNED_BENCH = f"{NEW_RUN}/httpx-0.28.1/bench.json"

# Each case damages a copy of the hand-made results and returns (command arguments, the
# path the error must name, a phrase the error must contain).
Case = Callable[[Path], tuple[list[str], Path, str]]


def truncated_conformance(root: Path) -> tuple[list[str], Path, str]:
    path = root / PINNED_CONFORMANCE
    path.write_text(path.read_text()[:500])
    return ["--results", str(root)], path, "not valid JSON (truncated?)"


def empty_bench(root: Path) -> tuple[list[str], Path, str]:
    path = root / PINNED_BENCH
    path.write_text("")
    return ["--results", str(root)], path, "empty file"


def foreign_conformance(root: Path) -> tuple[list[str], Path, str]:
    path = root / PINNED_CONFORMANCE
    path.write_text(json.dumps({"name": "some-package", "version": "1.0"}))
    return ["--results", str(root)], path, "not a conformance result"


def bench_that_is_not_pytest_benchmark(root: Path) -> tuple[list[str], Path, str]:
    path = root / f"{OLD_RUN}/httpx-0.28.1/bench.json"
    path.write_text(json.dumps([1, 2, 3]))
    return ["--results", str(root)], path, "not pytest-benchmark JSON"


def unknown_outcome(root: Path) -> tuple[list[str], Path, str]:
    path = root / PINNED_CONFORMANCE
    document = json.loads(path.read_text())
    document["claims"][2]["outcome"] = "mostly"
    path.write_text(json.dumps(document))
    return ["--results", str(root)], path, "has outcome 'mostly'"


def binary_garbage(root: Path) -> tuple[list[str], Path, str]:
    path = root / PINNED_BENCH
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    return ["--results", str(root)], path, "not UTF-8"


def directory_without_results(root: Path) -> tuple[list[str], Path, str]:
    empty = root.parent / "empty-results"
    (empty / "some-run" / "some-target").mkdir(parents=True)
    return ["--results", str(empty)], empty, "no result files"


def missing_results_directory(root: Path) -> tuple[list[str], Path, str]:
    missing = root.parent / "nowhere"
    return ["--results", str(missing)], missing, "no such results directory"


def unknown_run(root: Path) -> tuple[list[str], Path, str]:
    return ["--results", str(root), "--run", "2020-no-such-run"], Path("2020-no-such-run"), \
        "no such run"


def compare_missing_file(root: Path) -> tuple[list[str], Path, str]:
    missing = root / "baseline.json"
    return ["compare", str(missing), str(root / PINNED_BENCH)], missing, "no such file"


def compare_truncated_candidate(root: Path) -> tuple[list[str], Path, str]:
    path = root / PINNED_BENCH
    path.write_text(path.read_text()[:-40])
    return ["compare", str(root / OLD_RUN), str(path)], path, "not valid JSON"


def compare_without_common_benchmarks(root: Path) -> tuple[list[str], Path, str]:
    path = root / PINNED_BENCH
    document = json.loads(path.read_text())
    for bench in document["benchmarks"]:
        bench["fullname"] = "renamed::" + bench["fullname"]
    path.write_text(json.dumps(document))
    baseline = root / OLD_RUN / "httpx-0.28.1" / "bench.json"
    return ["compare", str(baseline), str(path)], baseline, "no benchmark in common"


def compare_directory_without_bench(root: Path) -> tuple[list[str], Path, str]:
    target = root / NEW_RUN / "httpx-1.0.dev6"
    return ["compare", str(target), str(root / PINNED_BENCH)], target, "no bench*.json"


def upgrade_with_foreign_file(root: Path) -> tuple[list[str], Path, str]:
    path = root / NEW_RUN / "httpx-0.27.2" / "conformance.json"
    path.write_text(json.dumps({"schema": "someone-else/results", "claims": []}))
    return ["upgrade", str(path.parent), "httpx-0.28.1", "--results", str(root)], path, \
        "not a conformance result"


def upgrade_unknown_target(root: Path) -> tuple[list[str], Path, str]:
    return ["upgrade", "httpx-0.27.2", "httpx-9.9", "--results", str(root)], root, \
        "no conformance results for target 'httpx-9.9'"


CASES: list[Case] = [
    truncated_conformance, empty_bench, foreign_conformance,
    bench_that_is_not_pytest_benchmark, unknown_outcome, binary_garbage,
    directory_without_results, missing_results_directory, unknown_run, compare_missing_file,
    compare_truncated_candidate, compare_without_common_benchmarks,
    compare_directory_without_bench, upgrade_with_foreign_file, upgrade_unknown_target,
]


@pytest.mark.parametrize("damage", CASES, ids=[case.__name__ for case in CASES])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path: Path,
                                                         damage: Case) -> None:
    root = copy_results(tmp_path)
    args, named, phrase = damage(root)
    before = tree(tmp_path)
    result = run_main(*args)
    assert result.returncode == 2, result.stdout
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("reports: error: ")
    assert str(named) in result.stderr and phrase in result.stderr, result.stderr
    assert result.stdout == ""
    assert tree(tmp_path) == before  # no report, no temporary directory left behind


def test_a_bad_file_leaves_an_earlier_report_untouched(tmp_path: Path) -> None:
    root = copy_results(tmp_path)
    assert run_main("--results", root).returncode == 0
    report = root / NEW_RUN / "report"
    earlier = {name: (report / name).read_bytes() for name in tree(report)}
    truncated_conformance(root)
    assert run_main("--results", root).returncode == 2
    assert {name: (report / name).read_bytes() for name in tree(report)} == earlier


def test_the_real_command_line_reports_bad_input_without_a_traceback(tmp_path: Path) -> None:
    root = copy_results(tmp_path)
    args, named, _ = empty_bench(root)
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stderr == (f"reports: error: {named}: empty file (a run still in progress, "
                             "or one that crashed before writing it)\n")


def test_a_usage_mistake_is_one_line_exit_2() -> None:
    result = run_main("compare", "only-one-argument")
    assert result.returncode == 2
    assert result.stderr == ("reports: error: python -m reports compare: give BASELINE and "
                             "CANDIDATE, or --previous\n")


def test_a_failure_while_writing_leaves_no_directory(tmp_path: Path) -> None:
    final = tmp_path / "report"
    with pytest.raises(RuntimeError), staged_directory(final) as staging:
        (staging / "index.html").write_text("half")
        raise RuntimeError("plotting failed")
    assert tree(tmp_path) == set()


def test_usage_errors_name_the_command() -> None:
    assert run_main("--bogus").stderr == \
        "reports: error: python -m reports: unrecognized arguments: --bogus\n"
    assert run_main("upgrade").stderr.startswith(
        "reports: error: python -m reports upgrade: the following arguments are required")
