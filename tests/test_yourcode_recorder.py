"""yourcode.recorder: every request the tested code sends, recorded without changing what the
test sees. tests/data/recorder_suite runs in a child pytest against the harness's loopback
server (and mocks): once with the recorder, once without."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from server.process import ServerProcess

pytest.importorskip("respx", reason="the recorder's tests need respx (dev group)")
pytest.importorskip("pytest_httpx", reason="the recorder's tests need pytest-httpx (dev group)")

REPO_ROOT = Path(__file__).resolve().parent.parent
SUITE = REPO_ROOT / "tests" / "data" / "recorder_suite"
NODE = "test_sends.py::"


@pytest.fixture(scope="module")
def server_url():
    with ServerProcess() as info:
        yield info.http


def run_suite(server_url: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "YC_SERVER": server_url, "PYTHONPATH": str(REPO_ROOT)}
    environment.pop("YOURCODE_RECORD", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(SUITE), *extra],
        capture_output=True, text=True, timeout=120, env=environment, cwd=tmp_path)


@pytest.fixture(scope="module")
def recorded(server_url, tmp_path_factory):
    """The suite's records: requests by (test name, order), outcomes by test name."""
    tmp = tmp_path_factory.mktemp("recorded")
    done = run_suite(server_url, tmp, "-p", "yourcode.recorder", "--yourcode-record",
                     str(tmp / "records"))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    requests, outcomes = {}, {}
    for path in (tmp / "records").glob("requests-*.jsonl"):
        for line in path.read_text().splitlines():
            entry = json.loads(line)
            requests[entry["test"].split("::")[-1], entry["order"]] = entry
    for path in (tmp / "records").glob("outcomes-*.jsonl"):
        for line in path.read_text().splitlines():
            entry = json.loads(line)
            outcomes[entry["test"].split("::")[-1]] = entry["outcome"]
    sessions = [json.loads(p.read_text()) for p in (tmp / "records").glob("session-*.json")]
    return requests, outcomes, sessions


def test_the_suite_passes_without_the_recorder_too(server_url, tmp_path):
    done = run_suite(server_url, tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]


def test_every_test_and_every_request_is_recorded(recorded):
    requests, outcomes, sessions = recorded
    assert set(outcomes.values()) == {"passed"} and len(outcomes) == 11
    assert sessions[0]["clients"] == {"httpx": "0.28.1"} and sessions[0]["problems"] == []
    tests_with_requests = {name for name, _ in requests}
    assert tests_with_requests == set(outcomes)
    assert all(entry["test"].startswith("tests/data/recorder_suite/" + NODE)
               or entry["test"].startswith(NODE) for entry in requests.values())


def test_sync_request_bytes_as_on_the_wire(recorded):
    entry = recorded[0]["test_sync_json_and_params", 1]
    assert entry["method"] == "POST" and not entry["async"]
    assert entry["target"] == "/anything/p%20q?a=1&b=x+y"
    names = [name for name, _ in entry["headers"]]
    assert names == ["Host", "Accept", "Accept-Encoding", "Connection", "User-Agent",
                     "X-One", "Content-Length", "Content-Type"]
    assert entry["body"] == '{"k":"v"}' and entry["body_length"] == 9
    assert entry["status"] == 200 and entry["exception"] is None


def test_streamed_bodies_are_recorded_and_still_sent(recorded):
    sync = recorded[0]["test_sync_streamed_body_reaches_the_server", 1]
    assert sync["streamed"] and sync["body_complete"]
    assert sync["body"] == "part-one,part-two"
    assert ["Transfer-Encoding", "chunked"] in sync["headers"]
    asynchronous = recorded[0]["test_async_streamed_body_reaches_the_server", 1]
    assert asynchronous["async"] and asynchronous["body"] == "async-one,async-two"
    mocked = recorded[0]["test_mock_transport_reads_a_stream", 1]
    assert mocked["body"] == "part-one,part-two" and mocked["status"] == 201


def test_each_redirect_hop_is_a_request_in_order(recorded):
    first = recorded[0]["test_redirect_is_two_requests", 1]
    second = recorded[0]["test_redirect_is_two_requests", 2]
    assert first["target"] == "/redirect-to?url=%2Fget%3Fafter%3D1" and first["status"] == 302
    assert second["target"] == "/get?after=1" and second["status"] == 200


def test_exceptions_are_recorded_by_class(recorded):
    refused = recorded[0]["test_connection_refused_raises", 1]
    assert refused["exception"]["type"] == "ConnectError" and refused["status"] is None
    scripted = recorded[0]["test_mock_transport_raises", 1]
    assert scripted["exception"] == {"type": "ReadTimeout", "module": "httpx",
                                     "message": "scripted"}


def test_mounted_and_mocked_transports(recorded):
    requests = recorded[0]
    assert requests["test_mounted_transport", 1]["body"] == "f=1"
    assert requests["test_respx_default_mocker", 1]["origin"] == "https://api.test"
    assert requests["test_respx_default_mocker", 1]["target"] == "/items?q=x"
    assert requests["test_respx_httpx_mocker_async", 1]["body"] == "raw"
    assert requests["test_respx_httpx_mocker_async", 1]["status"] == 204
    assert requests["test_pytest_httpx", 1]["body"] == "a=1&b=2"


def test_an_unknown_client_module_is_named_not_fatal(server_url, tmp_path):
    done = run_suite(server_url, tmp_path, "-p", "yourcode.recorder", "--yourcode-record",
                     str(tmp_path / "records"), "--yourcode-import", "httpx,no_such_client",
                     "-k", "sync_json")
    assert done.returncode == 0, done.stdout[-2000:]
    session = json.loads(next((tmp_path / "records").glob("session-*.json")).read_text())
    assert session["clients"] == {"httpx": "0.28.1"}
    assert session["problems"] == ["import no_such_client failed: "
                                   "No module named 'no_such_client'"]
