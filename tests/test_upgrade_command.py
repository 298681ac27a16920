"""``python -m upgrade`` as a user runs it: real environments, suites, server and counts.

The answers are known: a side against itself must pass (exit 0), a side against the same
release with keep-alive turned off (upgrade/altered.py) must fail (exit 1) naming the
claim and the count that moved, and what cannot be judged exits 2 with one line. The
end-to-end runs are narrowed to a few claims and one count scenario (the command's own
--claim and --count-scenario) to stay near a minute each; docs/upgrade.md has the full
runs. They need the package index (or uv's cache), valgrind and strace.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reports_helpers import paragraphs
from upgrade.altered import build

REPO = Path(__file__).resolve().parent.parent
NARROW = ["--claim", "client.pooled-one-connection", "--claim",
          "limits.client-default-keepalive", "--claim", "redirects.not-followed-by-default",
          "--count-scenario", "pooled-http", "--no-timings"]


def upgrade(tmp_path: Path, *arguments: str, path: str | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "HARNESS_RESULTS": str(tmp_path / "results"),
                   "HARNESS_UPGRADE_ENVS": str(REPO / ".tox" / "upgrade-test-sides"),
                   "PYTHONPATH": str(REPO)}
    environment.pop("HARNESS_RUN", None)
    if path is not None:
        environment["PATH"] = path
    return subprocess.run([sys.executable, "-m", "upgrade", *arguments], cwd=REPO,
                          env=environment, capture_output=True, text=True, timeout=timeout)


def verdict_file(tmp_path: Path) -> dict[str, object]:
    [found] = (tmp_path / "results").glob("*/upgrade/verdict.json")
    return json.loads(found.read_text())


def without(tool: str, tmp_path: Path) -> str:
    """A PATH with every command of the current one except ``tool``."""
    hidden = tmp_path / "bin"
    hidden.mkdir()
    for directory in os.environ["PATH"].split(os.pathsep):
        for entry in Path(directory).glob("*") if Path(directory).is_dir() else []:
            link = hidden / entry.name
            if entry.name != tool and not link.exists():
                link.symlink_to(entry)
    return str(hidden)


@pytest.mark.parametrize("tool", ["valgrind", "strace"])
def test_without_a_count_tool_it_cannot_judge(tool: str, tmp_path: Path) -> None:
    done = upgrade(tmp_path, "httpx==0.28.1", "httpx==0.29.0", path=without(tool, tmp_path))
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1
    assert f"{tool} not found" in done.stderr and "could not judge" in done.stderr
    assert not (tmp_path / "results").exists()  # nothing half-written


@pytest.mark.parametrize(("arguments", "message"), [
    (["httpx===", "httpx==0.29.0"], "'httpx===' is not a pip requirement"),
    (["httpx==0.28.1", "httpx==0.29.0", "--count-scenario", "nope"],
     "no count scenario 'nope'"),
    (["httpx==0.28.1"], "the following arguments are required: TO"),
])
def test_bad_arguments_are_one_line_and_exit_2(arguments: list[str], message: str,
                                                tmp_path: Path) -> None:
    done = upgrade(tmp_path, *arguments)
    assert done.returncode == 2
    assert message in done.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "results").exists()


def test_a_version_that_does_not_exist_cannot_be_judged(tmp_path: Path) -> None:
    done = upgrade(tmp_path, "httpx==0.28.1", "httpx==0.99.99", *NARROW)
    assert done.returncode == 2, done.stdout[-2000:]
    last = paragraphs(done.stdout)[-1][0]  # the headline (wrapped), then the verdict's path
    assert "could not judge: could not resolve httpx==0.99.99" in last, last
    assert verdict_file(tmp_path)["exit_code"] == 2


needs_tools = pytest.mark.skipif(not (shutil.which("valgrind") and shutil.which("strace")),
                                 reason="the counts need valgrind and strace")


@needs_tools
@pytest.mark.timeout(900)
def test_the_same_release_on_both_sides_passes(tmp_path: Path) -> None:
    done = upgrade(tmp_path, "httpx==0.28.1", "httpx==0.28.1", *NARROW)
    assert done.returncode == 0, done.stdout[-3000:]
    verdict = verdict_file(tmp_path)
    assert verdict["packages"] == []
    assert not [f for f in verdict["findings"] if f["kind"] in ("breaking", "regression")]


@needs_tools
@pytest.mark.timeout(900)
def test_keep_alive_turned_off_is_named(tmp_path: Path) -> None:
    altered = build("0.28.1", "no-keepalive", tmp_path / "wheels")
    done = upgrade(tmp_path, "httpx==0.28.1", str(altered), *NARROW)
    assert done.returncode == 1, done.stdout[-3000:]
    verdict = verdict_file(tmp_path)
    named = {f["item"] for f in verdict["findings"] if f["kind"] in ("breaking", "regression")}
    assert "limits.client-default-keepalive" in named
    assert "api: Client(limits)" in named  # the signature's default, read in its environment
    assert any(item.startswith("pooled-http") and "connections" in item for item in named), named
    # The redirect claims did not change: the verdict names what changed, nothing else.
    assert not any(item.startswith("redirects.") for item in named)
    assert [p["name"] for p in verdict["packages"]] == ["httpx"]
