"""The Client: connection pooling, closing, Limits; checked on the server's /stats."""

from __future__ import annotations

import asyncio
import time

import psutil
import pytest

from conformance.helpers import (
    http_connections,
    http_peak_in_flight,
    overlap_delay,
    run,
)


def established_to(url: str) -> int:
    """TCP connections this process holds open to the server at ``url``."""
    port = int(url.rsplit(":", 1)[1])
    return sum(1 for conn in psutil.Process().net_connections(kind="tcp")
               if conn.raddr and conn.raddr.port == port
               and conn.status == psutil.CONN_ESTABLISHED)


POOLED_ROUNDS = 20  # httpxr opened a 2nd connection in 102 of 200 rounds idle, 3 under load


@pytest.mark.claim("client.pooled-one-connection")
def test_pooled_one_connection(hx, server, server_stats, observe):
    # Several rounds, each a new Client making 5 requests one after another: a client that
    # opens a second connection only now and then is caught in a run, not in some runs.
    opened = []
    for _ in range(POOLED_ROUNDS):
        server_stats.reset()
        with hx.Client() as client:
            codes = [client.get(server.http + "/get").status_code for _ in range(5)]
        assert codes == [200] * 5
        opened.append(http_connections(server, server_stats))
    # How many rounds opened more goes in the message, not the observed value: it varies
    # from run to run (2 to 13 of 20 on httpxr), whether any round did does not.
    observe({"requests per round": 5, "rounds": len(opened),
             "a round opened more than one connection": any(n > 1 for n in opened)})
    assert set(opened) == {1}, (f"{sum(n > 1 for n in opened)} of {len(opened)} rounds "
                                f"opened more than one connection")


@pytest.mark.claim("client.top-level-new-connection-each")
def test_top_level_new_connection_each(hx, server, server_stats, observe):
    for _ in range(3):
        hx.get(server.http + "/get")
    opened = http_connections(server, server_stats)
    observe({"requests": 3, "connections": opened})
    assert opened == 3


@pytest.mark.claim("client.session-equivalent")
def test_session_equivalent(hx, requests_side, server, server_stats, observe):
    with requests_side as side:
        with side.lib.Session() as session:
            for _ in range(3):
                session.get(server.http + "/get")
        opened = http_connections(server, server_stats)
        side.observe({"connections": opened})
        assert opened == 1
    server_stats.reset()
    with hx.Client() as client:
        for _ in range(3):
            client.get(server.http + "/get")
    opened = http_connections(server, server_stats)
    observe({"connections": opened})
    assert opened == 1


@pytest.mark.claim("client.closed-refuses-to-send")
def test_closed_refuses_to_send(hx, server, server_stats, observe):
    client = hx.Client()
    client.get(server.http + "/get")
    client.close()
    before = server_stats.get()["requests"]
    with pytest.raises(RuntimeError) as error:
        client.get(server.http + "/get")
    after = server_stats.get()["requests"]
    observe({"error": f"{type(error.value).__name__}: {error.value}",
             "requests reaching the server after close": after - before})
    assert client.is_closed
    assert after == before  # /stats does not count itself


@pytest.mark.claim("client.context-manager-closes")
def test_context_manager_closes(hx, server, observe):
    with hx.Client() as client:
        client.get(server.http + "/get")
        open_inside = not client.is_closed
    observe({"open inside": open_inside, "closed after": client.is_closed})
    assert open_inside and client.is_closed
    with pytest.raises(RuntimeError):
        client.get(server.http + "/get")


@pytest.mark.claim("limits.class-defaults")
def test_limits_class_defaults(hx, observe):
    limits = hx.Limits()
    seen = {"max_keepalive_connections": limits.max_keepalive_connections,
            "max_connections": limits.max_connections,
            "keepalive_expiry": limits.keepalive_expiry}
    observe(seen)
    assert seen == {"max_keepalive_connections": 20, "max_connections": 100,
                    "keepalive_expiry": 5}


@pytest.mark.claim("limits.fields-accept-none")
def test_fields_accept_none(hx, server, observe):
    limits = hx.Limits(max_keepalive_connections=None, max_connections=None,
                       keepalive_expiry=None)
    with hx.Client(limits=limits) as client:
        r = client.get(server.http + "/get")
    observe(repr(limits))
    assert r.status_code == 200


MAX_CONNECTIONS_ROUNDS = 10
MAX_CONNECTIONS_SECONDS = 15.0  # rounds stop after this, once two have run


async def fan_out(hx, url: str, n: int, **client_kwargs) -> list[int]:
    async with hx.AsyncClient(**client_kwargs) as client:
        responses = await asyncio.gather(*(client.get(url) for _ in range(n)))
    return [r.status_code for r in responses]


@pytest.mark.claim("limits.max-connections")
@pytest.mark.timeout(90)
def test_max_connections(hx, server, server_stats, observe):
    # Several rounds: a client that overshoots the limit may do so only now and then
    # (httpxr opened a 4th connection in 9-14 rounds of 40 here, by the server's accepted
    # sockets and by its own socket table alike). Bounded in count and in time: on a
    # loaded machine the measured delay grows, and fewer rounds run.
    limits = hx.Limits(max_keepalive_connections=5, max_connections=3)
    delay = overlap_delay(hx, server.http, 8, least=0.2)
    opened: list[int] = []
    deadline = time.monotonic() + MAX_CONNECTIONS_SECONDS
    while len(opened) < MAX_CONNECTIONS_ROUNDS and (
            len(opened) < 2 or time.monotonic() < deadline):
        server_stats.reset()
        codes = run(fan_out(hx, f"{server.http}/delay/{delay}", 8, limits=limits))
        assert codes == [200] * 8
        opened.append(http_connections(server, server_stats))
    observe({"requests per round": 8, "most connections": max(opened)})
    assert max(opened) == 3
    assert min(opened) == 3  # and the pool did use all three


@pytest.mark.claim("limits.cheatsheet-limits")
def test_cheatsheet_limits(hx, server, observe):
    limits = hx.Limits(max_connections=100, max_keepalive_connections=20)
    with hx.Client(limits=limits) as client:
        r = client.get(server.http + "/get")
    observe(repr(limits))
    assert (limits.max_connections, limits.max_keepalive_connections) == (100, 20)
    assert r.status_code == 200


@pytest.mark.claim("limits.client-default-max-connections")
@pytest.mark.timeout(90)  # two rounds of a delay that grows with the machine's load
def test_client_default_max_connections(hx, server, server_stats, observe):
    # 110 requests held long enough to overlap: with at most 100 connections open at once,
    # exactly 100 are in flight and 10 wait for a second round. (Over the whole test more
    # than 100 may be opened: with 20 kept alive, a freed connection can be closed and the
    # waiting request given a new one.)
    delay = overlap_delay(hx, server.http, 110, least=1.0)
    server_stats.reset()
    start = time.monotonic()
    codes = run(fan_out(hx, f"{server.http}/delay/{delay}", 110))
    elapsed = time.monotonic() - start
    opened, peak = http_connections(server, server_stats), http_peak_in_flight(server,
                                                                               server_stats)
    observe({"requests": len(codes), "connections": opened, "server peak in flight": peak})
    assert codes == [200] * 110
    assert peak == 100, "not exactly 100 requests in flight at once"
    assert elapsed >= 2 * delay, "all 110 ran at once: no cap at 100 connections"


@pytest.mark.claim("limits.client-default-keepalive")
def test_client_default_keepalive(hx, server, server_stats, observe):
    # Counted with the OS's socket table: loopback reuses closed connections' ports at
    # once, so the server cannot tell a new connection from a closed one on the same port.
    already_open = established_to(server.http)  # e.g. left by an earlier test's client

    delay = overlap_delay(hx, server.http, 30, least=0.3)
    server_stats.reset()

    async def round_of_30() -> tuple[int, int]:
        async with hx.AsyncClient() as client:
            url = f"{server.http}/delay/{delay}"
            await asyncio.gather(*(client.get(url) for _ in range(30)))
            peak = http_connections(server, server_stats)
            return peak, established_to(server.http) - already_open

    opened, kept = run(round_of_30())
    observe({"connections for 30 concurrent requests": opened, "kept open afterwards": kept})
    assert opened == 30
    assert kept == 20


@pytest.mark.claim("limits.keepalive-expiry")
def test_keepalive_expiry(hx, server, server_stats, observe):
    seen = {}
    for expiry in (0.2, 5.0):
        server_stats.reset()
        with hx.Client(limits=hx.Limits(keepalive_expiry=expiry)) as client:
            client.get(server.http + "/get")
            time.sleep(0.6)
            client.get(server.http + "/get")
        seen[str(expiry)] = http_connections(server, server_stats)
    observe({"connections for two requests 0.6 s apart, by keepalive_expiry": seen})
    assert seen == {"0.2": 2, "5.0": 1}
