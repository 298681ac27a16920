"""/stats reports what actually happened on the wire."""

from __future__ import annotations

import asyncio

import httpx

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


def test_ten_one_off_calls_are_ten_connections(
    server: ServerInfo, server_stats: StatsClient
) -> None:
    for _ in range(10):
        httpx.get(server.http + "/get").raise_for_status()
    stats = server_stats.get()
    assert stats["connections"] == 10
    assert stats["requests_per_connection"] == [1] * 10


def test_fifty_concurrent_http2_requests_share_one_connection(
    server: ServerInfo, server_stats: StatsClient
) -> None:
    async def fan_out() -> list[httpx.Response]:
        async with httpx.AsyncClient(http2=True, verify=server.ssl_context()) as client:
            return await asyncio.gather(
                *(client.get(server.https + "/delay/1") for _ in range(50))
            )

    responses = asyncio.run(fan_out())
    assert {r.http_version for r in responses} == {"HTTP/2"}
    stats = server_stats.get()
    assert stats["connections_by_protocol"] == {"HTTP/2": 1}
    assert stats["requests"] == 50
    # Every request sleeps a second on the server, so all fifty are in flight at once.
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
