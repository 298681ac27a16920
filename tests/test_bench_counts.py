"""The count gate on pairs whose answer is known: A/A runs compare clean, shims are caught.

Every run is the real thing: ``pytest bench/test_counts.py`` in a subprocess (its own
granian server, callgrind and strace runs of the counted child), writing a real bench.json;
``python -m reports compare`` judges the pairs. A shim is a ``sitecustomize.py`` put first
on PYTHONPATH, so the counted child (which inherits the environment) imports it at start-up
and patches httpx there: the harness has no hook for it. One small scenario (pooled
``Client.get`` on http, 200 counted requests) keeps the whole module near two minutes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reports_helpers import REPO, run_main

SCENARIO = "pooled-http"
NODE = f"bench/test_counts.py::test_counts[{SCENARIO}]"
REPETITIONS = 5
# A loop of this many Python iterations per request costs about 1 % of a pooled request's
# ~1.5 M instructions (measured: 1.0-1.1 % on CPython 3.11); the test checks the size too.
SPIN = 90
SHIMS = {
    # About 1 % more instructions per request: CPU work in Client.send.
    "instructions": f"""
def send(self, *args, **kwargs):
    for _ in range({SPIN}):
        pass
    return original_send(self, *args, **kwargs)
httpx.Client.send = send
""",
    # One extra system call per request (getppid is never cached by libc).
    "syscall": """
def send(self, *args, **kwargs):
    os.getppid()
    return original_send(self, *args, **kwargs)
httpx.Client.send = send
""",
    # Keep-alive off: every request opens its own connection.
    "no-keepalive": """
def init(self, *args, **kwargs):
    kwargs["limits"] = httpx.Limits(max_keepalive_connections=0)
    original_init(self, *args, **kwargs)
httpx.Client.__init__ = init
""",
}
needs_tools = pytest.mark.skipif(
    not (shutil.which("valgrind") and shutil.which("strace")),
    reason="valgrind and strace are needed (Debian: apt-get install valgrind strace; "
           ".ci/run installs them)")
pytestmark = [needs_tools, pytest.mark.timeout(600)]


def count_run(directory: Path, shim: str | None = None,
              tools: str = "callgrind,strace,settrace") -> Path:
    """One real count run of the scenario; the path of the bench.json it wrote."""
    directory.mkdir(parents=True)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if shim is not None:
        (directory / "sitecustomize.py").write_text(
            "import os\nimport httpx\noriginal_send = httpx.Client.send\n"
            f"original_init = httpx.Client.__init__\n{SHIMS[shim]}")
        env["PYTHONPATH"] = str(directory)
    output = directory / "bench.json"
    env["HARNESS_RESULTS"] = str(directory / "results")  # nothing lands in results/
    done = subprocess.run(
        [sys.executable, "-m", "pytest", NODE, "--quick", "--count-tools", tools,
         "--benchmark-json", str(output), "-q", "-p", "no:cacheprovider"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=500, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    return output


def counts_of(path: Path) -> dict:
    (entry,) = json.loads(path.read_text())["benchmarks"]
    return entry["extra_info"]["counts"]


@pytest.fixture(scope="module")
def baselines(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("counts")
    return count_run(root / "a1"), count_run(root / "a2")


def test_a_count_run_repeats_within_a_tenth_of_a_percent(baselines: tuple[Path, Path]) -> None:
    first, second = (counts_of(path) for path in baselines)
    assert first["absent"] == {} and second["absent"] == {}
    assert first["instructions_per_request"] > 100_000  # a real request was counted
    change = second["instructions_per_request"] / first["instructions_per_request"] - 1
    assert abs(change) < 0.001, f"{change:+.4%}"
    assert first["connections_per_request"] == second["connections_per_request"] == 0
    # /stats byte counts: the same request and response every time, so exactly equal.
    for key in ("bytes_sent_per_request", "bytes_received_per_request"):
        assert first[key] == second[key] > 50


def test_two_baseline_runs_compare_clean(baselines: tuple[Path, Path]) -> None:
    result = run_main("compare", *baselines)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "counts: 0 regression" in result.stdout


def test_one_percent_more_instructions_is_flagged_every_time(
        baselines: tuple[Path, Path], tmp_path: Path) -> None:
    base = counts_of(baselines[0])["instructions_per_request"]
    for repetition in range(REPETITIONS):
        shimmed = count_run(tmp_path / f"b{repetition}", "instructions")
        change = counts_of(shimmed)["instructions_per_request"] / base - 1
        assert 0.006 < change < 0.02, f"the shim added {change:+.3%}, not about 1 %"
        result = run_main("compare", baselines[0], shimmed)
        assert result.returncode == 1, result.stdout
        assert "instructions/request" in result.stdout
        assert "counts: 1 regression" in result.stdout  # that one, and nothing else


def test_one_extra_system_call_per_request_is_flagged(
        baselines: tuple[Path, Path], tmp_path: Path) -> None:
    shimmed = count_run(tmp_path / "syscall", "syscall")
    added = counts_of(shimmed)["syscalls_by_kind"].get("getppid", 0)
    assert added == pytest.approx(1.0, abs=0.01)
    result = run_main("compare", baselines[0], shimmed)
    assert result.returncode == 1, result.stdout
    assert "syscalls/request getppid" in result.stdout  # the kind's own row, +1
    assert "counts: 1 regression" in result.stdout


def test_disabled_keep_alive_is_flagged_on_connections(
        baselines: tuple[Path, Path], tmp_path: Path) -> None:
    shimmed = count_run(tmp_path / "no-keepalive", "no-keepalive")
    assert counts_of(shimmed)["connections_per_request"] == pytest.approx(1.0)
    result = run_main("compare", baselines[0], shimmed)
    assert result.returncode == 1, result.stdout
    assert "connections/request" in result.stdout


def test_a_benchmark_deleted_from_the_candidate_fails_by_name(
        baselines: tuple[Path, Path], tmp_path: Path) -> None:
    document = json.loads(baselines[1].read_text())
    document["benchmarks"] = []
    candidate = tmp_path / "bench.json"
    candidate.write_text(json.dumps(document))
    result = run_main("compare", baselines[0], candidate)
    assert result.returncode == 1, result.stdout
    assert NODE.split("::")[1] in result.stdout and "missing" in result.stdout
    assert "coverage: 1 missing" in result.stdout
