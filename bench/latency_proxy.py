"""A delaying TCP proxy: puts a round-trip time (and optionally a bandwidth cap) on loopback.

On loopback a round trip costs microseconds; in production 10-100 ms. This kernel has no
``netem`` qdisc, so the delay is applied in user space: every chunk read from one side is
written to the other ``rtt / 2`` later, in order, both ways. It sits below TLS, so TLS and
ALPN pass through untouched and the server's certificate (for 127.0.0.1) stays valid.

A new connection's data also waits one RTT after ``accept``, the SYN/SYN-ACK round trip a
real ``connect()`` would have taken (a connect to a local proxy completes at once), so a
request on a new connection costs two round trips and on a new TLS 1.3 connection three,
as on a real network. A bandwidth cap serialises each direction's bytes at that rate before
the propagation delay (no loss, no reordering: a clean long link, not a lossy one).

Bounded: at most ``max_connections`` open pairs (more are closed at once and counted), at
most ``max_queued`` bytes in flight per direction (the reader then waits, like a full TCP
window), and the process stops after ``--max-seconds``, on SIGTERM/SIGINT, or when its
parent goes away (``--exit-with-stdin``). Listens on 127.0.0.1 only.

``python -m bench.latency_proxy --upstream https=127.0.0.1:8443 --rtt-ms 0 20 50`` opens one
listener per upstream and RTT and prints one JSON line naming them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

HOST = "127.0.0.1"
CHUNK = 64 * 1024
MAX_CONNECTIONS = 512
MAX_QUEUED = 4 * 1024 * 1024  # bytes in flight per direction before the reader waits
MAX_SECONDS = 3600.0


@dataclass(frozen=True)
class Link:
    """What one route does to the bytes: round-trip time, and an optional bandwidth cap."""

    rtt: float  # seconds; each direction gets half
    bandwidth: float | None = None  # bytes per second per direction; None: unlimited
    handshake: bool = True  # a new connection's first data waits one RTT (TCP's handshake)

    @property
    def one_way(self) -> float:
        return self.rtt / 2


def due_time(arrival: float, size: int, link: Link, opened: float, link_free: float,
             upstream: bool) -> tuple[float, float]:
    """(when this chunk reaches the other side, when the link is free again).

    ``arrival`` is when the proxy read the chunk; ``link_free`` when the direction's
    previous chunk finished serialising. Client-to-server data cannot leave before the
    emulated handshake ends (``opened + rtt``).
    """
    sent = arrival
    if upstream and link.handshake:
        sent = max(sent, opened + link.rtt)
    if link.bandwidth:
        sent = max(sent, link_free) + size / link.bandwidth
        link_free = sent
    return sent + link.one_way, link_free


@dataclass
class RouteStats:
    connections: int = 0
    refused: int = 0
    upstream_errors: int = 0
    bytes_up: int = 0
    bytes_down: int = 0


@dataclass
class Route:
    name: str
    upstream: tuple[str, int]
    link: Link
    stats: RouteStats = field(default_factory=RouteStats)
    port: int = 0

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "rtt_ms": round(self.link.rtt * 1000, 3),
                "bandwidth": self.link.bandwidth, "upstream": f"{self.upstream[0]}:"
                f"{self.upstream[1]}", "listen": f"{HOST}:{self.port}"}


class Direction:
    """One direction of one connection: read, hold each chunk until due, write in order."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 link: Link, opened: float, upstream: bool, route: RouteStats,
                 max_queued: int) -> None:
        self.reader, self.writer, self.link = reader, writer, link
        self.opened, self.upstream, self.route = opened, upstream, route
        self.max_queued = max_queued
        self.queue: deque[tuple[float, bytes]] = deque()  # b"" marks end of stream
        self.queued = 0
        self.link_free = 0.0
        self.arrived = asyncio.Event()
        self.drained = asyncio.Event()

    async def read(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                while self.queued >= self.max_queued:
                    self.drained.clear()
                    await self.drained.wait()
                data = await self.reader.read(CHUNK)
                due, self.link_free = due_time(loop.time(), len(data), self.link, self.opened,
                                               self.link_free, self.upstream)
                self.queue.append((due, data))
                self.queued += len(data)
                self.arrived.set()
                if not data:
                    return
        except (ConnectionError, OSError):
            self.queue.append((loop.time(), b""))
            self.arrived.set()

    async def write(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            while not self.queue:
                self.arrived.clear()
                await self.arrived.wait()
            due, data = self.queue.popleft()
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if not data:
                if self.writer.can_write_eof():
                    with contextlib.suppress(OSError):
                        self.writer.write_eof()
                return
            self.writer.write(data)
            await self.writer.drain()
            self.queued -= len(data)
            if self.upstream:
                self.route.bytes_up += len(data)
            else:
                self.route.bytes_down += len(data)
            self.drained.set()


async def pump(*directions: Direction) -> None:
    """Run both directions until both streams end, or until either side fails."""
    tasks = {asyncio.ensure_future(step()) for d in directions for step in (d.read, d.write)}
    try:
        while tasks:
            done, tasks = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            if any(not t.cancelled() and t.exception() is not None for t in done):
                return  # a reset on one side ends the pair: the other side is closed
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class LatencyProxy:
    """Every route's listener on one event loop."""

    def __init__(self, routes: Sequence[Route], max_connections: int = MAX_CONNECTIONS,
                 max_queued: int = MAX_QUEUED) -> None:
        self.routes = list(routes)
        self.max_connections = max_connections
        self.max_queued = max_queued
        self.open = 0
        self.servers: list[asyncio.Server] = []
        self.tasks: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        for route in self.routes:
            server = await asyncio.start_server(
                lambda r, w, route=route: self._accept(route, r, w), HOST, route.port,
                limit=CHUNK)
            route.port = server.sockets[0].getsockname()[1]
            self.servers.append(server)

    async def _accept(self, route: Route, client_reader: asyncio.StreamReader,
                      client_writer: asyncio.StreamWriter) -> None:
        if self.open >= self.max_connections:
            route.stats.refused += 1
            client_writer.close()
            return
        self.open += 1
        route.stats.connections += 1
        opened = asyncio.get_running_loop().time()
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        try:
            try:
                server_reader, server_writer = await asyncio.open_connection(
                    *route.upstream, limit=CHUNK)
            except OSError:
                route.stats.upstream_errors += 1
                return
            for writer in (client_writer, server_writer):
                # The proxy adds no Nagle wait of its own: a chunk is written when due.
                with contextlib.suppress(OSError):
                    writer.get_extra_info("socket").setsockopt(
                        socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            up = Direction(client_reader, server_writer, route.link, opened, True,
                           route.stats, self.max_queued)
            down = Direction(server_reader, client_writer, route.link, opened, False,
                             route.stats, self.max_queued)
            await pump(up, down)
            server_writer.close()
        except asyncio.CancelledError:
            pass  # stop() ends every pair; asyncio's stream callback must not see this
        finally:
            client_writer.close()
            self.open -= 1
            self.tasks.discard(task)

    async def stop(self) -> None:
        for server in self.servers:
            server.close()
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    def describe(self) -> dict[str, Any]:
        return {"pid": os.getpid(), "routes": [route.describe() for route in self.routes]}


def parse_upstream(text: str) -> tuple[str, tuple[str, int]]:
    """``name=host:port`` (a URL's scheme is dropped); the host must be loopback."""
    name, sep, address = text.partition("=")
    address = address.split("://", 1)[-1].rstrip("/")
    host, _, port = address.rpartition(":")
    if not sep or not name or not port.isdigit():
        raise ValueError(f"--upstream {text!r}: expected name=host:port")
    if host not in (HOST, "localhost"):
        raise ValueError(f"--upstream {text!r}: only 127.0.0.1 is allowed")
    return name, (HOST, int(port))


def build_routes(upstreams: Sequence[str], rtts_ms: Sequence[float],
                 bandwidth: float | None = None) -> list[Route]:
    if any(rtt < 0 for rtt in rtts_ms):
        raise ValueError("an RTT cannot be negative")
    parsed = [parse_upstream(text) for text in upstreams]
    return [Route(name, address, Link(rtt / 1000, bandwidth))
            for name, address in parsed for rtt in rtts_ms]


async def serve(proxy: LatencyProxy, max_seconds: float, stop: asyncio.Event) -> None:
    await proxy.start()
    print(json.dumps(proxy.describe()), flush=True)
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), max_seconds)
    await proxy.stop()
    totals = {route.name + f"@{route.link.rtt * 1000:g}ms": vars(route.stats)
              for route in proxy.routes if route.stats.connections}
    print(json.dumps({"stopped": True, "routes": totals}), file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.latency_proxy",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", action="append", required=True,
                        help="name=127.0.0.1:port (repeat): a server listener to forward to")
    parser.add_argument("--rtt-ms", type=float, nargs="+", default=[0.0],
                        help="round-trip times in ms: one listener per upstream and RTT")
    parser.add_argument("--bandwidth", type=float, default=None,
                        help="cap in bytes per second per direction (default: none)")
    parser.add_argument("--max-connections", type=int, default=MAX_CONNECTIONS)
    parser.add_argument("--max-seconds", type=float, default=MAX_SECONDS)
    parser.add_argument("--cpu", type=int, default=None, help="pin the proxy to this core")
    parser.add_argument("--exit-with-stdin", action="store_true",
                        help="stop when stdin closes: the parent that started us has gone")
    args = parser.parse_args(argv)
    try:
        routes = build_routes(args.upstream, args.rtt_ms, args.bandwidth)
    except ValueError as error:
        print(f"latency proxy: {error}", file=sys.stderr)
        return 2
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    if args.exit_with_stdin:
        def watch() -> None:
            with contextlib.suppress(OSError):
                while os.read(sys.stdin.fileno(), 1024):
                    pass
            loop.call_soon_threadsafe(stop.set)
        threading.Thread(target=watch, daemon=True, name="stdin-watch").start()
    proxy = LatencyProxy(routes, max_connections=args.max_connections)
    try:
        loop.run_until_complete(serve(proxy, args.max_seconds, stop))
    except OSError as error:
        print(f"latency proxy: cannot listen: {error}", file=sys.stderr)
        return 3
    finally:
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
