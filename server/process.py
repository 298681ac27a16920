"""Start ``python -m server`` as a child process, read its JSON line, stop it by PID.

The child's stderr goes to an anonymous temporary file (no name in /tmp), so nothing is
left on disk whichever process dies first; a start failure quotes its last line.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

# Three xdist workers starting their servers at once on 2 cores at load 20 took over
# 10 s (3 Dec): the whole conformance run was lost. Still a bound, not a hope.
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0
REPO_ROOT = Path(__file__).resolve().parent.parent


class ServerError(RuntimeError):
    """The server could not be started; the message is one line saying why."""


@dataclass
class ServerInfo:
    """The server's JSON line, with conveniences for clients."""

    http: str
    https: str
    https_h1: str
    ca: str
    pid: int
    engine: str = "hypercorn"
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_line(cls, line: str) -> ServerInfo:
        data = json.loads(line)
        known = {k: data.pop(k) for k in ("http", "https", "https_h1", "ca", "pid", "engine")
                 if k in data}
        return cls(**known, extra=data)

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts only this server's throw-away CA."""
        return ssl.create_default_context(cafile=self.ca)

    def url(self, listener: str = "http") -> str:
        return getattr(self, listener)


class ServerProcess:
    """A running ``python -m server``; a context manager that always stops what it started."""

    def __init__(self, engine: str = "hypercorn", cpu: int | None = None,
                 ready_timeout: float = READY_TIMEOUT) -> None:
        self.engine = engine
        self.cpu = cpu
        self.ready_timeout = ready_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.info: ServerInfo | None = None
        self.log: IO[bytes] | None = None
        self.stop_seconds: float | None = None  # SIGTERM to exit, of the last stop()

    def start(self) -> ServerInfo:
        command = [sys.executable, "-m", "server", "--engine", self.engine, "--exit-with-stdin"]
        if self.cpu is not None:
            command += ["--cpu", str(self.cpu)]
        # Closed by close_log(): it outlives stop() so a failure can still be quoted.
        self.log = tempfile.TemporaryFile(prefix="httpx-harness-server-", suffix=".log")  # noqa: SIM115
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, env=env,
            cwd=REPO_ROOT,
        )
        try:
            line = self._read_line()
            self.info = ServerInfo.from_line(line)
        except BaseException:
            self.stop()
            raise
        return self.info

    def _read_line(self) -> str:
        assert self.process is not None and self.process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + self.ready_timeout
        buffer = b""
        while b"\n" not in buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ServerError(f"server not ready in {self.ready_timeout:g} s "
                                  f"(last log line: {self.last_log_line()})")
            if not selector.select(remaining):
                continue
            chunk = os.read(self.process.stdout.fileno(), 4096)
            if not chunk:
                raise ServerError(f"server exited with code {self.process.wait()}: "
                                  f"{self.last_log_line()}")
            buffer += chunk
        line = buffer.split(b"\n", 1)[0].decode()
        try:
            json.loads(line)
        except ValueError:
            raise ServerError(f"server printed {line[:80]!r}, not its JSON line") from None
        return line

    def log_text(self) -> str:
        """Everything the server wrote to stderr so far."""
        if self.log is None or self.log.closed:
            return ""
        self.log.flush()
        return os.pread(self.log.fileno(), 1 << 20, 0).decode(errors="replace")

    def last_log_line(self) -> str:
        lines = self.log_text().strip().splitlines()
        return lines[-1] if lines else "no output"

    def cpu_seconds(self) -> float:
        """User + system CPU the server process tree has used so far (psutil)."""
        import psutil

        assert self.process is not None
        root = psutil.Process(self.process.pid)
        total = 0.0
        for proc in [root, *root.children(recursive=True)]:
            try:
                times = proc.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total

    def stop(self) -> int | None:
        """SIGTERM the process we started (by PID), SIGKILL it if it lingers."""
        process, self.process = self.process, None
        if process is None:
            return None
        self.stop_seconds = None
        if process.poll() is None:
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_TIMEOUT)
            self.stop_seconds = time.monotonic() - started
        for stream in (process.stdin, process.stdout):
            if stream:
                stream.close()
        return process.returncode

    def close_log(self) -> None:
        if self.log is not None:
            self.log.close()

    def __enter__(self) -> ServerInfo:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self.close_log()
