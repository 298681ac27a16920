"""Serving the app: one listener per contract key, on sockets bound to ephemeral ports.

Each engine takes the already-bound listening sockets, so the ports are known (and printed)
before serving starts and no port is ever guessed.
"""

from __future__ import annotations

import asyncio
import signal
import socket
from collections.abc import Sequence
from dataclasses import dataclass

from server import shutdown
from server.certs import CertificateFiles

# hypercorn closes a connection after 1000 requests by default (Connection: close on
# HTTP/1.1, GOAWAY on HTTP/2), which breaks long benchmark runs: make it effectively never.
KEEP_ALIVE_MAX_REQUESTS = 2**31
KEEP_ALIVE_TIMEOUT = 30.0
H2_MAX_CONCURRENT_STREAMS = 100  # the value both engines advertise; benchmarks rely on it


@dataclass(frozen=True)
class Listener:
    """One contract key of the JSON line: its socket, TLS and the protocols ALPN offers."""

    name: str  # "http", "https", "https_h1"
    sock: socket.socket
    tls: bool
    alpn: Sequence[str]

    @property
    def url(self) -> str:
        host, port = self.sock.getsockname()[:2]
        return f"{'https' if self.tls else 'http'}://{host}:{port}"


def bind_listener(name: str, tls: bool, alpn: Sequence[str], host: str = "127.0.0.1") -> Listener:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(1024)
    sock.set_inheritable(True)
    return Listener(name, sock, tls, tuple(alpn))


def standard_listeners() -> list[Listener]:
    return [
        bind_listener("http", tls=False, alpn=()),  # HTTP/1.1, and h2c by prior knowledge
        bind_listener("https", tls=True, alpn=("h2", "http/1.1")),
        bind_listener("https_h1", tls=True, alpn=("http/1.1",)),
    ]


def serve_hypercorn(app: object, listeners: list[Listener], certs: CertificateFiles) -> None:
    """Serve every listener from one hypercorn event loop in this process (shared stats)."""
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    from server.stats import ACCEPTED

    ACCEPTED.install()  # hypercorn accepts through socket.accept: count connections exactly

    def config_for(listener: Listener) -> Config:
        config = Config()
        config.keep_alive_max_requests = KEEP_ALIVE_MAX_REQUESTS
        config.keep_alive_timeout = KEEP_ALIVE_TIMEOUT
        config.h2_max_concurrent_streams = H2_MAX_CONCURRENT_STREAMS
        config.graceful_timeout = 1.0
        config.accesslog = None
        config.errorlog = "-"
        # Without a certificate hypercorn serves `bind` in plain text.
        config.bind = [f"fd://{listener.sock.fileno()}"]
        if listener.tls:
            config.certfile = str(certs.cert_chain)
            config.keyfile = str(certs.key)
            config.alpn_protocols = list(listener.alpn)
        return config

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def request_stop() -> None:
            shutdown.arm()
            stop.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, request_stop)
        await asyncio.gather(
            *(serve(app, config_for(listener), shutdown_trigger=stop.wait)  # type: ignore[arg-type]
              for listener in listeners)
        )

    asyncio.run(main())
