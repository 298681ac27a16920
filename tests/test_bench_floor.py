"""The raw-socket floor client, against the real server (hypercorn, from server.plugin)."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from bench.floor import FloorClient, FloorError, get_once, get_once_async
from conformance.helpers import http_connections, http_peak_in_flight, overlap_delay


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
    assert http_connections(server, server_stats) == 3


def test_async_floor_runs_concurrently(server, server_stats) -> None:
    delay = overlap_delay(httpx, server.http, 5, least=0.2)
    server_stats.reset()

    async def main() -> list[int]:
        return await asyncio.gather(*(get_once_async(server.http, f"/delay/{delay}")
                                      for _ in range(5)))

    assert asyncio.run(main()) == [200] * 5
    assert http_peak_in_flight(server, server_stats) == 5


def nodelay(sock: socket.socket) -> int:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_the_floor_sets_the_socket_options_httpx_sets(server) -> None:
    with httpx.Client() as client:
        response = client.get(server.http + "/get")
        httpx_socket = response.extensions["network_stream"].get_extra_info("socket")
        httpx_option = nodelay(httpx_socket)
    with FloorClient(server.http) as floor:
        floor.get("/get")
        assert floor.sock is not None
        floor_option = nodelay(floor.sock)
    assert floor_option == httpx_option != 0

    async def async_floor_option() -> int:
        _, writer = await asyncio.open_connection("127.0.0.1", int(server.http.split(":")[-1]))
        try:
            return nodelay(writer.get_extra_info("socket"))
        finally:
            writer.close()

    assert asyncio.run(async_floor_option()) == httpx_option  # what get_once_async uses


def test_floor_refuses_a_body_without_content_length(server) -> None:
    with FloorClient(server.http) as client, pytest.raises(FloorError, match="Content-Length"):
        client.get("/stream-bytes/10")
