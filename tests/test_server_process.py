"""Starting and stopping ``python -m server``: the JSON line, signals, no process left."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from server.process import REPO_ROOT, ServerError, ServerProcess


def _gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.05)
    return False


def test_json_line_names_three_loopback_listeners_and_a_ca() -> None:
    with ServerProcess() as info:
        urls = [info.http, info.https, info.https_h1]
        assert [u.split("://")[0] for u in urls] == ["http", "https", "https"]
        assert all(u.split("://")[1].startswith("127.0.0.1:") for u in urls)
        assert len({u.rsplit(":", 1)[1] for u in urls}) == 3  # three ephemeral ports
        assert Path(info.ca).read_text().startswith("-----BEGIN CERTIFICATE-----")
        ca_dir = Path(info.ca).parent
    assert not ca_dir.exists()  # temporary files removed at exit


def test_listeners_are_not_reachable_beyond_loopback() -> None:
    with ServerProcess() as info:
        conns = psutil.Process(info.pid).net_connections(kind="tcp")
        listening = [c.laddr for c in conns if c.status == psutil.CONN_LISTEN]
    assert len(listening) == 3
    assert {addr.ip for addr in listening} == {"127.0.0.1"}


def test_each_start_makes_a_fresh_ca() -> None:
    with ServerProcess() as first:
        ca1 = Path(first.ca).read_text()
    with ServerProcess() as second:
        ca2 = Path(second.ca).read_text()
    assert ca1 != ca2


@pytest.mark.parametrize("flags", [[], ["--exit-with-stdin"]])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_the_server_with_exit_code_0(sig: signal.Signals, flags: list[str]) -> None:
    process = subprocess.Popen([sys.executable, "-m", "server", *flags], cwd=REPO_ROOT,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL)
    try:
        assert process.stdout is not None
        line = json.loads(process.stdout.readline())
        assert line["pid"] == process.pid
        process.send_signal(sig)
        assert process.wait(timeout=10) == 0
        assert not Path(line["ca"]).exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_killed_parent_leaves_no_server_behind(tmp_path: Path) -> None:
    # The parent starts the server like the pytest plugin does, then dies without cleanup.
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent("""
        import sys, time
        from server.process import ServerProcess
        info = ServerProcess().start()
        print(info.pid, flush=True)
        time.sleep(60)
    """))
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, env=env)
    try:
        assert parent.stdout is not None
        server_pid = int(parent.stdout.readline())
        assert psutil.pid_exists(server_pid)
        parent.kill()
        parent.wait(timeout=10)
        assert _gone(server_pid), "server outlived the process that started it"
    finally:
        if parent.poll() is None:
            parent.kill()


def test_a_crashed_pytest_session_leaves_no_server_behind(tmp_path: Path) -> None:
    test_file = tmp_path / "test_crash.py"
    test_file.write_text(textwrap.dedent("""
        import os, signal
        def test_crash(server):
            print("SERVER", server.pid, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
    """))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-s", "-p", "server.plugin", str(test_file)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    pids = [int(pid) for pid in re.findall(r"SERVER (\d+)", run.stdout)]
    assert len(pids) == 1, run.stdout + run.stderr
    assert _gone(pids[0])


def test_missing_dependency_is_one_clear_line(tmp_path: Path) -> None:
    # A module named hypercorn that fails to import stands in for an uninstalled one.
    (tmp_path / "hypercorn.py").write_text("raise ImportError('no', name='hypercorn')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO_ROOT)])}
    run = subprocess.run([sys.executable, "-m", "server"], cwd=REPO_ROOT, env=env,
                         capture_output=True, text=True, timeout=30)
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr.strip().splitlines() == [
        "server: cannot start: hypercorn is not installed (pip install hypercorn)"
    ]


def test_a_server_that_never_gets_ready_is_reported_and_killed() -> None:
    process = ServerProcess(ready_timeout=0.01)
    with pytest.raises(ServerError, match=r"not ready in 0\.01 s"):
        process.start()
    assert process.process is None  # stopped, not leaked


def test_a_server_that_cannot_start_in_an_xdist_worker_is_one_line(tmp_path: Path) -> None:
    """In a worker, pytest.exit() lost the whole run to an INTERNALERROR wall (3 Dec, load
    20: every httpx2 release of a timeline skipped); now each test that needs the server
    fails with the one line, and the tests that do not need it still pass."""
    (tmp_path / "hypercorn.py").write_text("raise ImportError('no', name='hypercorn')\n")
    (tmp_path / "test_needs_server.py").write_text(
        "def test_one(server):\n    pass\n\ndef test_two(server):\n    pass\n\n"
        "def test_without_it():\n    pass\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO_ROOT)])}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "server.plugin", "-n", "2", "-q",
         "-p", "no:cacheprovider", "-c", os.devnull, "--rootdir", str(tmp_path),
         str(tmp_path / "test_needs_server.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert "INTERNALERROR" not in run.stdout + run.stderr
    assert run.returncode == 1, run.stdout[-2000:]
    assert "1 passed, 2 errors" in run.stdout
    assert "harness server: server exited with code 1" in run.stdout
