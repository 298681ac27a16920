"""Serve the app with granian: the same ASGI app, at a fraction of hypercorn's CPU per request.

All three listeners run as granian *embedded* servers (``granian.server.embed.Server``) on
one asyncio loop in this process, so they share one app instance and one ``/stats``, just
as under hypercorn. Each embedded server is handed the socket ``server.engines`` already
bound, wrapped in granian's ``SocketHolder``: no port is closed and re-bound, so none can be
taken by another process in between. Each server runs one worker (granian's Rust runtime
plus this loop) inside this process, so the server's CPU is this process's CPU and there
are no child processes to stop.

granian's embedded mode is marked experimental by granian itself; the harness's own tests
(tests/test_bench_granian.py) check that it starts, serves both protocols and stops.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
from pathlib import PosixPath
from typing import Any

from server import shutdown
from server.certs import CertificateFiles
from server.engines import H2_MAX_CONCURRENT_STREAMS, Listener

log = logging.getLogger("server.granian")


class _AsGiven(PosixPath):
    """A path granian must not resolve: /proc/<pid>/fd/<n> of a memfd resolves to a
    "/memfd:... (deleted)" name that cannot be opened."""

    def resolve(self, strict: bool = False) -> _AsGiven:
        return self


def _embedded_server(listener: Listener, certs: CertificateFiles) -> Any:
    """A granian embedded server for ``listener``, serving on its already-bound socket."""
    from granian._granian import SocketHolder
    from granian.constants import HTTPModes, Interfaces, SSLProtocols
    from granian.http import HTTP1Settings, HTTP2Settings
    from granian.log import LogLevels
    from granian.server.embed import Server

    from server.app import app

    class PreboundServer(Server):  # type: ignore[misc]
        """granian binds its own socket by default; this one serves ours instead."""

        def _init_shared_socket(self) -> None:
            # granian owns (and closes) the descriptor it is given: hand it a duplicate.
            self._ssp = None
            self._shd = SocketHolder(os.dup(listener.sock.fileno()), False, self.backlog)
            self._sfd = self._shd.get_fd()

    # ALPN follows the HTTP mode: "auto" offers h2 and http/1.1, "1" offers http/1.1 only.
    http_mode = HTTPModes.auto if "h2" in listener.alpn or not listener.tls else HTTPModes.http1
    tls: dict[str, Any] = {}
    if listener.tls:
        tls = {"ssl_cert": _AsGiven(certs.cert_chain), "ssl_key": _AsGiven(certs.key),
               "ssl_protocol_min": SSLProtocols.tls12}
    host, port = listener.sock.getsockname()[:2]
    return PreboundServer(
        app,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        http=http_mode,
        websockets=False,
        runtime_threads=1,  # one worker, one Rust thread: the server's cost stays on one core
        backlog=1024,
        http1_settings=HTTP1Settings(keep_alive=True),
        http2_settings=HTTP2Settings(max_concurrent_streams=H2_MAX_CONCURRENT_STREAMS),
        log_enabled=True,
        log_level=LogLevels.error,
        **tls,
    )


def serve_granian(listeners: list[Listener], certs: CertificateFiles, line: dict) -> int:
    """Serve every listener until SIGINT/SIGTERM; print the JSON line once all accept."""
    try:
        servers = [_embedded_server(listener, certs) for listener in listeners]
    except Exception as error:
        print(f"server: granian could not be configured: {error}", flush=True,
              file=__import__("sys").stderr)
        return 1

    async def main() -> int:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()

        def request_stop() -> None:
            shutdown.arm()
            stop.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, request_stop)
        tasks = [asyncio.create_task(server.serve()) for server in servers]
        # The sockets were listening before granian started (the kernel queues connections),
        # so the line can go out as soon as every worker has been spawned.
        while not all(server.wrks for server in servers):
            if any(task.done() for task in tasks):
                break
            await asyncio.sleep(0.01)
        failed = [task for task in tasks if task.done()]
        if failed:
            stop.set()
        else:
            line["engine"] = "granian"
            print(json.dumps(line), flush=True)
            await stop.wait()
        for server in servers:
            server.stop()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        for error in errors:
            log.error("granian stopped with %s: %s", type(error).__name__, error)
        return 1 if failed or errors else 0

    return asyncio.run(main())
