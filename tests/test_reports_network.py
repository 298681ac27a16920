"""The RTT and open-loop tables and plots, from a hand-made bench.json in a temporary root."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reports.load import load_results
from reports.network import (
    crossovers,
    open_loop_plot,
    open_loop_table,
    rtt_plot,
    rtt_speedups,
)

RUN, TARGET = "20261123T120000-9", "httpx-0.28.1"


def entry(name: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {"fullname": f"bench/test_x.py::{name}", "name": name, "group": "g",
            "stats": {"median": 0.1, "mean": 0.1, "stddev": 0.0, "rounds": 3},
            "extra_info": extra}


def h2_entries() -> list[dict[str, Any]]:
    by_rtt = {"0": 0.6, "20": 0.9, "50": 1.5}
    crossing = {"status": "overtakes", "rtt_ms": 25.0, "text": "overtakes at ~25 ms"}
    entries = []
    for rtt in (0, 20, 50):
        common = {"scenario": "rtt-http2", "case": "small", "n": 50, "rtt_ms": rtt}
        entries.append(entry(f"h2-{rtt}", {**common, "variant": "h2",
                                            "connections_opened": 1, "peak_streams": 50}))
        h1 = {**common, "variant": "h1 max_connections=10", "connections_opened": 10,
              "speedup_by_rtt": by_rtt, "crossover": crossing,
              "ideal_by_rtt": {"0": None, "20": 1.2, "50": 1.6}}
        if rtt == 50:
            h1["headline"] = {"ratio_median": 1.5, "ideal": 1.75, "name": "x"}
        entries.append(entry(f"h1-{rtt}", h1))
    return entries


def open_loop_entries() -> list[dict[str, Any]]:
    return [entry(f"ol-{fraction}", {
        "scenario": "open-loop", "protocol": "HTTP/2", "load_fraction": fraction,
        "capacity_rps": 800.0, "offered_rate": 800.0 * fraction,
        "achieved_rate": 800.0 * min(fraction, 1.0), "completed": 100, "error_count": 0,
        "errors": {}, "latency_ms": {"p50": 2.0 * fraction, "p90": 4.0 * fraction,
                                     "p99": 9.0 * fraction, "p99.9": 20.0 * fraction,
                                     "max": 30.0}})
        for fraction in (0.5, 1.2)]


@pytest.fixture
def runs(tmp_path: Path) -> list:
    path = tmp_path / RUN / TARGET / "bench.json"
    path.parent.mkdir(parents=True)
    document = {"machine_info": {}, "datetime": "2026-11-23T12:00:00",
                "benchmarks": [*h2_entries(), *open_loop_entries()]}
    path.write_text(json.dumps(document))
    return list(load_results([tmp_path]).values())


def test_each_sweep_becomes_one_row_per_rtt_once(runs) -> None:
    table = rtt_speedups(runs)
    assert list(table["rtt_ms"]) == [0.0, 20.0, 50.0]  # three benchmarks carry it, once
    assert list(table["speedup"]) == [0.6, 0.9, 1.5]
    assert table["ideal"].tolist()[1:] == [1.2, 1.6] and table["ideal"].isna().tolist()[0]
    assert set(table["comparison"]) == {"HTTP/2 vs h1 max_connections=10"}
    assert set(table["case"]) == {"small N=50"}


def test_crossovers_pair_the_reference_rtt_with_what_each_side_used(runs) -> None:
    table = crossovers(runs)
    assert len(table) == 1
    row = table.iloc[0]
    assert row["crossover_rtt_ms"] == 25.0 and row["speedup_at_reference"] == 1.5
    assert (row["h1_connections"], row["h2_connections"], row["h2_peak_streams"]) == (10, 1, 50)
    assert row["reference_rtt_ms"] == 50.0 and row["ideal_at_reference"] == 1.75


def test_open_loop_rows_carry_rates_and_percentiles(runs) -> None:
    table = open_loop_table(runs)
    assert list(table["load_fraction"]) == [0.5, 1.2]
    assert list(table["p99_ms"]) == [4.5, pytest.approx(10.8)]
    assert list(table["achieved_rate"]) == [400.0, 800.0]


def test_plots_are_written_and_nothing_is_drawn_without_data(runs, tmp_path: Path) -> None:
    assert rtt_plot(rtt_speedups(runs), tmp_path / "rtt.png").stat().st_size > 1000
    assert open_loop_plot(open_loop_table(runs), tmp_path / "ol.png").stat().st_size > 1000
    assert rtt_plot(rtt_speedups([]), tmp_path / "none.png") is None
    assert open_loop_plot(open_loop_table([]), tmp_path / "none.png") is None
    assert not (tmp_path / "none.png").exists()
