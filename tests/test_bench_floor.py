"""The raw-socket floor client, against the real server (hypercorn, from server.plugin)."""

from __future__ import annotations

import asyncio

import pytest

from bench.floor import FloorClient, FloorError, get_once, get_once_async


def test_floor_reads_exact_bodies_on_one_kept_alive_connection(server, server_stats) -> None:
    with FloorClient(server.http) as client:
        first = client.get("/bytes/1000?seed=1")
        second = client.get("/bytes/70000?seed=2")
    assert first[0] == second[0] == 200
    assert (len(first[1]), len(second[1])) == (1000, 70000)
    assert server_stats.get()["connections"] == 1


def test_floor_speaks_tls_with_the_given_context(server, server_ssl_context, server_stats):
    with FloorClient(server.https_h1, server_ssl_context) as client:
        status, body = client.get("/get")
    assert status == 200 and b'"method":"GET"' in body
    assert server_stats.get()["http_versions"] == {"HTTP/1.1": 1}


def test_one_off_floor_opens_a_connection_per_call(server, server_stats) -> None:
    assert [get_once(server.http, "/get") for _ in range(3)] == [200, 200, 200]
    assert server_stats.get()["connections"] == 3


def test_async_floor_runs_concurrently(server, server_stats) -> None:
    async def main() -> list[int]:
        return await asyncio.gather(*(get_once_async(server.http, "/delay/0.2")
                                      for _ in range(5)))

    assert asyncio.run(main()) == [200] * 5
    assert server_stats.get()["peak_in_flight"] == 5


def test_floor_refuses_a_body_without_content_length(server) -> None:
    with FloorClient(server.http) as client, pytest.raises(FloorError, match="Content-Length"):
        client.get("/stream-bytes/10")
