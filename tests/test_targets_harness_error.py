"""A suite that could not measure its target is a harness error, not a result.

``python -m targets run`` tells "the candidate behaves differently" (pytest exits 1 and
wrote its result: the run informs, exit 0) from "the harness could not measure it" (a
plugin or collection error, a server that will not start, no result file: recorded as
``harness-error`` with the reason, and the run fails).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.catalogue import load_catalogue
from targets.harness_error import harness_error, reason_from

REPO = Path(__file__).resolve().parent.parent

# A stand-in suite: writes a conformance result (or not) and fails (or not), as told.
FAKE_SUITE = '''
import os

from harness import schema


def test_measures():
    if os.environ["FAKE_WRITES"] == "1":
        schema.write_json(schema.new_result_path("conformance"), {"fake": True})
    assert os.environ["FAKE_FAILS"] != "1", "the candidate behaves differently"
'''


def run_targets(tmp_path: Path, *command: str, gate: bool = False,
                **extra: str) -> tuple[subprocess.CompletedProcess[str], list[Path]]:
    results = tmp_path / "results"
    env = {**os.environ, "HARNESS_TARGET": "httpx-0.28.1", "HARNESS_IMPORT": "httpx",
           "HARNESS_REQUIREMENT": "httpx==0.28.1", "HARNESS_RESULTS": str(results),
           "PYTHONPATH": str(REPO), **extra}
    env.pop("HARNESS_RUN", None)  # outside tox: the runner must hand its run to the suite
    env.pop("HARNESS_GATE", None)
    if gate:
        env["HARNESS_GATE"] = "1"
    done = subprocess.run([sys.executable, "-m", "targets", "run", "--", *command], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=240)
    return done, sorted(results.glob("*/httpx-0.28.1/conformance*.json"))


@pytest.fixture
def fake_suite(tmp_path: Path) -> Path:
    path = tmp_path / "suite" / "test_fake.py"
    path.parent.mkdir()
    path.write_text(FAKE_SUITE)
    return path


@pytest.mark.parametrize(("writes", "fails", "gate", "code"), [
    ("1", "1", False, 0),  # a candidate that behaves differently informs
    ("1", "1", True, 1),  # the pinned target's difference fails the run
    ("1", "0", False, 0),
    ("0", "0", False, 3),  # nothing written: nothing measured
    ("0", "1", False, 3),
])
def test_exit_code_tells_a_difference_from_a_harness_error(
        tmp_path: Path, fake_suite: Path, writes: str, fails: str, gate: bool,
        code: int) -> None:
    done, files = run_targets(tmp_path, sys.executable, "-m", "pytest", "-q", "-p",
                              "no:cacheprovider", "--rootdir", str(fake_suite.parent),
                              str(fake_suite), gate=gate, FAKE_WRITES=writes, FAKE_FAILS=fails)
    assert done.returncode == code, done.stdout[-2000:] + done.stderr[-2000:]
    assert ("harness error" in done.stdout) == (code == 3)
    assert len(files) == (1 if writes == "1" else 0)  # not a conformance suite: no record


@pytest.mark.timeout(300)
def test_a_suite_that_crashes_is_recorded_as_harness_error_with_the_reason(
        tmp_path: Path) -> None:
    done, files = run_targets(tmp_path, sys.executable, "-m", "pytest", "conformance",
                              "-p", "no:cacheprovider", "-p", "harness_no_such_plugin")
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr[-2000:]
    assert len(files) == 1, done.stdout[-2000:]
    document = json.loads(files[0].read_text())
    assert "harness_no_such_plugin" in document["harness_error"]
    assert document["partial"] is False
    assert {claim["outcome"] for claim in document["claims"]} == {"harness-error"}
    assert [claim["id"] for claim in document["claims"]] == list(load_catalogue())
    assert document["summary"]["harness-error"] == len(load_catalogue())
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize(("lines", "code", "expected"), [
    (["collected 0 items", "!!!!!!! _pytest.outcomes.Exit: harness server: could not start: "
      "port in use !!!!!!!"], 3, "harness server: could not start: port in use (exit code 3)"),
    (["ERROR conformance/test_x.py - ImportError: cannot import name 'y'",
      "!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!"], 2,
     "1 error during collection (exit code 2)"),
    (["ImportError while loading conftest '/x/conftest.py'.", "E   ModuleNotFoundError: "
      "No module named 'z'"], 4, "ModuleNotFoundError: No module named 'z' (exit code 4)"),
    ([], -9, "no output (exit code -9)"),
])
def test_the_reason_is_the_line_that_says_why(lines: list[str], code: int,
                                              expected: str) -> None:
    assert reason_from(lines, code) == expected


def test_results_with_exit_code_zero_or_one_are_not_a_harness_error() -> None:
    assert harness_error(0, True, []) is None
    assert harness_error(1, True, []) is None
    assert harness_error(0, False, []) == "the suite wrote no result file (exit code 0)"
    assert harness_error(2, True, ["!! Interrupted: stopped !!"]) is not None


def test_the_report_shows_a_harness_error_with_its_reason(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from reports_helpers import NEW_RUN, copy_results

    from reports.build import write_report
    from targets.harness_error import write_conformance_error

    root = copy_results(tmp_path)
    monkeypatch.setenv("HARNESS_RESULTS", str(root))
    write_conformance_error("httpx2", NEW_RUN, "harness server: could not start (exit code 3)")
    path, tables = write_report([root], NEW_RUN, "httpx-0.28.1")
    row = tables.summary.set_index("target").loc["httpx2"]
    assert row["harness-error"] == len(load_catalogue())
    assert row["harness_error"] == "harness server: could not start (exit code 3)"
    assert ("**httpx2** not measured (harness error): harness server: could not start"
            in (path / "summary.md").read_text())
    assert "harness-error" in (path / "index.html").read_text()
