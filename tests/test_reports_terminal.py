"""Terminal output fits 100 columns, the verdict first and last (docs/reports.md, "Terminal
output"): compare, upgrade, the main report's summary and ``python -m upgrade``'s verdict,
on the hand-made results in tests/data (with counts added where a verdict needs them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.text import Text

from reports.compare import compare
from reports.terminal import middle, plain, shortened, wrap
from reports.upgrade import upgrade_report
from tests.reports_helpers import (
    NEW_RUN,
    OLD_RUN,
    PINNED,
    add_counts,
    copy_results,
    paragraphs,
    run_main,
)
from upgrade.verdict import Finding, Verdict

WIDTH = 100


def assert_fits(stdout: str) -> None:
    """Every line within 100 terminal columns (colour codes removed, wide characters two)."""
    wide = [line for line in stdout.splitlines()
            if cell_len(Text.from_ansi(line).plain) > WIDTH]
    assert not wide, "\n".join(wide)


def assert_verdict_first_and_last(stdout: str, verdict: str) -> None:
    first, *_, last = paragraphs(Text.from_ansi(stdout).plain)
    assert first == last == [verdict], stdout


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-made results, count runs added to both runs' pinned target: the new run's
    instructions 2 % up, so compare has counts, timings and a regression to print."""
    root = copy_results(tmp_path_factory.mktemp("terminal"))
    add_counts(root / OLD_RUN / PINNED / "bench.json")
    add_counts(root / NEW_RUN / PINNED / "bench.json",
               instructions_per_request=1_500_000.0 * 1.02,
               syscalls_by_kind={"sendto": 2.0, "recvfrom": 1.0, "poll": 4.0})
    return root


@pytest.fixture
def inside(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The results as a relative path, the way a user at the repository root gives them:
    a path is printed whole (it must stay copyable), so a long temporary one would not fit."""
    monkeypatch.chdir(root.parent)
    return Path(root.name)


@pytest.mark.parametrize(("baseline", "candidate", "options"), [
    (f"{OLD_RUN}/{PINNED}", f"{NEW_RUN}/{PINNED}", []),  # counts regressed, timings, rules
    (f"{OLD_RUN}/{PINNED}", f"{NEW_RUN}/{PINNED}", ["--all"]),
    (OLD_RUN, NEW_RUN, []),  # whole runs: four targets, rows new in the candidate
    (f"{NEW_RUN}/httpx-0.27.2", f"{NEW_RUN}/httpx-0.27.2", ["--all"]),  # could not judge
])
def test_compare_fits_with_its_verdict_first_and_last(inside: Path, baseline: str,
                                                      candidate: str,
                                                      options: list[str]) -> None:
    old, new = inside / baseline, inside / candidate
    result = run_main("compare", old, new, *options)
    assert result.returncode in (1, 2), result.stderr
    assert_fits(result.stdout)
    assert_verdict_first_and_last(result.stdout, compare(old, new).verdict_line())


def test_compare_keeps_the_verdict_word_and_the_figure_of_a_row(inside: Path) -> None:
    old, new = inside / OLD_RUN / PINNED, inside / NEW_RUN / PINNED
    result = run_main("compare", old, new)
    table = compare(old, new).table
    expected = table[(table["measure"] == "instructions/request")]
    lines = [line for line in result.stdout.splitlines() if "instructions/request" in line]
    # One line per count scenario, each with its whole name, verdict word and change.
    assert len(lines) == len(expected) == 3
    for line, (_, want) in zip(lines, expected.iterrows(), strict=True):
        assert want["benchmark"].split("::")[-1] in line
        assert f" {want['change']} " in line and line.rstrip().endswith("regression")


@pytest.mark.parametrize(("before", "after"), [("httpx-0.27.2", "httpx-0.28.1"),
                                               ("httpx-0.28.1", "httpx-1.0.dev6"),
                                               ("httpx-1.0.dev6", "httpxr-0.1.0")])
def test_upgrade_fits_with_its_verdict_first_and_last(inside: Path, before: str,
                                                      after: str) -> None:
    sides = [inside / NEW_RUN / before, inside / NEW_RUN / after]
    for extra in ([], ["--all"]):
        result = run_main("upgrade", *sides, *extra)
        assert result.returncode == 0, result.stderr
        assert_fits(result.stdout)
    report = upgrade_report(str(sides[0]), str(sides[1]), [inside])
    assert_verdict_first_and_last(result.stdout, report.verdict_line())


def test_the_main_report_on_a_terminal_fits_with_its_verdict_first_and_last(
        inside: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("reports.terminal.interactive", lambda: True)  # the tables too
    result = run_main("--results", inside, "--pinned", PINNED)
    assert result.returncode == 0, result.stderr
    assert_fits(result.stdout)
    verdict = (inside / NEW_RUN / "report" / "summary.md").read_text().splitlines()[0]
    # summary.md's line as the terminal prints it (reports.terminal.plain: ✅/❌ as words);
    # the previous run is the baseline, so this is compare's regression, not a bare pass
    shown = plain(verdict.replace("**", "").replace("`", ""))
    assert_verdict_first_and_last(result.stdout, shown)
    assert "Benchmark headlines" in result.stdout


def test_a_narrower_columns_is_honoured_a_wider_one_is_not(
        inside: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = inside / OLD_RUN / PINNED, inside / NEW_RUN / PINNED
    monkeypatch.setenv("COLUMNS", "72")
    assert max(map(len, run_main("compare", old, new).stdout.splitlines())) <= 72
    monkeypatch.setenv("COLUMNS", "250")
    assert_fits(run_main("compare", old, new).stdout)


def test_the_upgrade_command_s_verdict_fits_with_its_headline_first_and_last() -> None:
    long = "missing-api: null (module 'httpx' has no attribute 'get'; " * 4
    verdict = Verdict("httpx==0.28.1 (httpx-0.28.1)", "httpx2==2.16.2 (httpx2-2.16.2)",
                      findings=[Finding("breaking", "sync.top-level-get", "holds: 200", long),
                                Finding("wire", "(every case) default headers",
                                        "user-agent: python-httpx/0.28.1", long)])
    verdict.packages = [(f"package-{n}", "1.0", "2.0") for n in range(12)]
    lines = [line for block in verdict.text().split("\n") for line in wrap(block)]
    assert_fits("\n".join(lines))
    assert_verdict_first_and_last("\n".join(lines), verdict.headline())


def test_names_lose_their_file_part_then_their_middle_never_their_distinctness() -> None:
    names = ["bench/test_rtt.py::test_rtt[delayed N=100-5ms-h1 max_connections=10]",
             "bench/test_rtt.py::test_rtt[delayed N=100-20ms-h1 max_connections=10]",
             "bench/test_pooling.py::test_pooled[http]"]
    short = shortened(names, 34)
    assert short[2] == "test_pooled[http]"
    assert len(set(short)) == 3  # the two rtt names would collide cut in the middle: kept
    assert short[:2] == [n.split("::")[1] for n in names[:2]]
    assert middle("test_streamed[33554432] [streamed/buffered peak memory 32 MiB]", 34) == \
        "test_streamed[33…ak memory 32 MiB]"


def test_a_path_longer_than_the_width_is_kept_whole() -> None:
    path = "/" + "a" * 120 + "/index.html"
    assert wrap(f"report: {path}") == ["report:", f"  {path}"]
