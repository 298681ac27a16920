"""Work counts per request, one benchmark entry per scenario (group "counts").

The counts come from ``bench.counts`` (a child process under callgrind, then under strace,
then one with tracemalloc for the memory figures, against this session's server); each
entry's ``extra_info["counts"]`` holds them and
``python -m reports compare`` gates on them. The entry's one timing is the count run's
seconds per request under strace: pytest-benchmark needs one, and it is not a speed figure.
"""

from __future__ import annotations

from typing import Any

import pytest

from bench.counts.runner import Counts, count, failures
from bench.counts.scenarios import BY_NAME, SCENARIOS
from bench.recording import record_durations
from harness import schema
from server.process import ServerInfo

COUNT_TESTS = "test_counts"


@pytest.fixture(scope="session")
def counted(request: pytest.FixtureRequest, server: ServerInfo,
            server_process: Any) -> dict[str, Counts]:
    """Counts for every scenario this session collected, from one run of each tool."""
    if request.config.getoption("--no-counts"):
        pytest.skip("--no-counts given")
    names = [item.callspec.params["scenario"] for item in request.session.items
             if item.originalname == COUNT_TESTS and hasattr(item, "callspec")]
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")

    def progress(line: str) -> None:
        if reporter is not None:
            reporter.write_line(line)

    tools = [t for t in request.config.getoption("--count-tools").split(",") if t]
    return count(names, {"http": server.http, "https": server.https}, server.ca,
                 quick=request.config.getoption("--quick"),
                 target_import=schema.target_import(), tools=tools, progress=progress)


# The first test's setup runs the count runs (about 1 minute quick or full, on 2 cores).
@pytest.mark.timeout(1200)
@pytest.mark.parametrize("scenario", [s.name for s in SCENARIOS])
def test_counts(benchmark: Any, counted: dict[str, Counts], scenario: str,
                engine: str) -> None:
    counts = counted[scenario]
    benchmark.group = "counts"
    wall = counts.count_run_wall_per_request
    record_durations(benchmark, [wall if wall is not None else 0.0])
    benchmark.extra_info.update({
        "scenario": "counts", "variant": scenario, "engine": engine,
        "description": BY_NAME[scenario].description,
        "timing": "seconds per request in the count run (under strace): not a speed figure",
        "counts": counts.as_dict(),
    })
    # The counted requests all succeeded (the child checks every status and body size).
    assert not failures(counts.absent), counts.absent
