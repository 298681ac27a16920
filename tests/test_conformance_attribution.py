"""A requests-side failure is recorded on requests' side, and the httpx half still runs.

pytest's own failures (``pytest.raises``' "DID NOT RAISE", ``pytest.fail``) are
BaseExceptions: the requests side must catch them like any other failure, and let only
what stops a run (a pytest-timeout, KeyboardInterrupt) through.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conformance.conftest import is_requests_failure

REPO = Path(__file__).resolve().parent.parent

PROBE = '''
import pytest

from conformance.conftest import requests_side  # noqa: F401  (the fixture under test)

halves = []


@pytest.mark.parametrize("failure", ["did-not-raise", "fail", "assert", "error"])
def test_requests_half_fails(requests_side, failure):
    with requests_side:
        if failure == "did-not-raise":
            with pytest.raises(ValueError):
                pass
        elif failure == "fail":
            pytest.fail("requests stopped doing it")
        elif failure == "assert":
            assert 1 == 2
        else:
            raise ConnectionError("refused")
    halves.append("httpx")  # the httpx half runs after the requests block
    assert requests_side.result.outcome == "broken"
    assert requests_side.result.message
    print("RECORDED", failure, requests_side.result.message)


def test_httpx_half_ran():
    assert len(halves) == 4
'''


def test_a_requests_side_failure_is_recorded_and_the_httpx_half_runs(tmp_path: Path) -> None:
    (tmp_path / "test_probe.py").write_text(PROBE)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path), str(tmp_path / "test_probe.py")],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "RECORDED did-not-raise Failed: DID NOT RAISE" in done.stdout
    assert "RECORDED fail Failed: requests stopped doing it" in done.stdout
    assert "5 passed" in done.stdout


@pytest.mark.parametrize(("error", "caught"), [
    (pytest.fail.Exception("DID NOT RAISE <class 'ValueError'>"), True),
    (AssertionError("x"), True),
    (OSError("refused"), True),
    (pytest.fail.Exception("Timeout (>30.0s) from pytest-timeout."), False),
    (KeyboardInterrupt(), False),
    (SystemExit(1), False),
])
def test_what_the_requests_side_catches(error: BaseException, caught: bool) -> None:
    assert is_requests_failure(error) is caught


@pytest.mark.parametrize(("claim", "test", "expected"), [
    ("missing-api", "broken", True),  # a hanging HEAD among missing-api verbs (1.0.dev6)
    ("missing-api", "holds", True),
    ("broken", "missing-api", False),  # this test would change the claim: it must fail
    ("broken", "broken", False),  # equal: the plain known-deviation rule covers it
    ("holds", "broken", False),  # a claim expected to hold never hides a failure
    ("harness-error", "broken", False),  # not a test outcome: never ranked
])
def test_which_failing_tests_cannot_decide_their_claim(claim: str, test: str,
                                                       expected: bool) -> None:
    from conformance.recording import outranks

    assert outranks(claim, test) is expected


def test_a_failure_is_the_target_s_only_with_a_frame_of_the_target() -> None:
    # A fixture of the harness that fails before asking the target anything (a server that
    # did not start within a test's timeout) is a harness error, not the target "broken".
    import httpx

    from conformance.recording import in_target

    with pytest.raises(TypeError) as inside:
        httpx.URL(123)  # raised inside httpx._urls
    assert in_target(inside, "httpx")
    with pytest.raises(TimeoutError) as outside:
        raise TimeoutError("server not ready in 10 s")
    assert not in_target(outside, "httpx")
    assert not in_target(inside, "requests")
