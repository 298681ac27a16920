"""Fixtures and hooks for the benchmark suite: options, the server, pinning, bench.json.

The server runs in its own process (``server.process.ServerProcess``), pinned to the last
core while this process is pinned to the first, when there are at least two. Client-bound
scenarios need a server far cheaper than the client, so the engine defaults to granian
(``--bench-engine hypercorn`` to compare); every result records the engine that served it.
"""

from __future__ import annotations

import gc
import importlib
import os
import ssl
import subprocess
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

from bench.budget import Budget, budget
from bench.counts.runner import CALLGRIND_CHILDREN, split
from bench.counts.scenarios import SCENARIOS
from bench.measure import SERVER_BOUND_UTILISATION
from bench.pinning import cores
from bench.server_cpu import server_cpu_clock
from bench.summary import format_headlines
from harness import schema
from harness.environment import clear_client_variables
from server.plugin import StatsClient, serve_for_session
from server.process import ServerInfo, ServerProcess

HEADLINES = pytest.StashKey[list]()
DESELECTED = pytest.StashKey[int]()
CLEARED = pytest.StashKey[list]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("httpx-harness benchmarks")
    group.addoption("--quick", action="store_true", default=False,
                    help="fewer rounds, smaller N and bodies: the CI mode (< 2 minutes)")
    group.addoption("--bench-engine", default="granian", choices=("granian", "hypercorn"),
                    help="ASGI server for the benchmarks (default: granian, which leaves "
                         "the client the bottleneck)")
    group.addoption("--no-counts", action="store_true", default=False,
                    help="skip the work counts (callgrind, strace, memory and line runs, "
                         "test_counts.py)")
    group.addoption("--count-tools", default="callgrind,strace,tracemalloc,settrace",
                    help="comma-separated tools for the work counts (default: all four)")


def pytest_deselected(items: list[pytest.Item]) -> None:
    if items:
        config = items[0].config
        config.stash[DESELECTED] = config.stash.get(DESELECTED, 0) + len(items)


def pytest_configure(config: pytest.Config) -> None:
    config.stash[HEADLINES] = []
    config.stash[CLEARED] = clear_client_variables()  # see harness.environment
    cores()  # remembered before this process pins itself to one of them


def pytest_benchmark_update_machine_info(config: pytest.Config,
                                         machine_info: dict[str, Any]) -> None:
    client_core, server_core = cores()
    machine_info["harness"] = {
        **schema.environment(),
        "engine": config.getoption("--bench-engine"),
        "harness_version": harness_version(),
        "engine_version": schema.package_version(config.getoption("--bench-engine")),
        "client_variables_cleared": config.stash.get(CLEARED, []),
        "quick": config.getoption("--quick"),
        # Some benchmarks left out (-k, a node id): not a baseline for `reports compare`.
        "partial": config.stash.get(DESELECTED, 0) > 0 or any(
            "::" in arg or not arg.rstrip("/").endswith("bench") for arg in config.args),
        "client_core": client_core,
        "server_core": server_core,
        "gc": {"enabled": gc.isenabled(), "thresholds": list(gc.get_threshold()),
               "policy": "collected before every batch (sliced rounds: once a round), "
                         "survivors frozen, enabled while timing"},
        # Which scenarios share a callgrind child, in order: a scenario's instruction
        # count includes what those before it left behind (compare warns if it differs).
        "count_children": [" ".join(group) for group in split(
            SCENARIOS, config.getoption("--quick"), CALLGRIND_CHILDREN)],
        "server_bound_threshold": SERVER_BOUND_UTILISATION,
    }


def harness_version() -> str:
    """pyproject's version and, in a git checkout, the commit: compare warns when they differ."""
    text = (schema.REPO_ROOT / "pyproject.toml").read_text()
    version = next((line.split("=", 1)[1].strip().strip('"') for line in text.splitlines()
                    if line.startswith("version")), "?")
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=schema.REPO_ROOT,
                                capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return version
    return f"{version}+{commit.stdout.strip()}" if commit.returncode == 0 else version


@pytest.fixture(scope="session")
def plan(request: pytest.FixtureRequest) -> Budget:
    return budget(request.config.getoption("--quick"))


@pytest.fixture(scope="session")
def engine(request: pytest.FixtureRequest) -> str:
    return request.config.getoption("--bench-engine")


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> Iterator[None]:
    """Point pytest-benchmark's JSON at a new results file unless --benchmark-json was given.

    Runs before pytest-benchmark writes (its own hook wraps sessionfinish too, inside this
    one), and only when there is something to write: an interrupted or collect-only session
    leaves no empty bench.json behind.
    """
    bench = getattr(session.config, "_benchmarksession", None)
    if bench is not None and not bench.disabled and bench.json is None and bench.benchmarks:
        bench.json = schema.new_result_path("bench")
    yield


@pytest.fixture(scope="session")
def server_process(engine: str) -> Iterator[ServerProcess]:
    """The benchmark server (overrides server.plugin's): pinned, and granian by default."""
    client_core, server_core = cores()
    if client_core is not None:
        os.sched_setaffinity(0, {client_core})
    yield from serve_for_session(engine, server_core, f"benchmark server ({engine})")


@pytest.fixture(scope="session")
def server_cpu(server_process: ServerProcess) -> Callable[[], float]:
    """The server tree's CPU seconds so far, read around every batch (bench.server_cpu)."""
    assert server_process.process is not None
    return server_cpu_clock(server_process.process.pid, server_process.cpu_seconds)


@pytest.fixture(scope="session")
def stats(server: ServerInfo) -> StatsClient:
    """The server's /stats (one app instance serves every listener, so one view of all)."""
    return StatsClient(server.http)


@pytest.fixture(scope="session")
def target() -> ModuleType:
    """The client library under test: httpx, or the fork $HARNESS_IMPORT names."""
    name = schema.target_import()
    try:
        return importlib.import_module(name)
    except ImportError as error:
        pytest.skip(f"target {name!r} cannot be imported: {error}")


@pytest.fixture(scope="session")
def requests_module() -> ModuleType:
    return pytest.importorskip("requests", reason="requests is the baseline; not installed")


@pytest.fixture(scope="session")
def shared_context(server: ServerInfo) -> ssl.SSLContext:
    """One client SSL context, built once, trusting only the server's CA."""
    return server.ssl_context()


@pytest.fixture
def headlines(request: pytest.FixtureRequest) -> list:
    """Append (test id, headline dict, extra_info) to show in the end-of-run table."""
    return request.config.stash[HEADLINES]


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    rows = config.stash.get(HEADLINES, [])
    if rows:
        terminalreporter.write_sep("=", "headline ratios (median [IQR] of per-round ratios)")
        terminalreporter.write_line(format_headlines(rows))
        path = getattr(getattr(config, "_benchmarksession", None), "json", None)
        if path:
            terminalreporter.write_line(f"bench.json: {path}")
