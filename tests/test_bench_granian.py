"""The granian engine: starts, serves the three listeners, negotiates HTTP/2, stops clean."""

from __future__ import annotations

import asyncio
import signal

import httpx
import psutil
import pytest

from conformance.helpers import overlap_delay
from server.process import ServerProcess


@pytest.fixture(scope="module")
def granian():
    process = ServerProcess(engine="granian")
    info = process.start()
    yield process, info
    process.stop()


def test_every_listener_serves_with_the_protocols_it_offers(granian) -> None:
    _, info = granian
    assert info.engine == "granian"
    with httpx.Client(verify=info.ssl_context(), http2=True) as client:
        versions = {name: client.get(info.url(name) + "/get").http_version
                    for name in ("http", "https", "https_h1")}
    assert versions == {"http": "HTTP/1.1", "https": "HTTP/2", "https_h1": "HTTP/1.1"}


def test_one_stats_view_covers_all_listeners(granian) -> None:
    _, info = granian
    with httpx.Client(verify=info.ssl_context(), http2=True) as client:
        client.get(info.http + "/stats/reset")
        for name in ("http", "https", "https_h1"):
            client.get(info.url(name) + "/get")
        stats = client.get(info.http + "/stats").json()
    assert stats["requests"] == 3
    assert stats["http_versions"] == {"HTTP/1.1": 2, "HTTP/2": 1}


def test_http2_streams_are_capped_at_the_harness_value(granian) -> None:
    """150 concurrent requests on one HTTP/2 connection: exactly 100 in flight at once.

    Each is held long enough (measured: see overlap_delay) for the client to start them all.
    """
    _, info = granian
    delay = overlap_delay(httpx, info.http, 150, least=0.3)

    async def main() -> dict:
        # timeout above the delay: a queued stream waits two delays for its answer
        async with httpx.AsyncClient(verify=info.ssl_context(), http2=True,
                                     timeout=30) as client:
            await client.get(info.http + "/stats/reset")
            await asyncio.gather(*(client.get(f"{info.https}/delay/{delay}")
                                   for _ in range(150)))
            return (await client.get(info.http + "/stats")).json()

    stats = asyncio.run(main())
    assert stats["connections_by_protocol"] == {"HTTP/2": 1}
    assert stats["peak_streams_per_h2_connection"] == 100


def stop_with(sig: int) -> tuple[int, list[int]]:
    """Start the granian server, send it ``sig``; (exit status, PIDs of its tree)."""
    process = ServerProcess(engine="granian")
    info = process.start()
    assert process.process is not None
    # Signalled once every listener has answered: the claim is a clean stop of a serving
    # server (a SIGTERM landing while one of granian's workers still started made it abort,
    # -6: at load 5 before the first answer, and once from a fresh clone when only the
    # clear-text listener had answered).
    with httpx.Client(verify=info.ssl_context(), timeout=30) as client:
        for name in ("http", "https", "https_h1"):
            assert client.get(info.url(name) + "/get").status_code == 200
    tree = [info.pid, *(c.pid for c in psutil.Process(info.pid).children(recursive=True))]
    process.process.send_signal(sig)
    try:
        return process.process.wait(10), tree
    finally:
        process.stop()


def alive(pids: list[int]) -> list[int]:
    return [pid for pid in pids
            if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stops_on_signal_leaving_no_process_behind(sig: int) -> None:
    _, tree = stop_with(sig)  # wait(10) raises if it has not stopped within 10 s
    assert not alive(tree)


def test_stops_with_exit_status_zero() -> None:
    status, _ = stop_with(signal.SIGTERM)
    assert status == 0
