"""One run of the project's own test suite with the recorder, bounded in time.

Each run gets a fresh copy of the project's tree (what one side's tests write cannot reach
the other's) and, where the kernel allows unprivileged namespaces, a network namespace of
its own with only loopback up: a test that needs the internet fails on both sides alike,
and nothing leaves the machine.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from upgrade.environments import Environment

# pytest's exit codes: 0 all passed, 1 some failed; the rest mean the suite did not run.
RAN = (0, 1)
NOT_COPIED = (".git", ".tox", ".nox", ".venv", "venv", "node_modules", "__pycache__")
NAMESPACE = ["unshare", "--user", "--map-root-user", "--net", "--", "sh", "-c",
             'ip link set lo up || exit 97; exec "$@"', "sh"]


@dataclass
class SuiteRun:
    side: str
    records: Path
    returncode: int | None  # None: stopped by the timeout
    seconds: float
    last_line: str
    log: Path


@functools.cache
def namespace_unavailable() -> str:
    """Why the suites cannot run in a loopback-only namespace ('' when they can)."""
    if not shutil.which("unshare") or not shutil.which("ip"):
        return "unshare or ip is not installed"
    try:
        done = subprocess.run([*NAMESPACE, "true"], capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return "unshare did not answer in 20 s"
    if done.returncode != 0:
        return f"unshare failed ({(done.stderr.strip().splitlines() or ['?'])[-1][:120]})"
    return ""


def environment_for(side: Environment) -> dict[str, str]:
    """The caller's environment minus what would leak the harness into the project's run."""
    drop = ("PYTHONPATH", "VIRTUAL_ENV", "PYTEST_ADDOPTS", "PYTEST_PLUGINS")
    environment = {k: v for k, v in os.environ.items()
                   if k not in drop and not k.startswith(("YOURCODE_", "PYTEST_XDIST_"))}
    environment["PATH"] = f"{side.root / 'bin'}{os.pathsep}{environment.get('PATH', '')}"
    environment["VIRTUAL_ENV"] = str(side.root)
    return environment


def run(side_name: str, side: Environment, source: Path, out: Path, timeout: float,
        pytest_args: list[str], isolate: bool) -> SuiteRun:
    tree = out / f"{side_name}-tree"
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(source, tree, symlinks=True, ignore=shutil.ignore_patterns(*NOT_COPIED))
    records = out / f"{side_name}-records"
    log = out / f"{side_name}-pytest.txt"
    command = [str(side.python), "-m", "pytest", "-p", "yourcode.recorder",
               "--yourcode-record", str(records), "--yourcode-import",
               side.spec.import_name, "-p", "no:cacheprovider", "-q", *pytest_args]
    if isolate:
        command = [*NAMESPACE, *command]
    began = time.monotonic()
    with log.open("w", encoding="utf-8") as output:
        process = subprocess.Popen(command, cwd=tree, stdout=output, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, env=environment_for(side),
                                   start_new_session=True)
        try:
            returncode: int | None = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the suite and whatever it started
            process.wait(timeout=30)
            returncode = None
    seconds = time.monotonic() - began
    shutil.rmtree(tree, ignore_errors=True)
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    return SuiteRun(side_name, records, returncode, seconds, (lines or ["no output"])[-1][:200],
                    log)
