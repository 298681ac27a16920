"""A run that covered only part of the catalogue is not a baseline.

From the hand-made results plus a newer run restricted to two claims (as
``tox -e conformance-httpx0281 -- -k timeout`` leaves): ``upgrade``, ``compare --previous``
and the report use each target's newest complete run, and say which runs they used.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from reports_helpers import NEW_RUN, OLD_RUN, copy_results, header_of, run_main

from reports.build import write_report
from reports.upgrade import resolve, upgrade

PARTIAL_RUN = "20261103T100000-3"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The hand-made results, and a newer partial run of httpx-0.28.1 (two claims)."""
    root = copy_results(tmp_path)
    source = root / NEW_RUN / "httpx-0.28.1"
    target = root / PARTIAL_RUN / "httpx-0.28.1"
    target.mkdir(parents=True)
    document = json.loads((source / "conformance.json").read_text())
    document.update(started="2026-11-03T10:00:00+00:00", partial=True,
                    claims=document["claims"][:2])
    document["environment"]["run"] = PARTIAL_RUN
    (target / "conformance.json").write_text(json.dumps(document))
    bench = json.loads((source / "bench.json").read_text())
    bench["datetime"] = "2026-11-03T10:00:00+00:00"
    bench["machine_info"]["harness"].update(run=PARTIAL_RUN, partial=True)
    (target / "bench.json").write_text(json.dumps(bench))
    return root


def test_upgrade_skips_a_newer_partial_run(root: Path) -> None:
    summary, _ = upgrade("httpx-0.27.2", "httpx-0.28.1", [root])
    assert summary[0] == (f"Upgrade httpx-0.27.2 (run {NEW_RUN}) -> "
                          f"httpx-0.28.1 (run {NEW_RUN})")
    assert "2 claims differ: 1 outcome, 1 observed value only, 0 only before" in summary[3]


def test_a_partial_run_named_explicitly_is_used_and_labelled(root: Path) -> None:
    side = resolve("httpx-0.28.1", [root], PARTIAL_RUN)
    assert side.label == f"httpx-0.28.1 (run {PARTIAL_RUN} partial)"
    assert len(side.claims) == 2


def test_a_target_with_only_partial_runs_is_an_error_naming_the_rule(root: Path) -> None:
    shutil.rmtree(root / OLD_RUN)
    shutil.rmtree(root / NEW_RUN / "httpx-0.28.1")
    result = run_main("upgrade", "httpx-0.27.2", "httpx-0.28.1", "--results", root)
    assert result.returncode == 2
    assert "partial runs are skipped" in result.stderr


def test_compare_previous_skips_a_partial_benchmark_run(root: Path) -> None:
    result = run_main("compare", "--previous", "--results", root)
    assert header_of(result.stdout)[0].startswith(f"{root / OLD_RUN} -> {root / NEW_RUN}")


def test_the_report_takes_each_target_from_its_newest_complete_run(root: Path) -> None:
    path, tables = write_report([root], None, "httpx-0.28.1")
    assert tables.run.name == PARTIAL_RUN
    counts = tables.claims.groupby("target")["claim"].count()
    assert counts["httpx-0.28.1"] == 6  # the complete run's six claims, not the partial two
    assert tables.run.sources["httpx-0.28.1"] == NEW_RUN
    assert f"httpx-0.28.1: run {NEW_RUN}" in (path / "index.html").read_text()
    assert f"httpx-0.28.1: run `{NEW_RUN}`" in (path / "summary.md").read_text()


def test_the_report_of_a_named_run_shows_it_as_it_is(root: Path) -> None:
    _, tables = write_report([root], PARTIAL_RUN, "httpx-0.28.1")
    assert tables.claims.groupby("target")["claim"].count().to_dict() == {"httpx-0.28.1": 2}
    assert tables.run.sources == {}
