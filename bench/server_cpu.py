"""The server process tree's CPU time, to the nanosecond where Linux allows.

``ServerProcess.cpu_seconds()`` (psutil) counts in clock ticks (10 ms here), too coarse for
a batch of cheap requests that lasts 20 ms. On Linux each thread's
``/proc/<pid>/task/<tid>/schedstat`` holds its time on a CPU in nanoseconds; summed over
every thread of the tree it is the same quantity, precise enough for one batch. Threads
that exit take their time with them, so the clock never goes back (a batch during which a
server thread exited under-reports). Without /proc, psutil is used throughout.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psutil


def _tree(pid: int) -> list[int]:
    try:
        root = psutil.Process(pid)
        return [pid, *(child.pid for child in root.children(recursive=True))]
    except psutil.NoSuchProcess:
        return []


def schedstat_seconds(pid: int) -> float | None:
    """CPU seconds of every thread of ``pid`` and its descendants, or None without /proc."""
    total = 0
    for member in _tree(pid):
        tasks = Path(f"/proc/{member}/task")
        try:
            entries = list(tasks.iterdir())
        except OSError:
            return None
        for task in entries:
            try:
                total += int((task / "schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue  # the thread ended between listing and reading
    return total / 1e9


def server_cpu_clock(pid: int, fallback: Callable[[], float]) -> Callable[[], float]:
    """A monotonic clock of the server's CPU seconds: schedstat if readable, else psutil."""
    if schedstat_seconds(pid) is None:
        return fallback
    last = [schedstat_seconds(pid) or 0.0]

    def clock() -> float:
        now = schedstat_seconds(pid)
        last[0] = max(last[0], now or 0.0)
        return last[0]

    return clock
