"""Run ``python -m bench.latency_proxy`` as a child process and stop it by PID.

A separate process, so the proxy's work never shares the client's interpreter (its GIL and
its CPU clock): client CPU per request stays the client's own.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

READY_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
REPO_ROOT = Path(__file__).resolve().parent.parent


class ProxyError(RuntimeError):
    """The proxy could not be started; the message is one line saying why."""


class ProxyProcess:
    """Delaying listeners in front of ``upstreams`` (name -> URL), one per name and RTT."""

    def __init__(self, upstreams: Mapping[str, str], rtts_ms: Sequence[float],
                 bandwidth: float | None = None, cpu: int | None = None,
                 max_seconds: float = 3600.0, max_connections: int | None = None) -> None:
        self.upstreams = dict(upstreams)
        self.rtts_ms = list(rtts_ms)
        self.bandwidth = bandwidth
        self.cpu = cpu
        self.max_seconds = max_seconds
        self.max_connections = max_connections
        self.process: subprocess.Popen[bytes] | None = None
        self.routes: list[dict[str, Any]] = []
        self.stderr = ""
        self.log: Any = None

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "bench.latency_proxy", "--exit-with-stdin",
                   "--max-seconds", str(self.max_seconds), "--rtt-ms",
                   *(f"{rtt:g}" for rtt in self.rtts_ms)]
        for name, url in self.upstreams.items():
            command += ["--upstream", f"{name}={urlsplit(url).netloc}"]
        if self.bandwidth:
            command += ["--bandwidth", f"{self.bandwidth:g}"]
        if self.max_connections is not None:
            command += ["--max-connections", str(self.max_connections)]
        if self.cpu is not None:
            command += ["--cpu", str(self.cpu)]
        return command

    def start(self) -> ProxyProcess:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
        # stderr goes to a file, not a pipe: a pipe nobody reads could fill and stall it.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        self.process = subprocess.Popen(self.command(), stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=self.log,
                                        env=env, cwd=REPO_ROOT)
        try:
            self.routes = json.loads(self._read_line())["routes"]
        except BaseException:
            self.stop()
            raise
        return self

    def _read_line(self) -> str:
        assert self.process is not None and self.process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + READY_TIMEOUT
        buffer = b""
        while b"\n" not in buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ProxyError(f"latency proxy not ready in {READY_TIMEOUT:g} s")
            if not selector.select(remaining):
                continue
            chunk = os.read(self.process.stdout.fileno(), 4096)
            if not chunk:
                code = self.process.wait()
                error = self._read_log().strip()
                raise ProxyError(error.splitlines()[-1] if error else
                                 f"latency proxy exited with code {code}")
            buffer += chunk
        return buffer.split(b"\n", 1)[0].decode()

    def url(self, name: str, rtt_ms: float) -> str:
        """The base URL that reaches upstream ``name`` through the ``rtt_ms`` listener."""
        scheme = urlsplit(self.upstreams[name]).scheme
        for route in self.routes:
            if route["name"] == name and abs(route["rtt_ms"] - rtt_ms) < 1e-9:
                return f"{scheme}://{route['listen']}"
        raise KeyError(f"no proxy route for {name} at {rtt_ms:g} ms")

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def stop(self) -> int | None:
        """SIGTERM the proxy we started (by PID), SIGKILL it if it lingers."""
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_TIMEOUT)
        self.stderr = self._read_log()
        for stream in (process.stdin, process.stdout):
            if stream:
                stream.close()
        if self.log is not None:
            self.log.close()
            self.log = None
        return process.returncode

    def _read_log(self) -> str:
        if self.log is None:
            return ""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def __enter__(self) -> ProxyProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
