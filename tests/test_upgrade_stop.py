"""An interrupted upgrade or releases run stops its suites and starts none after: before,
a suite stopped by Ctrl-C counted as a failed attempt and was started again."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from upgrade import suites
from upgrade.environments import Environment
from upgrade.requirement import parse


@pytest.fixture
def hanging_side(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[suites.Side]:
    """A side whose "python" is a process that hangs, as a suite on a loaded machine does."""
    monkeypatch.setenv("HARNESS_RESULTS", str(tmp_path / "results"))
    python = tmp_path / "env" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\nexec sleep 60\n")
    python.chmod(0o755)
    environment = Environment(parse("httpx==0.28.1", None, ()), tmp_path / "lock", tmp_path / "env")
    yield suites.Side("to", "httpx-0.28.1", environment, run="stop-test")
    suites.STOPPED.clear()  # the flag is the process's: later tests start suites again


def test_a_stopped_suite_is_not_tried_again(hanging_side: suites.Side) -> None:
    raised: list[BaseException] = []

    def measure() -> None:
        try:
            suites.run_suite(hanging_side, "snapshot")
        except suites.SuiteError as error:
            raised.append(error)

    thread = threading.Thread(target=measure)
    thread.start()
    deadline = time.monotonic() + 10
    while not suites.RUNNING and time.monotonic() < deadline:
        time.sleep(0.05)
    assert suites.RUNNING, "the suite did not start"
    suites.stop_all()
    thread.join(timeout=10)
    assert not thread.is_alive(), "the thread went on after stop_all()"
    assert raised and "stopped" in str(raised[0])
    assert [p.name for p in hanging_side.directory.glob("snapshot-output*.log")] == [
        "snapshot-output.log"]  # one attempt, not two


def test_after_stop_all_no_suite_starts(hanging_side: suites.Side) -> None:
    suites.stop_all()
    began = time.monotonic()
    with pytest.raises(suites.SuiteError, match="stopped"):
        suites.run_suite(hanging_side, "conformance")
    assert time.monotonic() - began < 5
    assert not list(hanging_side.directory.glob("*-output*.log"))
