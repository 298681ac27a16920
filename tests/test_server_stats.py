"""/stats reports what actually happened on the wire."""

from __future__ import annotations

import asyncio

import httpx

from conformance.helpers import http_connections, overlap_delay
from server.plugin import StatsClient
from server.process import ServerInfo


def test_ten_requests_on_one_pooled_client_are_one_connection(
    server: ServerInfo, server_stats: StatsClient
) -> None:
    with httpx.Client(base_url=server.http) as client:
        for _ in range(10):
            client.get("/get").raise_for_status()
    stats = server_stats.get()
    assert stats["requests"] == 10
    assert stats["connections"] == 1
    assert stats["requests_per_connection"] == [10]


def test_one_off_calls_are_one_connection_each_counted_exactly(
    server: ServerInfo, server_stats: StatsClient
) -> None:
    # Fifty in a row: loopback hands a closed connection's port to the next one at once,
    # so counting by client port may come out short; the accepted sockets may not.
    for _ in range(50):
        httpx.get(server.http + "/get").raise_for_status()
    assert http_connections(server, server_stats) == 50  # first: a /stats read is a connection
    stats = server_stats.get()
    assert stats["requests"] == 50
    assert stats["connections"] <= 50  # by client port: never more, possibly fewer


def test_fifty_concurrent_http2_requests_share_one_connection(
    server: ServerInfo, server_stats: StatsClient
) -> None:
    delay = overlap_delay(httpx, server.http, 50, least=1.0)
    server_stats.reset()

    async def fan_out() -> list[httpx.Response]:
        async with httpx.AsyncClient(http2=True, verify=server.ssl_context(),
                                     timeout=30) as client:  # above the delay
            return await asyncio.gather(
                *(client.get(f"{server.https}/delay/{delay}") for _ in range(50))
            )

    responses = asyncio.run(fan_out())
    assert {r.http_version for r in responses} == {"HTTP/2"}
    stats = server_stats.get()
    assert stats["connections_by_protocol"] == {"HTTP/2": 1}
    assert stats["requests"] == 50
    # Every request is held long enough (measured) for all fifty to be in flight at once.
    assert stats["peak_streams_per_h2_connection"] == 50


def test_stats_requests_are_not_counted(server: ServerInfo, server_stats: StatsClient) -> None:
    for _ in range(3):
        server_stats.get()
    assert server_stats.get()["requests"] == 0


def test_versions_and_listeners_are_told_apart(
    server: ServerInfo, server_stats: StatsClient
) -> None:
    context = server.ssl_context()
    with httpx.Client(verify=context, http2=True) as client:
        client.get(server.https + "/get")
        client.get(server.https_h1 + "/get")
        client.get(server.http + "/get")
    stats = server_stats.get()
    assert stats["http_versions"] == {"HTTP/2": 1, "HTTP/1.1": 2}
    assert stats["connections"] == 3
    assert len(stats["connections_by_listener"]) == 3
