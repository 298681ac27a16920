"""The history store: append-only, idempotent per run, readable back, plotted; bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from reports_helpers import NEW_RUN, OLD_RUN, copy_results, run_main

from harness.schema import OUTCOMES
from reports import history
from reports.history_plot import gate_fired, latest_table, runs_in_order


@pytest.fixture()
def results(tmp_path: Path) -> Path:
    return copy_results(tmp_path)


def add(results: Path, store: Path, run: str, *extra: str):
    return run_main("history", "add", results, "--store", store, "--run", run,
                    "--commit", f"commit-{run}", *extra)


def test_add_writes_headlines_counts_and_conformance(results: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    done = add(results, store, OLD_RUN)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"history: run {OLD_RUN}: ")
    frame = history.read(store)
    assert set(frame["run"]) == {OLD_RUN}
    assert set(frame["commit"]) == {f"commit-{OLD_RUN}"}
    kinds = frame.groupby("kind").size()
    # make_results: 5 headlines (pooled/one-off, 3 gather/serial, 1 memory), one
    # connections_opened count per pooling benchmark (2), each outcome + unexpected.
    assert kinds.to_dict() == {"conformance": len(OUTCOMES) + 1, "count": 2, "headline": 5}
    gather = frame[frame["name"] == "gather/serial n=10 (http)"].iloc[0]
    document = json.loads((results / OLD_RUN / "httpx-0.28.1" / "bench.json").read_text())
    expected = next(b["extra_info"]["headline"] for b in document["benchmarks"]
                    if b["fullname"].endswith("test_gather[10]"))
    assert gather["value"] == pytest.approx(expected["ratio_median"])
    assert (gather["q1"], gather["q3"]) == pytest.approx((expected["ratio_q1"],
                                                         expected["ratio_q3"]))
    assert frame[(frame["kind"] == "conformance") & (frame["name"] == "holds")]["value"].item() == 6
    assert set(frame["version"]) == {"0.28.1"} and set(frame["python"]) == {"3.11.2"}


def test_earlier_rows_are_byte_identical_after_an_add(results: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert add(results, store, OLD_RUN).returncode == 0
    before = (store / "history.csv").read_bytes()
    assert add(results, store, NEW_RUN, "--gate", "regression").returncode == 0
    after = (store / "history.csv").read_bytes()
    assert len(after) > len(before)
    assert after[:len(before)] == before
    frame = history.read(store)
    assert runs_in_order(frame) == [OLD_RUN, NEW_RUN]
    assert gate_fired(frame) == [NEW_RUN]


def test_adding_a_run_twice_adds_nothing(results: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert add(results, store, OLD_RUN).returncode == 0
    before = (store / "history.csv").read_bytes()
    again = add(results, store, OLD_RUN, "--gate", "pass")
    assert again.returncode == 0
    assert "already in" in again.stdout and "nothing added" in again.stdout
    assert (store / "history.csv").read_bytes() == before


def test_counts_are_found_by_name_also_nested(tmp_path: Path) -> None:
    extra = {"n": 50, "body_bytes": 1024, "connections_opened": 1, "server_bound": False,
             "counts": {"instructions_per_request": 1_544_600.0, "syscalls_per_request": 9,
                        "python_lines_per_request": 2_813.0, "lines_tolerance": 0.0,
                        "client_heap_bytes": 70_000.0, "instructions_tolerance": 0.03,
                        "note": "text"}, "peak_streams": 0, "cv": 0.04}
    assert dict(history._count_fields(extra)) == {
        "connections_opened": 1.0, "counts.instructions_per_request": 1_544_600.0,
        "counts.syscalls_per_request": 9.0, "counts.python_lines_per_request": 2_813.0,
        "counts.client_heap_bytes": 70_000.0, "peak_streams": 0.0}


def test_plot_marks_the_gate_and_lists_latest(results: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    add(results, store, OLD_RUN)
    add(results, store, NEW_RUN, "--gate", "regression")
    done = run_main("history", "--store", store)
    assert done.returncode == 0, done.stderr
    png = store / "history.png"
    assert done.stdout.strip().splitlines()[-1] == f"history: {png}"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = latest_table(history.read(store))
    pooled = table[(table["target"] == "httpx-0.28.1")
                   & (table["name"] == "pooled/one-off (http)")].iloc[0]
    assert pooled["runs"] == 2 and pooled["previous"] != pooled["latest"]


@pytest.mark.parametrize("case", ["no-results", "store-is-file", "foreign-store",
                                  "truncated-store", "no-store", "bad-gate", "unknown-run"])
def test_bad_input_is_one_line_and_exit_2(case: str, results: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    if case == "no-results":
        done = run_main("history", "add", tmp_path / "missing", "--store", store)
    elif case == "store-is-file":
        store.write_text("x")
        done = run_main("history", "add", results, "--store", store)
    elif case == "foreign-store":
        store.mkdir()
        (store / "history.csv").write_text("a,b,c\n1,2,3\n")
        done = run_main("history", "add", results, "--store", store)
    elif case == "truncated-store":
        add(results, store, OLD_RUN)
        path = store / "history.csv"
        path.write_bytes(path.read_bytes()[:-7])  # a write cut short
        before = path.read_bytes()
        done = run_main("history", "add", results, "--store", store, "--run", NEW_RUN)
        assert path.read_bytes() == before  # nothing appended after a broken line
    elif case == "no-store":
        done = run_main("history", "--store", store)
    elif case == "bad-gate":
        done = run_main("history", "add", results, "--store", store, "--gate", "maybe")
    else:
        done = run_main("history", "add", results, "--store", store, "--run", "nope")
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("reports: error: "), done.stderr
    if case in ("no-results", "bad-gate", "unknown-run"):
        assert not store.exists()
