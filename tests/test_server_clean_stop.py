"""Clean stops: a stop ends the server within 2 s whatever is in flight, and nothing
(process, key, directory, log) outlives it, whichever process is killed."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from server.process import REPO_ROOT, ServerInfo, ServerProcess

STOP_LIMIT = 2.0


def _private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point TMPDIR (ours and the server's) at an empty directory we can inspect."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr("tempfile.tempdir", str(scratch))
    return scratch


def _abandoned_tls_request(info: ServerInfo, path: str) -> socket.socket:
    """A TLS request whose client then goes silent without close_notify: the case that
    kept hypercorn's transport open for its 30 s TLS shutdown timeout."""
    context = ssl.create_default_context(cafile=info.ca)
    context.set_alpn_protocols(["http/1.1"])
    host, port = info.https_h1.split("://")[1].split(":")
    raw = socket.create_connection((host, int(port)), timeout=5)
    tls = context.wrap_socket(raw, server_hostname=host)
    tls.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    return tls


def _in_flight(url: str, verify: object, http2: bool, errors: list[str]) -> None:
    import httpx

    try:
        with httpx.Client(verify=verify, http2=http2, timeout=30) as client:  # type: ignore[arg-type]
            client.get(url)
    except httpx.HTTPError as error:
        errors.append(type(error).__name__)


def test_stop_ends_the_server_within_two_seconds_with_requests_in_flight() -> None:
    process = ServerProcess()
    info = process.start()
    errors: list[str] = []
    clients = [
        threading.Thread(target=_in_flight, args=(info.http + "/hang", True, False, errors)),
        threading.Thread(target=_in_flight,
                         args=(info.https + "/delay/30", info.ssl_context(), True, errors)),
        threading.Thread(target=_in_flight,
                         args=(info.https_h1 + "/drip?duration=30&numbytes=30",
                               info.ssl_context(), False, errors)),
    ]
    for client in clients:
        client.start()
    abandoned = _abandoned_tls_request(info, "/delay/30")
    time.sleep(1.0)  # every request reaches its handler
    try:
        pid = info.pid
        process.stop()
        assert process.stop_seconds is not None
        assert process.stop_seconds < STOP_LIMIT, f"stop took {process.stop_seconds:.2f} s"
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"
    finally:
        abandoned.close()
        process.close_log()
        for client in clients:
            client.join(timeout=35)
    assert all(not client.is_alive() for client in clients)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_no_file_outlives_the_server(sig: signal.Signals, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    scratch = _private_tmp(tmp_path, monkeypatch)
    process = ServerProcess()
    info = process.start()
    ca = Path(info.ca)
    assert ca.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert list(scratch.iterdir()) == []  # keys are in memory, the log has no name
    os.kill(info.pid, sig)
    process.stop()
    process.close_log()
    assert not ca.exists()
    assert list(scratch.iterdir()) == []


def test_timeout_claims_leave_no_directory_and_no_process(tmp_path: Path) -> None:
    """The conformance timeout claims leave requests in flight at session end."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch), "PYTHONPATH": str(REPO_ROOT),
           "HARNESS_RESULTS": str(tmp_path / "results")}
    session = psutil.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "conformance/test_timeouts.py"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    servers: set[int] = set()
    deadline = time.monotonic() + 120
    while session.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(psutil.NoSuchProcess):
            servers.update(child.pid for child in session.children(recursive=True))
        time.sleep(0.2)
    if session.poll() is None:
        session.kill()
    output = session.communicate()[0].decode(errors="replace")
    assert session.returncode == 0, output[-2000:]
    assert servers, "the session started no server"
    lingering = [pid for pid in servers
                 if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]
    assert lingering == []
    assert list(scratch.iterdir()) == []
