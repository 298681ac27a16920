"""reports.power: it applies compare's timing rule, regroups slices alike on both sides of
a ratio, and refuses bad input with one line."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from reports.compare import Thresholds, timing_rows
from reports.power import main, read_headlines, verdicts


def test_the_bootstrap_rule_is_compares_rule() -> None:
    rng = random.Random(5)
    for _ in range(10):
        lower = [rng.random() < 0.5 for _ in range(6)]
        base = [[rng.lognormvariate(1, 0.1) for _ in range(15)] for _ in lower]
        factors = [rng.choice([1.0, 1.3, 0.7]) for _ in lower]
        cand = [[x * f * rng.lognormvariate(0, 0.05) for x in row]
                for row, f in zip(base, factors, strict=True)]
        pairs = [("t", f"b{i}", {"ratio_samples": a, "better": "lower" if low else "higher"},
                  {"ratio_samples": b, "better": "lower" if low else "higher"})
                 for i, (a, b, low) in enumerate(zip(base, cand, lower, strict=True))]
        expected = [{"regression": 1, "improvement": -1}.get(r["verdict"], 0)
                    for r in timing_rows(pairs, Thresholds())]
        found = verdicts(np.array([base]), np.array([cand]), np.array(lower), tests=0)[0]
        assert list(found) == expected


def bench_file(path: Path, top: list[list[float]], bottom: list[list[float]]) -> Path:
    def entry(variant: str, walls: list[list[float]], requests: int, **extra: object) -> dict:
        return {"name": f"test[{variant}]", "group": "g",
                "extra_info": {"variant": variant, "transport": "http", "slice_walls": walls,
                               "requests_per_batch": requests, **extra}}
    document = {"benchmarks": [
        entry("A", top, 1, headline={"name": "A/B", "numerator": "A", "denominator": "B",
                                     "better": "lower", "ratio_samples": [9.0]}),
        entry("B", bottom, 2)]}
    path.write_text(json.dumps(document))
    return path


def test_slices_are_regrouped_at_the_same_places_on_both_sides(tmp_path: Path) -> None:
    # A's slices (1 request each) 1..8, B's (2 requests each) all 2: B's per request is 1.
    path = bench_file(tmp_path / "b.json", [[1, 2, 3, 4], [5, 6, 7, 8]], [[2.0] * 4] * 2)
    assert read_headlines(path)["test[A]"].samples == [9.0]  # as recorded
    assert read_headlines(path, slices=2)["test[A]"].samples == [1.5, 3.5, 5.5, 7.5]
    assert read_headlines(path, slices=8)["test[A]"].samples == [4.5]


def test_client_cpu_slices_give_their_own_ratios(tmp_path: Path) -> None:
    path = bench_file(tmp_path / "b.json", [[1.0] * 4] * 2, [[2.0] * 4] * 2)
    document = json.loads(path.read_text())
    top, bottom = document["benchmarks"]
    top["extra_info"].update(slice_cpus=[[1, 3, 5, 7], [2, 2, 2, 2]], slices_per_round=4)
    bottom["extra_info"].update(slice_cpus=[[2.0] * 4] * 2, slices_per_round=4)
    path.write_text(json.dumps(document))
    assert read_headlines(path, clock="cpus")["test[A]"].samples == [4.0, 2.0]
    assert read_headlines(path)["test[A]"].samples == [9.0]  # wall: as recorded
    del top["extra_info"]["slice_cpus"]
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match="no slice_cpus"):
        read_headlines(path, clock="cpus")


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    assert main([str(broken), str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot read the runs" in err
