"""Fixtures of the conformance suite and the registration of its recorder.

The library under test comes from ``hx`` (a ``Target`` proxy of ``$HARNESS_IMPORT``),
requests from ``requests_side``; no test imports either at module level, so a fork, a
version without some API, or a missing requests is an outcome, not a collection error.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from conformance.background import Background
from conformance.recording import (
    ConformanceRecorder,
    HarnessError,
    SideResult,
    claim_of,
    record_observed,
    record_requests_side,
)
from conformance.target import NotInstalled, Target, import_target
from generations import SetupFailed, adapt
from harness.environment import clear_client_variables
from server.plugin import StatsClient, serve_for_session
from server.process import ServerInfo


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--claim", action="append", dest="conformance_claims", metavar="PATTERN",
                     help="run only the claims whose id matches this glob (repeatable)")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    recorder = ConformanceRecorder(config)
    # Before the server starts or a client is built: proxies, CA bundles, netrc are not
    # what a claim is about unless it sets them itself.
    recorder.cleared_variables = clear_client_variables()
    config.pluginmanager.register(recorder, "conformance-recorder")
    recorder.reserve_junit_path()


@pytest.fixture(scope="session")
def hx() -> Target:
    """The library under test (httpx or a fork) through the adapter of its API generation."""
    return adapt(import_target())


def is_requests_failure(error: BaseException) -> bool:
    """An exception that says the requests half did not hold (not one that stops the run).

    pytest's own failures (``pytest.raises``' "DID NOT RAISE", ``pytest.fail``) derive from
    BaseException, so they are named here; pytest-timeout also fails through ``pytest.fail``,
    but its message says so, and a timeout must stop the test.
    """
    if isinstance(error, pytest.fail.Exception):
        return not str(error).startswith("Timeout (>")
    return isinstance(error, Exception)


class RequestsSide:
    """The requests half of a difference claim: ``with requests_side: ...`` records it.

    The block's failure does not stop the test (the httpx half still runs); the recorder
    fails the test afterwards if the requests half did not hold.
    """

    def __init__(self, item: pytest.Item) -> None:
        self.item = item
        self.result = SideResult()
        self._module: ModuleType | None = None

    @property
    def lib(self) -> ModuleType:
        if self._module is None:
            try:
                import requests
            except ImportError as error:
                raise NotInstalled(f"cannot import requests: {error}") from None
            self._module = requests
        return self._module

    def observe(self, value: Any) -> Any:
        self.result.observed = value
        return value

    def __enter__(self) -> RequestsSide:
        record_requests_side(self.item, self.result)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: Any) -> bool:
        if error is None:
            return False
        if not is_requests_failure(error):
            return False  # KeyboardInterrupt, pytest-timeout: let them through
        self.result.outcome = "not-installed" if isinstance(error, NotInstalled) else "broken"
        self.result.message = " ".join(f"{type(error).__name__}: {error}".split())[:400]
        return True


@pytest.fixture
def requests_side(request: pytest.FixtureRequest) -> RequestsSide:
    return RequestsSide(request.node)


@pytest.fixture
def observe(request: pytest.FixtureRequest) -> Any:
    """``observe(value)`` records what the target did (JSON-able) for conformance.json."""

    def record(value: Any) -> Any:
        record_observed(request.node, value)
        return value

    return record


@pytest.fixture
def server_stats(hx: Target, server: ServerInfo) -> StatsClient:
    """/stats of the server, reset at the start of the test, after the set-up requests of the
    session: finding how the target trusts the test CA makes a request of its own, which
    must not count as the test's (whichever test happens to be the first to need it)."""
    with contextlib.suppress(SetupFailed):  # the test meets it again: setup-failed
        hx.trusting(server)
    stats = StatsClient(server.http)
    stats.reset()
    return stats


@pytest.fixture(scope="session")
def background_server(request: pytest.FixtureRequest) -> Iterator[ServerInfo]:
    """A server of the background jobs' own: their requests, which end at any moment of the
    session, never show in the /stats a test reads from ``server``."""
    for process in serve_for_session(request.config.getoption("--server-engine"),
                                     label="background jobs' server"):
        assert process.info is not None
        yield process.info


@pytest.fixture(scope="session")
def background(request: pytest.FixtureRequest) -> Iterator[Background]:
    """Slow jobs of the selected claims, all started at the first test that needs one."""
    claims = {c for c in (claim_of(item) for item in request.session.items) if c}
    if not Background.jobs_for(claims):
        runner = Background(set(), {})
    else:
        try:
            target: Target | NotInstalled = adapt(import_target())
        except NotInstalled as error:
            target = error
        server = request.getfixturevalue("background_server")
        runner = Background(claims, {"hx": target, "server": server})
    yield runner
    runner.close()


@pytest.fixture(scope="session", autouse=True)
def _start_background_early(request: pytest.FixtureRequest) -> None:
    """Start the slow jobs with the session, not when their test is finally reached."""
    if any(claim_of(item) for item in request.session.items):
        request.getfixturevalue("background")


wire_servers_key = pytest.StashKey[list]()
SETTLE_SECONDS = 2.0  # for an HTTP/2 script to read what the client sent, after the test


def refused_http2(item: pytest.Item) -> None:
    """AssertionError when a target asked for HTTP/2 (http2=True, ALPN h2 only) spoke
    HTTP/1.1: the claim about its HTTP/2 behaviour does not hold, whatever else it saw."""
    wires = item.stash.get(wire_servers_key, [])
    for wire in wires:
        if wire.http2:
            wire.settle(SETTLE_SECONDS)
    if refused := [index for wire in wires for index in wire.not_http2]:
        # What was seen is the protocol it spoke, not what the test went on to observe.
        record_observed(item, {"spoke": "not HTTP/2", "connections": refused})
        raise AssertionError(f"the target did not speak HTTP/2 to an HTTP/2-only server "
                             f"(no HTTP/2 preface on connection {refused[0]})")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    # Checked in the call, where the outcome is recorded against the expectations (a
    # teardown failure is an error whatever was expected).
    try:
        return (yield)
    finally:
        refused_http2(item)


@pytest.fixture
def wire_server(hx: Target, server: ServerInfo,
                request: pytest.FixtureRequest) -> Iterator[Any]:
    """``wire_server(fault_name)`` starts the scripted wire server playing that fault
    (server/wire_faults.py) and returns it; every one started is stopped after the test.

    A TLS fault's server carries ``trust``: the Client arguments that make the target trust
    the wire CA, found the way ``hx.trusting`` finds them for the main server (trusting a
    CA is set-up, not the claim: no way that works is ``setup-failed``, never ``broken``).
    """
    from server.wire import WireCA, WireServer
    from server.wire_faults import FAULTS

    started: list[WireServer] = []
    request.node.stash[wire_servers_key] = started

    def start(name: str) -> WireServer:
        fault = FAULTS[name]
        h2 = fault.protocol == "HTTP/2"
        tls = h2 and not fault.clear_text
        wire = WireServer(fault.script, tls=tls, alpn=("h2",) if h2 else ("http/1.1",),
                          http2=h2)
        if tls:
            hx.trusting(server)  # finds the target's way on the main server's listener
            wire.trust = hx.trusting(WireCA())
        started.append(wire.start())
        return wire

    yield start
    for wire in started:
        wire.stop()
    failed = [error for wire in started for error in wire.errors]
    if failed and not any(wire.not_http2 for wire in started):
        # The client may well have seen what the claim expects (a closed connection) without
        # the fault having been sent: the claim was not observed.
        raise HarnessError("wire fault script failed: " + "; ".join(failed))
