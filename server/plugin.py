"""pytest plugin: a session-scoped running server, its URLs, CA and a /stats helper.

Enabled for the whole repository with ``-p server.plugin`` in pyproject.toml. The server
is a separate process (``python -m server``) stopped at session end whatever happened;
if pytest itself is killed, the server sees its stdin close and exits.
"""

from __future__ import annotations

import json
import os
import ssl
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from server.process import ServerError, ServerInfo, ServerProcess


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--server-engine", default="hypercorn", choices=("hypercorn", "granian"),
                     help="ASGI server that serves the harness app (default: hypercorn)")


class StatsClient:
    """Reads and resets the server's /stats with urllib, never with a client under test."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def _get(self, path: str) -> dict[str, Any]:
        with urllib.request.urlopen(self.base_url + path, timeout=10) as response:
            return json.load(response)

    def reset(self) -> dict[str, Any]:
        return self._get("/stats/reset")

    def get(self) -> dict[str, Any]:
        return self._get("/stats")


def serve_for_session(engine: str, cpu: int | None = None,
                      label: str = "harness server") -> Iterator[ServerProcess]:
    """Start the server for a fixture, end the session with one line if it cannot start,
    and stop it whatever happens (suites with their own needs build on this)."""
    process = ServerProcess(engine=engine, cpu=cpu)
    try:
        process.start()
    except ServerError as error:
        if os.environ.get("PYTEST_XDIST_WORKER"):
            # pytest.exit() in an xdist worker ends it inside a test: the controller stops
            # with an INTERNALERROR wall and the whole run is lost. A failed fixture is one
            # line on each test that needs the server; the others still run.
            pytest.fail(f"{label}: {error}", pytrace=False)
        pytest.exit(f"{label}: {error}", returncode=3)
    try:
        yield process
    finally:
        process.stop()
        process.close_log()


@pytest.fixture(scope="session")
def server_process(request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    yield from serve_for_session(request.config.getoption("--server-engine"))


@pytest.fixture(scope="session")
def server(server_process: ServerProcess) -> ServerInfo:
    """The running server's JSON line: ``server.http``, ``.https``, ``.https_h1``, ``.ca``."""
    assert server_process.info is not None
    return server_process.info


@pytest.fixture(scope="session")
def server_ca(server: ServerInfo) -> str:
    """Path of the PEM file holding the server's throw-away CA."""
    return server.ca


@pytest.fixture(scope="session")
def server_ssl_context(server: ServerInfo) -> ssl.SSLContext:
    """An SSL context that trusts the server's CA (and nothing else)."""
    return server.ssl_context()


@pytest.fixture
def server_stats(server: ServerInfo) -> StatsClient:
    """/stats of the server, reset at the start of the test that asks for it."""
    stats = StatsClient(server.http)
    stats.reset()
    return stats
