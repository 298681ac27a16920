"""What keeps counts from depending on the run: the heap settled before each counted region,
and the counted child's import path recorded with each result (docs/bench.md, "Findings")."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.counts import workload
from bench.counts.runner import count
from bench.counts.scenarios import Workload
from server.process import ServerInfo


def test_the_heap_is_settled_after_the_collection_before_each_region(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # glibc's malloc merges and sorts freed chunks at its next large allocation: left to the
    # region, that landed in its first request (+3.1 M instructions of one-off https's 8.3 M
    # after the scenarios before it, 0.1 M once settled).
    events: list[str] = []
    monkeypatch.setattr(workload.gc, "collect", lambda: events.append("collect"))
    monkeypatch.setattr(workload, "settle_heap", lambda: events.append("settle"))
    work = Workload(lambda units: events.append(f"run {units}"), lambda: None)
    workload.region("x", 2, work, None, None)
    assert events == ["collect", "settle", "run 2"]
    monkeypatch.undo()
    assert workload._LIBC is not None  # glibc here: the settling is real, not a no-op
    workload.settle_heap()


def test_the_count_child_s_import_path_is_recorded(server: ServerInfo, tmp_path: Path) -> None:
    def shape(extra: int) -> dict:
        dirs = [tmp_path / f"empty{i}" for i in range(extra)]
        for directory in dirs:
            directory.mkdir(exist_ok=True)
        env = {"PYTHONPATH": ":".join(map(str, dirs))}
        result = count(["pooled-http"], {"http": server.http, "https": server.https},
                       server.ca, quick=True, tools=(), env=env, units={"pooled-http": 2},
                       progress=lambda line: None)["pooled-http"]
        assert result.as_dict()["import_path"] == result.import_path
        return result.import_path or {}

    plain, longer = shape(0), shape(2)
    # sniffio is not a dependency of the harness (anyio 4 no longer needs it).
    assert plain["sniffio"] is False and longer["sniffio"] is False
    assert longer["entries"] == plain["entries"] + 2
