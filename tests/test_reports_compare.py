"""Regression verdicts: the count gate, the timing rule, coverage, and the command CI runs.

The gate's figures on real count runs (A/A clean, shims caught) are in
tests/test_bench_counts.py; here the rules are pinned on hand-made inputs.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from reports.compare import Thresholds, count_rows, headline_lower_is_better, timing_rows
from tests.reports_helpers import DATA, NEW_RUN, OLD_RUN, copy_results, run_cli, run_main

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
    assert count_verdicts(counts(), more)["syscalls/request"] == "regression"
    # Reads and polls follow when data arrives, not what the client does: reported only.
    waiting = counts(syscalls_by_kind={"sendto": 1.0, "recvfrom": 2.5, "poll": 6.0})
    assert count_verdicts(counts(), waiting)["syscalls/request"] == "unchanged"


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
    samples = noisy(rng, 5.0, 0.1)
    assert verdicts([(samples, list(samples))]) == ["unchanged"]
    # Three rounds a side: the smallest one-sided p is 1/20, never below 0.01.
    assert verdicts([(noisy(rng, 5.0, 0.01, 3), noisy(rng, 2.0, 0.01, 3))]) == ["inconclusive"]


def test_a_twenty_percent_drop_in_a_ratio_is_found_among_twenty_unchanged() -> None:
    rng = random.Random(2)
    pairs = [(noisy(rng, 5.0, 0.05), noisy(rng, 5.0, 0.05)) for _ in range(20)]
    pairs.append((noisy(rng, 5.0, 0.05), noisy(rng, 4.0, 0.05)))
    found = verdicts(pairs)
    assert found[-1] == "regression"
    assert found[:-1] == ["unchanged"] * 20


def test_noise_alone_flags_a_timing_in_under_one_percent_of_rows() -> None:
    rng = random.Random(3)
    pairs = [(noisy(rng, 5.0, 0.3), noisy(rng, 5.0, 0.3)) for _ in range(500)]
    assert verdicts(pairs).count("regression") < 5


def test_headline_direction_comes_from_better_or_unit() -> None:
    assert headline_lower_is_better({"unit": "x faster"}) is False
    assert headline_lower_is_better({"unit": "x of buffered"}) is True
    assert headline_lower_is_better({"unit": "x of buffered", "better": "higher"}) is False


def test_the_hand_made_slowdown_is_reported_and_gates_only_when_asked() -> None:
    old, new = DATA / NEW_RUN / "httpx-0.27.2", DATA / NEW_RUN / "httpx-0.28.1"
    result = run_main("compare", old, new)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{POOLED} [pooled/one-off]" in result.stdout
    assert "timings (not gating): 2 regression" in result.stdout
    assert run_main("compare", old, new, "--gate-timings").returncode == 1


def test_compare_a_file_with_itself_is_clean_and_exits_0() -> None:
    path = DATA / NEW_RUN / "httpx-0.28.1" / "bench.json"
    result = run_main("compare", path, path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == (
        "counts: 0 regression, 0 improvement, 0 missing; timings (not gating): "
        "0 regression, 0 improvement, 0 inconclusive; coverage: 0 missing, 0 new")


def test_a_deleted_benchmark_fails_by_name_and_new_ones_are_listed(tmp_path: Path) -> None:
    root = copy_results(tmp_path)
    path = root / NEW_RUN / "httpx-0.28.1" / "bench.json"
    document = json.loads(path.read_text())
    document["benchmarks"] = [b for b in document["benchmarks"] if b["fullname"] != POOLED]
    path.write_text(json.dumps(document))
    result = run_main("compare", DATA / NEW_RUN / "httpx-0.28.1" / "bench.json", path)
    assert result.returncode == 1
    assert POOLED in result.stdout and "coverage: 1 missing, 0 new" in result.stdout
    result = run_main("compare", path, DATA / NEW_RUN / "httpx-0.28.1" / "bench.json")
    assert result.returncode == 0 and "coverage: 0 missing, 1 new" in result.stdout


def test_a_different_environment_is_warned_about(tmp_path: Path) -> None:
    root = copy_results(tmp_path)
    path = root / NEW_RUN / "httpx-0.28.1" / "bench.json"
    document = json.loads(path.read_text())
    document["machine_info"].setdefault("harness", {})["python"] = "3.99.0"
    document["machine_info"]["harness"]["engine"] = "hypercorn"
    path.write_text(json.dumps(document))
    result = run_main("compare", DATA / NEW_RUN / "httpx-0.28.1" / "bench.json", path)
    header = result.stdout.splitlines()[1:3]
    assert any(line.startswith("warning: python differs:") and "3.99.0" in line
               for line in header), result.stdout
    assert any(line.startswith("warning: engine differs:") for line in header)


def test_runs_are_matched_by_target_and_the_cli_exit_codes_hold() -> None:
    result = run_cli("compare", DATA / OLD_RUN, DATA / NEW_RUN)
    assert result.returncode == 0, result.stderr
    assert "timings (not gating): 2 regression" in result.stdout
    bad = run_cli("compare", DATA / OLD_RUN, DATA / "nowhere")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_previous_compares_the_two_newest_runs_with_benchmarks(tmp_path: Path) -> None:
    result = run_main("compare", "--previous", "--results", DATA)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"{DATA / OLD_RUN} -> {DATA / NEW_RUN}"
    root = copy_results(tmp_path)
    for bench in (root / NEW_RUN).glob("*/bench.json"):
        bench.unlink()
    result = run_main("compare", "--previous", "--results", root)
    assert result.returncode == 2
    assert result.stderr == (f"reports: error: {root}: --previous needs two runs with "
                             "benchmarks, found 1\n")
