"""The line pass on real count runs: Python lines per request repeat exactly for the async
fan-out (one AsyncClient per task), and extra work on the async path alone is seen there
and not in a sync scenario. No tracer needed (sys.settrace)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.counts.runner import Counts, count
from server.process import ServerInfo, ServerProcess

NAMES = ["pooled-http", "async-serial", "async-gathered"]
# AsyncClient.send rebuilds the request's headers three more times (httpx code: counted);
# the sync path is untouched. The same change as upgrade/altered.py's async-path.
ASYNC_PATH = """
import httpx

original_send = httpx.AsyncClient.send


async def send(self, request, **kwargs):
    for _ in range(3):
        request.headers = httpx.Headers(request.headers.multi_items())
    return await original_send(self, request, **kwargs)


httpx.AsyncClient.send = send
"""
pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def granian() -> Iterator[ServerInfo]:
    """The bench's engine: granian writes a small response in one piece. Against hypercorn
    (the tests' default server) the head and body may arrive apart, and a read loops once
    more: 2-unit regions of pooled-http gave 2,786 and 2,840 lines per request."""
    with ServerProcess(engine="granian") as info:
        yield info


def line_run(server: ServerInfo, shim: Path | None = None) -> dict[str, Counts]:
    """The line pass alone (the plain run that always comes first is 2 units each)."""
    return count(NAMES, {"http": server.http, "https": server.https}, server.ca, quick=True,
                 tools=["settrace"], units=dict.fromkeys(NAMES, 2),
                 env={"PYTHONPATH": str(shim)} if shim else None, progress=lambda _: None)


def lines(run: dict[str, Counts]) -> dict[str, float | None]:
    return {name: counts.python_lines_per_request for name, counts in run.items()}


def test_python_lines_repeat_exactly_and_see_the_async_path(
        granian: ServerInfo, tmp_path: Path) -> None:
    server = granian
    first, second = line_run(server), line_run(server)
    found = lines(first)
    assert all(value and value > 1000 for value in found.values()), first
    assert lines(second) == found  # exact, not within a tolerance
    # Ten gathered tasks, each on its own client, do what one serial request does.
    assert found["async-gathered"] == found["async-serial"]
    (tmp_path / "sitecustomize.py").write_text(ASYNC_PATH)
    altered = lines(line_run(server, tmp_path))
    for name in ("async-serial", "async-gathered"):
        assert altered[name] / found[name] - 1 > 0.02, (name, altered[name], found[name])
    assert altered["pooled-http"] == found["pooled-http"]
