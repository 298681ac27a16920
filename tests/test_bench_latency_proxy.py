"""The delaying proxy: bytes intact both ways, the injected RTT within 10 %, bounded, stops.

Timings are medians of several exchanges, and each is taken against the same exchange
through the proxy's 0 ms route in the same test: what remains is the injected delay. The
10 % margin is the issue's; RTT = 40 ms keeps the VM's scheduling jitter (~1 ms) far below it.
"""

from __future__ import annotations

import base64
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from bench.floor import FloorClient, get_once
from bench.latency_proxy import Link, due_time
from bench.proxy_process import REPO_ROOT, ProxyError, ProxyProcess

RTT_MS = 40.0
RTT = RTT_MS / 1000
MARGIN = 0.10  # the accuracy the injected RTT must have
SAMPLES = 7


@pytest.fixture(scope="module")
def proxy(server) -> Iterator[ProxyProcess]:
    with ProxyProcess({"http": server.http, "https": server.https_h1},
                      [0, RTT_MS]) as running:
        yield running


def median_seconds(action: Callable[[], object], samples: int = SAMPLES) -> float:
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def injected(delayed: Callable[[], object], direct: Callable[[], object]) -> float:
    """Median time through the RTT route minus median time through the 0 ms route."""
    delayed()
    direct()  # both warmed: imports, server caches
    return median_seconds(delayed) - median_seconds(direct)


def assert_round_trips(measured: float, round_trips: int) -> None:
    expected = round_trips * RTT
    assert abs(measured - expected) <= MARGIN * expected, (
        f"{measured * 1000:.1f} ms, expected {round_trips} x {RTT_MS:g} ms "
        f"= {expected * 1000:g} ms within {MARGIN:.0%}")


# --- the delivery maths ----------------------------------------------------------------


def test_a_chunk_arrives_half_an_rtt_later() -> None:
    link = Link(rtt=0.1, handshake=False)
    assert due_time(5.0, 100, link, 0.0, 0.0, upstream=True) == (5.05, 0.0)
    assert due_time(5.0, 100, link, 0.0, 0.0, upstream=False) == (5.05, 0.0)


def test_client_data_waits_for_the_emulated_handshake() -> None:
    link = Link(rtt=0.1)
    # Sent at once after accept: leaves at opened + RTT, arrives half an RTT later.
    assert due_time(10.0, 10, link, 10.0, 0.0, upstream=True)[0] == pytest.approx(10.15)
    # Long after the handshake: no extra wait; server data never waits for it.
    assert due_time(12.0, 10, link, 10.0, 0.0, upstream=True)[0] == pytest.approx(12.05)
    assert due_time(10.0, 10, link, 10.0, 0.0, upstream=False)[0] == pytest.approx(10.05)


def test_a_bandwidth_cap_serialises_chunks_one_after_another() -> None:
    link = Link(rtt=0.0, bandwidth=1000.0, handshake=False)
    first, free = due_time(0.0, 500, link, 0.0, 0.0, upstream=False)
    second, free = due_time(0.1, 500, link, 0.0, free, upstream=False)
    assert (first, second, free) == (pytest.approx(0.5), pytest.approx(1.0), pytest.approx(1.0))


# --- bytes ------------------------------------------------------------------------------


def test_bytes_arrive_intact_both_ways(proxy, server, server_ssl_context) -> None:
    upload = os.urandom(3 * 1024 * 1024 + 17)
    for name, base in (("http", server.http), ("https", server.https_h1)):
        with httpx.Client(verify=server_ssl_context, timeout=30) as client:
            through = proxy.url(name, RTT_MS)
            echoed = client.post(through + "/anything", content=upload).json()
            assert base64.b64decode(echoed["body_base64"]) == upload
            download = "/bytes/5000001?seed=13"
            assert client.get(through + download).content == client.get(base + download).content


# --- the injected round-trip time -------------------------------------------------------


def test_a_request_on_an_open_connection_takes_one_rtt(proxy) -> None:
    with FloorClient(proxy.url("http", RTT_MS)) as delayed, \
            FloorClient(proxy.url("http", 0)) as direct:
        assert_round_trips(injected(lambda: delayed.get("/get"), lambda: direct.get("/get")), 1)


def test_a_request_on_a_new_connection_takes_two_rtts(proxy) -> None:
    """connect + request + response: the emulated TCP handshake is the extra round trip."""
    delayed, direct = proxy.url("http", RTT_MS), proxy.url("http", 0)
    assert_round_trips(injected(lambda: get_once(delayed, "/get"),
                                lambda: get_once(direct, "/get")), 2)


def test_a_tls13_handshake_takes_one_more_rtt(proxy, server_ssl_context) -> None:
    versions = set()

    def handshake(base: str) -> Callable[[], object]:
        host, port = base.split("//", 1)[1].rsplit(":", 1)

        def connect() -> None:  # TCP connect (one RTT) then the TLS 1.3 handshake (one)
            with socket.create_connection((host, int(port)), timeout=10) as raw, \
                    server_ssl_context.wrap_socket(raw, server_hostname=host) as tls:
                versions.add(tls.version())
        return connect

    measured = injected(handshake(proxy.url("https", RTT_MS)), handshake(proxy.url("https", 0)))
    assert versions == {"TLSv1.3"}
    assert_round_trips(measured, 2)


def test_a_bandwidth_cap_limits_throughput(server) -> None:
    rate, size = 2_000_000.0, 1_000_000  # bytes per second; half a second of transfer
    with ProxyProcess({"http": server.http}, [0], bandwidth=rate) as capped, \
            FloorClient(capped.url("http", 0)) as client:
        client.get("/get")
        took = median_seconds(lambda: client.get(f"/bytes/{size}"), samples=3)
    expected = size / rate
    assert expected <= took <= expected * (1 + MARGIN)


# --- bounded, and stopping --------------------------------------------------------------


def test_connections_beyond_the_limit_are_closed_at_once(server) -> None:
    with ProxyProcess({"http": server.http}, [0], max_connections=2) as limited:
        base = limited.url("http", 0)
        with FloorClient(base) as one, FloorClient(base) as two:
            assert one.get("/get")[0] == two.get("/get")[0] == 200
            host, port = base.split("//")[1].rsplit(":", 1)
            with socket.create_connection((host, int(port)), timeout=5) as third:
                try:  # closed by the proxy (a reset if our request was unread), never answered
                    third.sendall(b"GET /get HTTP/1.1\r\nHost: x\r\n\r\n")
                    assert third.recv(1024) == b""
                except ConnectionResetError:
                    pass
            assert one.get("/get")[0] == 200
    assert "refused" in limited.stderr and '"refused": 1' in limited.stderr


def test_stops_promptly_with_a_request_in_flight(server) -> None:
    running = ProxyProcess({"http": server.http}, [RTT_MS]).start()
    base, pid = running.url("http", RTT_MS), running.pid
    errors: list[BaseException] = []

    def hang() -> None:
        try:
            get_once(base, "/delay/10")
        except BaseException as error:  # the proxy closing the connection is the point
            errors.append(error)

    thread = threading.Thread(target=hang)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    assert running.stop() == 0
    assert time.monotonic() - started < 2
    thread.join(5)
    assert not thread.is_alive() and errors
    assert not os.path.exists(f"/proc/{pid}")
    host, port = base.split("//")[1].rsplit(":", 1)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((host, int(port)), timeout=2)


def test_exits_when_its_parent_goes_away(server) -> None:
    running = ProxyProcess({"http": server.http}, [0]).start()
    assert running.process is not None and running.process.stdin is not None
    running.process.stdin.close()  # what a killed parent's exit does
    assert running.process.wait(5) == 0
    running.stop()


@pytest.mark.parametrize(("upstream", "message"), [
    ("http=10.0.0.1:80", "only 127.0.0.1 is allowed"),
    ("http:80", "expected name=host:port"),
])
def test_bad_arguments_are_one_line_and_exit_2(upstream: str, message: str) -> None:
    done = subprocess.run([sys.executable, "-m", "bench.latency_proxy", "--upstream", upstream],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=30)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and message in done.stderr


def test_a_failed_start_is_one_line() -> None:
    with pytest.raises(ProxyError, match=r"only 127\.0\.0\.1"):
        ProxyProcess({"http": "http://192.0.2.1:80"}, [0]).start()
