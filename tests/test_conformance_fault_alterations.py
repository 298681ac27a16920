"""Proof that the fault and reason-phrase claims can fail: run them on altered httpx.

Same method as test_conformance_alterations.py (a wrapper module named by HARNESS_IMPORT
alters the installed httpx), restricted to the claims of conformance/test_faults.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.expectations import load_expectations

REPO = Path(__file__).resolve().parent.parent
TARGET = "httpx-0.28.1"
CLAIMS = ["faults.*", "responses.reason-phrase*"]

WRAPPER = '''
"""httpx with deliberate alterations (see tests/test_conformance_fault_alterations.py)."""
import os
import sys

import httpx
from httpx._transports import default

ALTERATIONS = set(filter(None, os.environ.get("ALTERATIONS", "").split(",")))

if "reason-phrase-from-code" in ALTERATIONS:  # as if the status line's phrase were ignored
    httpx.Response.reason_phrase = property(
        lambda self: httpx.codes.get_reason_phrase(self.status_code))

if "remote-protocol-error-unmapped" in ALTERATIONS:  # falls back to plain ProtocolError
    original_load = default._load_httpcore_exceptions

    def load():
        import httpcore

        mapping = original_load()
        del mapping[httpcore.RemoteProtocolError]
        return mapping

    default._load_httpcore_exceptions = load

sys.modules[__name__] = httpx
'''

# alteration -> (claims that must break, known-broken claims that must start to hold)
ALTERATIONS = {
    "reason-phrase-from-code": (
        {"responses.reason-phrase-empty", "responses.reason-phrase-missing"}, set()),
    "remote-protocol-error-unmapped": (
        {"faults.malformed-status-line.http1", "faults.duplicated-status-line",
         "faults.oversized-status-line", "faults.malformed-header.http1",
         "faults.oversized-header.http1",
         "faults.chunked-broken", "faults.chunked-truncated",
         "faults.content-length-longer-than-body.http1", "faults.close-mid-body.http1",
         "faults.close-mid-body.http2", "faults.h2-rst-stream"},
        set()),
}


def installed_httpx() -> str | None:
    from importlib import metadata

    try:
        return metadata.version("httpx")
    except metadata.PackageNotFoundError:
        return None


pytestmark = pytest.mark.skipif(installed_httpx() != "0.28.1",
                                reason="alterations are compared with httpx 0.28.1's outcomes")


def run_faults(tmp: Path, name: str, alterations: list[str]) -> tuple[int, dict[str, str]]:
    results = tmp / name
    env = {**os.environ, "HARNESS_RESULTS": str(results), "HARNESS_IMPORT": "httpx_altered",
           "HARNESS_TARGET": TARGET, "HARNESS_RUN": name, "ALTERATIONS": ",".join(alterations),
           "PYTHONPATH": os.pathsep.join([str(tmp), str(REPO)])}
    selection = [arg for claim in CLAIMS for arg in ("--claim", claim)]
    done = subprocess.run([sys.executable, "-m", "pytest", "conformance/test_faults.py", "-q",
                           "-p", "no:cacheprovider", *selection], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=150)
    found = list(results.glob("*/*/conformance.json"))
    assert len(found) == 1, f"{name}: no conformance.json\n{done.stdout[-3000:]}{done.stderr}"
    document = json.loads(found[0].read_text())
    return done.returncode, {c["id"]: c["outcome"] for c in document["claims"]}


@pytest.fixture(scope="module")
def wrapper_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("altered")
    (directory / "httpx_altered.py").write_text(WRAPPER)
    return directory


@pytest.mark.timeout(200)
def test_unaltered_run_matches_the_expectations(wrapper_dir: Path) -> None:
    code, got = run_faults(wrapper_dir, "none", [])
    known = {cid for cid, e in load_expectations(TARGET).items() if e.outcome == "broken"}
    assert code == 0
    assert {cid for cid, outcome in got.items() if outcome != "holds"} == known & set(got)


@pytest.mark.timeout(200)
@pytest.mark.parametrize("alteration", sorted(ALTERATIONS))
def test_each_alteration_changes_exactly_its_claims(wrapper_dir: Path, alteration: str) -> None:
    must_break, must_hold = ALTERATIONS[alteration]
    known = {cid for cid, e in load_expectations(TARGET).items() if e.outcome == "broken"}
    code, got = run_faults(wrapper_dir, alteration, [alteration])
    broken = {cid for cid, outcome in got.items() if outcome != "holds"}
    assert code != 0, "unexpected outcomes must fail the session"
    assert broken - known == must_break
    assert (known & set(got)) - broken == must_hold


FAILING_SCRIPT = '''
"""A pytest plugin: the close-mid-body fault's script raises after reading the first
request."""
import dataclasses

from server import wire_faults


def fails(conn):
    if conn.index > 0:
        return wire_faults.serve_ok(conn)  # the retry is answered, as by the real script
    conn.read_request()
    raise RuntimeError("the fault script's own bug")


def pytest_configure(config):
    fault = wire_faults.FAULTS["close-mid-body"]
    wire_faults.FAULTS["close-mid-body"] = dataclasses.replace(fault, script=fails)
'''


@pytest.mark.timeout(100)
def test_a_fault_script_that_fails_is_a_harness_error(tmp_path: Path) -> None:
    """The client sees the connection close, which is what the claim expects: without the
    script's error read, the claim held though the fault was never sent."""
    (tmp_path / "failing_fault.py").write_text(FAILING_SCRIPT)
    env = {**os.environ, "HARNESS_RESULTS": str(tmp_path / "results"), "HARNESS_TARGET": TARGET,
           "HARNESS_RUN": "failing", "HARNESS_IMPORT": "httpx",
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)])}
    done = subprocess.run([sys.executable, "-m", "pytest", "conformance/test_faults.py", "-q",
                           "-p", "no:cacheprovider", "-p", "failing_fault", "--claim",
                           "faults.close-mid-body.http1"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=90)
    (found,) = (tmp_path / "results").glob("*/*/conformance.json")
    (claim,) = json.loads(found.read_text())["claims"]
    assert claim["outcome"] == "harness-error", done.stdout[-2000:]
    assert "the fault script's own bug" in claim["message"]
    assert done.returncode != 0
