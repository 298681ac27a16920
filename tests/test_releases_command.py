"""The releases and bisect commands on bad input: one line naming the problem, exit 2, and
no result written. The listing case reads the package index (PyPI, or what
$UV_INDEX_URL names); the measured runs are in tests/test_releases_series.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def run(tmp_path: Path, module: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "HARNESS_RESULTS": str(tmp_path / "results"),
                   "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", module, *arguments], cwd=REPO,
                          env=environment, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("module", "arguments", "message"), [
    ("releases.bisect", ["httpx==0.28.1", "httpx2==2.0.0"],
     "FROM and TO must be releases of one package (httpx, httpx2)"),
    ("releases.bisect", ["httpx>=0.23", "httpx==0.28.1"],
     "'httpx>=0.23': name one release (NAME==VERSION)"),
    ("releases.bisect", ["httpx==0.28.1", "httpx==0.27.2"],
     "FROM 0.28.1 is not older than TO 0.27.2"),
    ("releases.bisect", ["httpx==0.27.2", "httpx==0.28.1", "--count-scenario", "nope"],
     "no count scenario 'nope'"),
    ("releases", ["httpx", "--find-links", "/nonexistent/series"],
     "/nonexistent/series: no such directory (--find-links)"),
    ("releases", ["httpx", "not-a-version"], "'not-a-version' is not a version"),
    ("releases", ["httpx", "--jobs", "0"], "--jobs must be at least 1"),
    ("releases", [], "the following arguments are required: PACKAGE"),
])
def test_bad_input_is_one_line_and_exit_2(module: str, arguments: list[str], message: str,
                                          tmp_path: Path) -> None:
    done = run(tmp_path, module, *arguments)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr.strip().splitlines()[-1], done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "results").exists()


def test_a_release_the_index_does_not_have_is_named(tmp_path: Path) -> None:
    done = run(tmp_path, "releases", "httpx", "0.28.1", "0.99.99")
    assert done.returncode == 2, done.stdout + done.stderr
    line = done.stderr.strip().splitlines()[-1]
    if "could not read" in line:
        pytest.skip(f"the package index cannot be reached: {line}")
    assert "httpx==0.99.99: no such release in" in line
    assert not (tmp_path / "results").exists()
