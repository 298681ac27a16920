"""Regression verdicts: the count gate, the timing rule, coverage, missing evidence, package
differences, and the command CI runs.

The gate's figures on real count runs (A/A clean, shims caught) are in
tests/test_bench_counts.py; here the rules are pinned on hand-made inputs. The hand-made
results in tests/data have no count entries (a run without bench/test_counts.py): tests
that expect a verdict add them to a private copy (``with_counts``).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from harness import packages, schema
from reports.compare import (
    Thresholds,
    compare,
    count_rows,
    headline_lower_is_better,
    timing_rows,
)
from tests.reports_helpers import (
    DATA,
    MEMORY_VARIANTS,
    NEW_RUN,
    OLD_RUN,
    add_counts,
    copy_results,
    header_of,
    heap_figures,
    row,
    run_cli,
    run_main,
    summary_of,
    verdict_of,
)

POOLED = "bench/test_pooling.py::test_pooled[http]"


def noisy(rng: random.Random, median: float, spread: float, count: int = 15) -> list:
    """Per-round ratios with multiplicative noise (log-normal, like benchmark rounds)."""
    return [median * rng.lognormvariate(0, spread) for _ in range(count)]


def headline(samples: list, better: str = "higher") -> dict[str, Any]:
    return {"name": "h", "ratio_samples": samples, "better": better, "unit": "x faster"}


def verdicts(pairs: list[tuple[list, list]], better: str = "higher") -> list[str]:
    rows = timing_rows([("t", f"b{i}", headline(a, better), headline(b, better))
                        for i, (a, b) in enumerate(pairs)], Thresholds())
    return [row["verdict"] for row in rows]


def with_counts(tmp_path: Path) -> Path:
    """A private copy of the hand-made results whose every bench.json has count entries."""
    root = copy_results(tmp_path)
    for path in root.glob("*/*/bench.json"):
        add_counts(path)
    return root


def pair(tmp_path: Path, old: dict[str, Any] | None = None, new: dict[str, Any] | None = None,
         old_harness: dict[str, Any] | None = None, new_harness: dict[str, Any] | None = None,
         old_scenarios: tuple[str, ...] = ("a", "b", "c"),
         new_scenarios: tuple[str, ...] = ("a", "b", "c")) -> tuple[Path, Path]:
    """Two copies of one hand-made bench.json with count entries (``old``/``new``: their
    figures) and ``machine_info.harness`` fields."""
    source = DATA / NEW_RUN / "httpx-0.28.1" / "bench.json"
    paths = []
    for name, figures, harness, scenarios in (("a", old, old_harness, old_scenarios),
                                              ("b", new, new_harness, new_scenarios)):
        path = tmp_path / name / "bench.json"
        path.parent.mkdir(parents=True)
        path.write_bytes(source.read_bytes())
        paths.append(add_counts(path, scenarios, harness, **(figures or {})))
    return paths[0], paths[1]


def counts(**figures: Any) -> dict[str, Any]:
    base = {"instructions_per_request": 1_500_000.0, "connections_per_request": 0.0,
            "syscalls_by_kind": {"sendto": 1.0, "recvfrom": 1.0, "poll": 4.0},
            "bytes_sent_per_request": 109.0, "deterministic": True, "absent": {}}
    return {**base, **figures}


def count_verdicts(old: dict[str, Any], new: dict[str, Any]) -> dict[str, str]:
    return {row["measure"]: row["verdict"]
            for row in count_rows("t", "b", old, new, Thresholds())}


@pytest.mark.parametrize(("factor", "verdict"), [(1.004, "unchanged"), (1.006, "regression"),
                                                 (0.994, "improvement")])
def test_instructions_gate_at_half_a_percent(factor: float, verdict: str) -> None:
    new = counts(instructions_per_request=1_500_000.0 * factor)
    assert count_verdicts(counts(), new)["instructions/request"] == verdict


def test_a_scenario_tolerance_widens_the_instructions_threshold() -> None:
    old = counts(instructions_tolerance=0.02)
    assert count_verdicts(old, counts(instructions_per_request=1_500_000.0 * 1.015,
                                      instructions_tolerance=0.02))[
        "instructions/request"] == "unchanged"
    assert count_verdicts(old, counts(instructions_per_request=1_500_000.0 * 1.025))[
        "instructions/request"] == "regression"


def test_one_more_system_call_of_a_non_waiting_kind_is_a_regression() -> None:
    more = counts(syscalls_by_kind={"sendto": 1.0, "recvfrom": 1.0, "poll": 4.0,
                                    "getppid": 1.0})
    assert count_verdicts(counts(), more)["syscalls/request getppid"] == "regression"
    # Reads and polls follow when data arrives, not what the client does: reported only.
    waiting = counts(syscalls_by_kind={"sendto": 1.0, "recvfrom": 2.5, "poll": 6.0})
    assert count_verdicts(counts(), waiting)["syscalls/request"] == "unchanged"


def test_every_system_call_kind_is_judged_on_its_own() -> None:
    # Two kinds up, one down: each is a row of its own, not the single worst kind.
    new = counts(syscalls_by_kind={"sendto": 0.0, "recvfrom": 1.0, "poll": 4.0,
                                   "getppid": 1.0, "close": 2.0})
    found = count_verdicts(counts(), new)
    assert {k: v for k, v in found.items() if k.startswith("syscalls")} == {
        "syscalls/request close": "regression", "syscalls/request getppid": "regression",
        "syscalls/request sendto": "improvement"}


@pytest.mark.parametrize(("ioctl", "verdict"), [(1.69, "unchanged"), (2.6, "regression")])
def test_a_kind_s_stated_a_a_spread_widens_its_tolerance_only(ioctl: float,
                                                              verdict: str) -> None:
    # Streaming: ioctl follows the number of reads (0.52-0.69 a request A/A).
    old = counts(syscalls_by_kind={"sendto": 1.0, "ioctl": 1.0},
                 syscall_tolerances={"ioctl": 1.5})
    new = counts(syscalls_by_kind={"sendto": 1.0, "ioctl": ioctl})
    found = count_verdicts(old, new)
    assert found.get("syscalls/request ioctl", found.get("syscalls/request")) == verdict
    # Another kind keeps the default: one more sendto still fails.
    other = counts(syscalls_by_kind={"sendto": 2.0, "ioctl": 1.0})
    assert count_verdicts(old, other)["syscalls/request sendto"] == "regression"


def test_any_connection_more_per_request_is_a_regression() -> None:
    assert count_verdicts(counts(), counts(connections_per_request=0.01))[
        "connections/request"] == "regression"


def test_scheduling_dependent_scenarios_are_reported_not_gated() -> None:
    noisy_new = counts(instructions_per_request=1_600_000.0, deterministic=False)
    assert count_verdicts(counts(deterministic=False), noisy_new)[
        "instructions/request"] == "unchanged"


def test_counts_absent_in_the_candidate_are_missing_not_zero() -> None:
    new = counts(instructions_per_request=None, absent={"instructions": "valgrind not found"})
    rows = count_rows("t", "b", counts(), new, Thresholds())
    (row,) = [r for r in rows if r["measure"] == "instructions/request"]
    assert (row["verdict"], row["rule"]) == ("missing", "valgrind not found")


def test_identical_ratios_are_unchanged_and_small_samples_inconclusive() -> None:
    rng = random.Random(1)
    samples = noisy(rng, 5.0, 0.01)
    assert verdicts([(samples, list(samples))]) == ["unchanged"]
    # Three rounds a side: the smallest one-sided p is 1/20, never below 0.01.
    assert verdicts([(noisy(rng, 5.0, 0.01, 3), noisy(rng, 2.0, 0.01, 3))]) == ["inconclusive"]


def test_ratios_of_rounds_sliced_differently_are_not_compared() -> None:
    # An old file (one batch a round) against rounds of 8 slices' medians: another
    # statistic, so even a far move is not judged (and not corrected for) either way.
    rng = random.Random(4)
    old, new = headline(noisy(rng, 5.0, 0.01)), headline(noisy(rng, 2.0, 0.01))
    (row,) = timing_rows([("t", "b", old, {**new, "slices_per_round": 8})], Thresholds())
    assert row["verdict"] == "inconclusive"
    assert "rounds of 1 -> 8 slices" in row["rule"]
    (row,) = timing_rows([("t", "b", {**old, "slices_per_round": 8},
                           {**new, "slices_per_round": 8})], Thresholds())
    assert row["verdict"] == "regression"  # "higher" is better: 5 -> 2 is worse


def test_unchanged_only_where_the_interval_lies_inside_the_minimum_effect() -> None:
    rng = random.Random(3)
    # The same samples on both sides, but so noisy (10 % a round) that 15 rounds cannot
    # show the change to be within 5 %: not significant, and how much it could have seen.
    samples = noisy(rng, 5.0, 0.1)
    (row,) = timing_rows([("t", "b", headline(samples), headline(list(samples)))],
                         Thresholds())
    assert row["verdict"] == "not significant"
    assert "smallest change this run could detect" in row["rule"]
    # Sixty quiet rounds a side with the same median: shown to be inside +-5 %.
    assert verdicts([(noisy(rng, 5.0, 0.02, 60), noisy(rng, 5.0, 0.02, 60))]) == ["unchanged"]


def test_a_twenty_percent_slowdown_in_noisy_rounds_is_never_called_unchanged() -> None:
    # The case: a full run's ratio samples (15 rounds, about 15 % noise a round)
    # multiplied by 1.2 on one side. The test may not see it; it must not deny it.
    for seed in range(20):
        rng = random.Random(seed)
        base = noisy(rng, 5.0, 0.15)
        found = verdicts([(base, [x / 1.2 for x in noisy(rng, 5.0, 0.15)])])
        assert found in (["regression"], ["not significant"]), (seed, found)


def test_a_twenty_percent_drop_in_a_ratio_is_found_among_twenty_unchanged() -> None:
    rng = random.Random(2)
    pairs = [(noisy(rng, 5.0, 0.05), noisy(rng, 5.0, 0.05)) for _ in range(20)]
    pairs.append((noisy(rng, 5.0, 0.05), noisy(rng, 4.0, 0.05)))
    found = verdicts(pairs)
    assert found[-1] == "regression"
    assert set(found[:-1]) <= {"unchanged", "not significant"}


def test_noise_alone_flags_a_timing_in_under_one_percent_of_rows() -> None:
    rng = random.Random(3)
    pairs = [(noisy(rng, 5.0, 0.3), noisy(rng, 5.0, 0.3)) for _ in range(500)]
    assert verdicts(pairs).count("regression") < 5


def test_headline_direction_comes_from_better_or_unit() -> None:
    assert headline_lower_is_better({"unit": "x faster"}) is False
    assert headline_lower_is_better({"unit": "x of buffered"}) is True
    assert headline_lower_is_better({"unit": "x of buffered", "better": "higher"}) is False


def test_the_hand_made_slowdown_is_reported_and_gates_only_when_asked(tmp_path: Path) -> None:
    root = with_counts(tmp_path)
    old, new = root / NEW_RUN / "httpx-0.27.2", root / NEW_RUN / "httpx-0.28.1"
    result = run_main("compare", old, new)
    assert result.returncode == 0, result.stdout + result.stderr
    # The row, by its name without the file part, with its verdict and the library's figure.
    table = compare(old, new).table
    change = table.loc[table["benchmark"] == f"{POOLED} [pooled/one-off]", "change"].item()
    cells = row(result.stdout, "test_pooled[http] [pooled/one-off]")
    assert "regression" in cells and change in cells, cells
    assert "timings (not gating): 2 regression" in result.stdout
    gated = run_main("compare", old, new, "--gate-timings")
    assert gated.returncode == 1
    assert verdict_of(gated.stdout) == "regression: 2 timing regression(s)"


def test_compare_reads_the_slice_count_of_each_side_from_its_file(tmp_path: Path) -> None:
    path = with_counts(tmp_path) / NEW_RUN / "httpx-0.28.1" / "bench.json"
    sliced = tmp_path / "sliced.json"
    document = json.loads(path.read_text())
    for bench in document["benchmarks"]:
        bench["extra_info"]["slices_per_round"] = 8
    sliced.write_text(json.dumps(document))
    def timings(baseline: Path, candidate: Path) -> pd.DataFrame:
        table = compare(baseline, candidate).table
        return table[table["kind"] == "timing"].reset_index(drop=True)

    mixed = timings(path, sliced)
    assert len(mixed) > 0 and set(mixed["verdict"]) == {"inconclusive"}
    assert mixed["rule"].str.contains("rounds of 1 -> 8 slices").all()
    # The same shape on both sides: judged as an unsliced file against itself.
    assert list(timings(sliced, sliced)["verdict"]) == list(timings(path, path)["verdict"])
    assert "not significant" in set(timings(path, path)["verdict"])


def test_compare_a_file_with_itself_is_clean_and_exits_0(tmp_path: Path) -> None:
    path = with_counts(tmp_path) / NEW_RUN / "httpx-0.28.1" / "bench.json"
    result = run_main("compare", path, path)
    assert result.returncode == 0, result.stderr
    # The hand-made headlines' rounds are too few and too spread to show even identical
    # samples within 5 %: "not significant", never "unchanged".
    assert summary_of(result.stdout) == [
        "counts: 0 regression, 0 improvement, 0 missing",
        "timings (not gating): 0 regression, 0 improvement, 2 not significant, 0 inconclusive",
        "coverage: 0 missing, 0 new"]
    assert verdict_of(result.stdout) == "pass: counts judged for 3 scenarios, none regressed"


def test_a_deleted_benchmark_fails_by_name_and_new_ones_are_listed(tmp_path: Path) -> None:
    root = with_counts(tmp_path)
    full = root / OLD_RUN / "httpx-0.28.1" / "bench.json"
    path = root / NEW_RUN / "httpx-0.28.1" / "bench.json"
    document = json.loads(path.read_text())
    document["benchmarks"] = [b for b in document["benchmarks"] if b["fullname"] != POOLED]
    path.write_text(json.dumps(document))
    result = run_main("compare", full, path)
    assert result.returncode == 1
    assert "missing" in row(result.stdout, "test_pooled[http]")
    assert "coverage: 1 missing, 0 new" in result.stdout
    assert verdict_of(result.stdout) == "regression: 1 benchmark(s) missing"
    result = run_main("compare", path, full)
    assert result.returncode == 0 and "coverage: 0 missing, 1 new" in result.stdout


def test_a_different_environment_is_warned_about(tmp_path: Path) -> None:
    root = copy_results(tmp_path)
    path = root / NEW_RUN / "httpx-0.28.1" / "bench.json"
    document = json.loads(path.read_text())
    document["machine_info"].setdefault("harness", {})["python"] = "3.99.0"
    document["machine_info"]["harness"]["engine"] = "hypercorn"
    path.write_text(json.dumps(document))
    result = run_main("compare", DATA / NEW_RUN / "httpx-0.28.1" / "bench.json", path)
    header = header_of(result.stdout)[2:4]  # after the title and the package line
    assert any(line.startswith("warning: python differs:") and "3.99.0" in line
               for line in header), result.stdout
    assert any(line.startswith("warning: engine differs:") for line in header)


def test_runs_are_matched_by_target_and_the_cli_exit_codes_hold(tmp_path: Path) -> None:
    root = with_counts(tmp_path)
    result = run_cli("compare", root / OLD_RUN, root / NEW_RUN)
    assert result.returncode == 0, result.stderr
    assert "timings (not gating): 2 regression" in result.stdout
    bad = run_cli("compare", DATA / OLD_RUN, DATA / "nowhere")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_previous_compares_the_two_newest_runs_with_benchmarks(tmp_path: Path) -> None:
    root = with_counts(tmp_path)
    result = run_main("compare", "--previous", "--results", root)
    assert result.returncode == 0, result.stderr
    assert header_of(result.stdout)[0] == f"{root / OLD_RUN} -> {root / NEW_RUN}"
    for bench in (root / NEW_RUN).glob("*/bench.json"):
        bench.unlink()
    result = run_main("compare", "--previous", "--results", root)
    assert result.returncode == 2
    assert result.stderr == (f"reports: error: {root}: --previous needs two runs with "
                             "benchmarks, found 1\n")


# No evidence, no pass: counts missing on either side are "could not judge", exit 2.

VALGRIND = "valgrind not found (Debian: apt-get install valgrind)"
STRACE = "strace not found (Debian: apt-get install strace)"
NO_VALGRIND = {"instructions_per_request": None, "absent": {"instructions": VALGRIND}}


def test_counts_absent_on_both_sides_cannot_pass(tmp_path: Path) -> None:
    # What a CI runner without valgrind writes on both sides.
    result = run_main("compare", *pair(tmp_path, NO_VALGRIND, NO_VALGRIND))
    assert result.returncode == 2, result.stdout
    assert result.stderr == ""
    assert verdict_of(result.stdout) == (
        f"could not judge: instructions absent on both sides for 3 scenarios ({VALGRIND})")
    # Said as the verdict, first and last, and nowhere else.
    assert sum(line.startswith("could not judge") for line in result.stdout.splitlines()) == 2
    assert summary_of(result.stdout)[0] == "counts: 0 regression, 0 improvement, 3 missing"


@pytest.mark.parametrize(("side", "where"), [("old", "in the baseline"),
                                             ("new", "in the candidate")])
def test_counts_absent_on_one_side_cannot_pass(tmp_path: Path, side: str, where: str) -> None:
    no_strace = {"syscalls_by_kind": None, "absent": {"syscalls": STRACE}}
    result = run_main("compare", *pair(tmp_path, **{side: no_strace}))
    assert result.returncode == 2, result.stdout
    assert verdict_of(result.stdout) == (
        f"could not judge: system calls absent {where} for 3 scenarios ({STRACE})")


def test_no_count_scenario_on_either_side_cannot_pass() -> None:
    # The hand-made results as they are: timings only (bench run with --no-counts).
    result = run_main("compare", DATA / OLD_RUN, DATA / NEW_RUN)
    assert result.returncode == 2, result.stdout
    assert verdict_of(result.stdout).startswith(
        "could not judge: no count scenario on either side")


def test_a_count_scenario_on_one_side_only(tmp_path: Path) -> None:
    # New in the candidate: nothing to judge it against, so not a pass (exit 2).
    old, new = pair(tmp_path, old_scenarios=("a", "b"), new_scenarios=("a", "b", "c"))
    result = run_main("compare", old, new)
    assert result.returncode == 2, result.stdout
    assert verdict_of(result.stdout) == (
        "could not judge: count scenario only in the candidate for test_counts[c]")
    # Lost from the candidate: a missing benchmark like any other (exit 1), and said.
    result = run_main("compare", new, old)
    assert result.returncode == 1, result.stdout
    assert verdict_of(result.stdout) == (
        "regression: 1 benchmark(s) missing; could not judge: count scenario only in the "
        "baseline for test_counts[c]")


def test_a_timings_only_benchmark_lost_stays_missing_and_counts_still_judged(
        tmp_path: Path) -> None:
    old, new = pair(tmp_path)
    document = json.loads(new.read_text())
    document["benchmarks"] = [b for b in document["benchmarks"] if b["fullname"] != POOLED]
    new.write_text(json.dumps(document))
    result = run_main("compare", old, new)
    assert result.returncode == 1
    assert verdict_of(result.stdout) == "regression: 1 benchmark(s) missing"


@pytest.mark.parametrize("side", ["old", "new"])
def test_a_zero_instruction_count_is_a_failed_measurement(tmp_path: Path, side: str) -> None:
    result = run_main("compare", *pair(tmp_path, **{side: {"instructions_per_request": 0}}))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "improvement" not in verdict_of(result.stdout)
    where = "in the baseline" if side == "old" else "in the candidate"
    assert verdict_of(result.stdout) == (
        f"could not judge: instructions absent {where} for 3 scenarios "
        "(0 instructions counted: a failed measurement)")
    rows = count_rows("t", "b", counts(instructions_per_request=0.0), counts(), Thresholds())
    assert [r["verdict"] for r in rows if r["measure"] == "instructions/request"] == ["missing"]


def test_missing_counts_in_the_library_verdict(tmp_path: Path) -> None:
    """What other callers (the upgrade verdict) use: compare(...).missing_evidence()."""
    result = compare(*pair(tmp_path, new=NO_VALGRIND))
    assert result.missing_evidence() == [f"instructions absent in the candidate for 3 "
                                         f"scenarios ({VALGRIND})"]
    assert (result.failed(), result.verdict()) == (False, "could not judge")
    assert compare(*pair(tmp_path / "clean")).verdict() == "pass"


def test_the_candidate_cannot_loosen_its_own_rule() -> None:
    worse = 1_500_000.0 * 1.02
    # Its own wide tolerance is ignored: only the baseline's counts.
    loose = counts(instructions_per_request=worse, instructions_tolerance=0.5)
    assert count_verdicts(counts(), loose)["instructions/request"] == "regression"
    # Nor can it declare itself scheduling-dependent to switch gating off.
    ungated = counts(instructions_per_request=worse, deterministic=False)
    assert count_verdicts(counts(), ungated)["instructions/request"] == "regression"
    # Nor widen a system call kind's tolerance.
    calls = counts(syscalls_by_kind={"sendto": 2.0, "recvfrom": 1.0, "poll": 4.0},
                   syscall_tolerances={"sendto": 5.0})
    assert count_verdicts(counts(), calls)["syscalls/request sendto"] == "regression"


# Python lines (the line pass): gated for every scenario, the scheduling-dependent gathered
# one included; absent on a side is missing evidence, zero a failed measurement.
LINES = 2905.0


def gathered(**figures: Any) -> dict[str, Any]:
    """The async fan-out's counts: instructions reported only, its Python lines gated."""
    return counts(**{"deterministic": False, "python_lines_per_request": LINES, **figures})


@pytest.mark.parametrize(("factor", "verdict"), [(1.004, "unchanged"), (1.006, "regression"),
                                                 (0.994, "improvement")])
def test_python_lines_gate_the_async_fan_out_at_half_a_percent(factor: float,
                                                               verdict: str) -> None:
    new = gathered(python_lines_per_request=LINES * factor,
                   instructions_per_request=1_500_000.0 * 1.05)
    found = count_verdicts(gathered(), new)
    assert found["python lines/request"] == verdict
    # Its instructions still follow scheduling: reported, never gated.
    assert found["instructions/request"] == "unchanged"


def test_the_async_fan_out_moving_is_a_regression(tmp_path: Path) -> None:
    old, new = pair(tmp_path, gathered(), gathered(python_lines_per_request=LINES * 1.06),
                    old_scenarios=("async-gathered",), new_scenarios=("async-gathered",))
    result = run_main("compare", old, new)
    assert result.returncode == 1, result.stdout + result.stderr
    assert any("python lines/request" in line and "regression" in line
               for line in result.stdout.splitlines()), result.stdout
    assert verdict_of(result.stdout) == "regression: 1 count regression(s)"
    assert run_main("compare", old, old).returncode == 0


def test_a_stated_lines_tolerance_is_the_baseline_s_alone() -> None:
    # http2-streams: its lines follow how frames arrive, so its baseline states a spread.
    old = gathered(lines_tolerance=0.02)
    assert count_verdicts(old, gathered(python_lines_per_request=LINES * 1.015))[
        "python lines/request"] == "unchanged"
    assert count_verdicts(old, gathered(python_lines_per_request=LINES * 1.025))[
        "python lines/request"] == "regression"
    loose = gathered(python_lines_per_request=LINES * 1.015, lines_tolerance=0.5)
    assert count_verdicts(gathered(), loose)["python lines/request"] == "regression"


@pytest.mark.parametrize(("old", "new", "rule"), [
    (gathered(), counts(deterministic=False, absent={"lines": "not asked for"}),
     "not asked for"),
    (gathered(), counts(deterministic=False), "not recorded"),  # a harness from before
    (gathered(), gathered(python_lines_per_request=0.0),
     "0 Python lines counted: a failed measurement"),
    (gathered(python_lines_per_request=None, absent={"lines": "line run failed (exit 1)"}),
     gathered(), "line run failed (exit 1)"),
])
def test_python_lines_absent_or_zero_on_a_side_are_missing(old: dict[str, Any],
                                                            new: dict[str, Any],
                                                            rule: str) -> None:
    rows = [r for r in count_rows("t", "b", old, new, Thresholds())
            if r["measure"] == "python lines/request"]
    assert [(r["verdict"], r["rule"]) for r in rows] == [("missing", rule)]


def test_python_lines_missing_is_could_not_judge(tmp_path: Path) -> None:
    result = run_main("compare", *pair(tmp_path, gathered(), counts(
        deterministic=False, absent={"lines": "not asked for"})))
    assert result.returncode == 2, result.stdout + result.stderr
    assert verdict_of(result.stdout) == (
        "could not judge: Python lines absent in the candidate for 3 scenarios "
        "(not asked for)")


def test_files_from_before_the_line_pass_are_judged_as_before() -> None:
    # Neither side has the field: no lines row, and the other counts as they were.
    found = count_verdicts(counts(), counts())
    assert "python lines/request" not in found and found["instructions/request"] == "unchanged"


# Memory: a stream's heap peak must not grow with the body, nor any heap figure rise past
# the A/A spread; memory absent on a side is missing evidence; memory per client informs.

def heap_verdicts(old: dict[str, Any], new: dict[str, Any], what: str) -> set[str]:
    """The verdicts of every variant's ``what`` row ("heap growth" or "heap peak")."""
    found = {measure: verdict for measure, verdict in count_verdicts(old, new).items()
             if measure.startswith(what)}
    assert len(found) == len(MEMORY_VARIANTS), found
    return set(found.values())


@pytest.mark.parametrize(("kind", "before", "after", "verdict"), [
    ("stream", 0.0, 0.008, "unchanged"),  # under the bound (0.01) and the tolerance
    ("stream", 0.0, 0.012, "regression"),
    ("stream", 1.0, 1.0, "regression"),  # a stream growing with the body fails, always
    ("stream", 1.0, 0.0, "improvement"),
    ("read", 2.0, 2.008, "unchanged"),  # a buffered read grows by nature: only a rise fails
    ("read", 2.0, 2.012, "regression"),
    ("read", 2.0, 1.988, "improvement"),
])
def test_heap_growth_per_body_byte(kind: str, before: float, after: float,
                                   verdict: str) -> None:
    old, new = heap_figures(kind, growth=before), heap_figures(kind, growth=after)
    assert heap_verdicts(counts(**old), counts(**new), "heap growth") == {verdict}


@pytest.mark.parametrize(("step", "verdict"), [(30 * 1024, "unchanged"),
                                               (34 * 1024, "regression"),
                                               (-34 * 1024, "improvement")])
def test_a_heap_peak_rise_past_32_kib_is_a_regression(step: int, verdict: str) -> None:
    old, new = heap_figures(peak=200_000.0), heap_figures(peak=200_000.0 + step)
    assert heap_verdicts(counts(**old), counts(**new), "heap peak") == {verdict}
    assert heap_verdicts(counts(**old), counts(**new), "heap growth") == {"unchanged"}


def test_a_buffered_stream_fails_the_gate_on_memory(tmp_path: Path) -> None:
    # What httpx with iter_bytes() reading the whole body first gives: growth 1 per byte.
    result = run_main("compare", *pair(tmp_path, heap_figures(), heap_figures(growth=1.0)))
    assert result.returncode == 1, result.stdout
    assert any("heap growth/body byte, h2 async" in line and "regression" in line
               for line in result.stdout.splitlines()), result.stdout
    assert verdict_of(result.stdout) == "regression: 12 count regression(s)"
    assert compare(*pair(tmp_path / "aa", heap_figures(), heap_figures())).verdict() == "pass"


MEMORY_NOT_ASKED = {"memory": "stream", "heap_peak_bytes": None, "memory_bodies": None,
                    "heap_peak_per_body_byte": None, "absent": {"memory": "not asked for"}}


@pytest.mark.parametrize(("old", "new", "where", "why"), [
    (heap_figures(), MEMORY_NOT_ASKED, "in the candidate", "not asked for"),
    ({}, heap_figures(), "in the baseline", "not recorded"),  # a file from before memory
    (heap_figures(), heap_figures(heap_peak_bytes={v: [120_000.0, 0]
                                                   for v in MEMORY_VARIANTS}),
     "in the candidate", "h1 sync: a heap peak of 0 bytes: a failed measurement"),
])
def test_memory_absent_on_a_side_cannot_pass(tmp_path: Path, old: dict[str, Any],
                                             new: dict[str, Any], where: str,
                                             why: str) -> None:
    result = run_main("compare", *pair(tmp_path, old, new))
    assert result.returncode == 2, result.stdout
    assert verdict_of(result.stdout) == (
        f"could not judge: memory absent {where} for 3 scenarios ({why})")


def test_memory_per_client_is_reported_not_gated(tmp_path: Path) -> None:
    old = {"memory": "client", "client_heap_bytes": 5_000.0, "client_rss_bytes": 360_000.0}
    new = {**old, "client_heap_bytes": 10_000.0, "client_rss_bytes": 720_000.0}
    result = run_main("compare", *pair(tmp_path, old, new))
    assert result.returncode == 0, result.stdout
    assert any("heap per Client() held" in line and "changed" in line
               for line in result.stdout.splitlines()), result.stdout
    assert verdict_of(result.stdout) == "pass: counts judged for 3 scenarios, none regressed"


# Package versions: listed first; a count regression says which differ.

def test_package_differences_come_first_and_name_a_count_regression(tmp_path: Path) -> None:
    old_harness = {"distributions": {"httpcore": "1.0.7", "h11": "0.14.0", "anyio": "4.6.0"}}
    new_harness = {"distributions": {"httpcore": "1.0.9", "h11": "0.14.0", "h2": "4.1.0",
                                     "anyio": "4.6.0"}}
    slower = {"instructions_per_request": 1_500_000.0 * 1.02}
    old, new = pair(tmp_path, new=slower, old_harness=old_harness, new_harness=new_harness)
    result = run_main("compare", old, new)
    assert result.returncode == 1, result.stdout
    differ = "h2 absent -> 4.1.0, httpcore 1.0.7 -> 1.0.9"
    assert header_of(result.stdout)[1] == f"packages differ: {differ}"
    assert f"count regressions with these packages differing: {differ}" in \
        summary_of(result.stdout)
    assert verdict_of(result.stdout) == "regression: 3 count regression(s)"
    markdown = [line for line in run_main("compare", old, new, "--markdown").stdout.splitlines()
                if line]
    assert markdown[1] == f"packages differ: {differ}"


def test_a_different_import_path_is_warned_about_and_named_by_a_regression(
        tmp_path: Path) -> None:
    # Counts depend on sys.path's length where an import fails on every call (httpcore's
    # `import sniffio` with sniffio not installed: docs/bench.md, "Findings").
    short = {"import_path": {"entries": 6, "sniffio": False}}
    longer = {"import_path": {"entries": 8, "sniffio": False}}
    slower = {"instructions_per_request": 1_500_000.0 * 1.02}
    old, new = pair(tmp_path, old=short, new={**longer, **slower})
    result = run_main("compare", old, new)
    assert result.returncode == 1, result.stdout
    shapes = ("6 sys.path entries, sniffio absent -> 8 sys.path entries, sniffio absent")
    assert header_of(result.stdout)[1:3] == [
        "packages: no version differs",
        f"warning: import paths differ (counts depend on them): {shapes}"]
    assert (f"count regressions with no package version differing; import paths differ: "
            f"{shapes}") in summary_of(result.stdout)
    # The same shape, or a side from before it was recorded: no warning.
    for name, figures in (("same", short), ("unrecorded", {})):
        result = run_main("compare", *pair(tmp_path / name, old=short, new=figures))
        assert "import paths differ" not in result.stdout, result.stdout
    sniffio = {"import_path": {"entries": 6, "sniffio": True}}
    result = run_main("compare", *pair(tmp_path / "sniffio", old=short, new=sniffio))
    assert ("warning: import paths differ (counts depend on them): 6 sys.path entries, "
            "sniffio absent -> 6 sys.path entries, sniffio importable") in \
        header_of(result.stdout)


def test_package_versions_fall_back_to_the_packages_key_or_say_unrecorded(
        tmp_path: Path) -> None:
    # Old files: no "distributions"; the "packages" key (httpx and requests here).
    run = with_counts(tmp_path) / NEW_RUN
    result = run_main("compare", run / "httpx-0.27.2", run / "httpx-0.28.1")
    assert header_of(result.stdout)[1] == "packages differ: httpx 0.27.2 -> 0.28.1"
    # Only one side with the full set: both read on the packages key, not 60 "absent".
    full = {"distributions": {"httpx": "0.28.1", "requests": "2.32.3", "idna": "3.10"}}
    result = run_main("compare", *pair(tmp_path / "one", new_harness=full))
    assert header_of(result.stdout)[1] == "packages: no version differs"
    nothing = {"packages": {}}
    slower = {"instructions_per_request": 1_500_000.0 * 1.02}
    result = run_main("compare", *pair(tmp_path / "none", new=slower, old_harness=nothing,
                                       new_harness=nothing))
    assert header_of(result.stdout)[1] == "package versions not recorded"
    assert "count regressions: package versions not recorded" in result.stdout


def test_package_differences_and_the_recorded_set() -> None:
    found = packages.differences({"httpcore": "1.0.7", "h11": "0.14.0", "idna": "3.10"},
                                 {"httpcore": "1.0.9", "h2": "4.1.0", "idna": "3.10"})
    assert found == [("h11", "0.14.0", None), ("h2", None, "4.1.0"),
                     ("httpcore", "1.0.7", "1.0.9")]
    assert packages.describe(found) == ("h11 0.14.0 -> absent, h2 absent -> 4.1.0, "
                                        "httpcore 1.0.7 -> 1.0.9")
    installed = packages.installed_distributions()
    from importlib.metadata import version

    assert installed["pytest-benchmark"] == version("pytest_benchmark")
    assert schema.environment()["distributions"] == installed


def test_instructions_the_baseline_reports_only_move_without_failing() -> None:
    # http2-streams with one core busy: +21 % instructions, lines and system calls held.
    old = counts(instructions_gated=False)
    moved = counts(instructions_per_request=1_500_000.0 * 1.21)
    assert count_verdicts(old, moved)["instructions/request"] == "changed"
    assert count_verdicts(old, counts())["instructions/request"] == "unchanged"
    # The candidate cannot switch its own gate off.
    assert count_verdicts(counts(), counts(instructions_per_request=1_500_000.0 * 1.21,
                                           instructions_gated=False))[
        "instructions/request"] == "regression"
