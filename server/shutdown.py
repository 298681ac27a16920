"""A bounded stop: once a stop is requested the process is gone within STOP_DEADLINE seconds.

The engines shut down gracefully (in-flight requests are cancelled after their grace
period), but a TLS connection whose peer vanished can hold an asyncio transport open
for its 30 s ssl_shutdown_timeout. A timer thread armed at the stop request ends the
process after the deadline whatever is still pending, running the cleanups first, so
the whole stop (signal to exit) stays under 2 s.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable

STOP_DEADLINE = 1.3  # seconds from the stop request to the forced end (hypercorn's grace: 1)

_cleanups: list[Callable[[], None]] = []
_armed = threading.Event()
log = logging.getLogger("server.shutdown")


def on_exit(cleanup: Callable[[], None]) -> None:
    """Run ``cleanup`` before a forced exit (and call it yourself on the normal path)."""
    _cleanups.append(cleanup)


def run_cleanups() -> None:
    while _cleanups:
        try:
            _cleanups.pop()()
        except Exception as error:  # a failed cleanup must not keep the process alive
            log.error("cleanup failed: %s", error)


def arm(deadline: float = STOP_DEADLINE) -> None:
    """Start the countdown (once); the engines call this when a stop is requested."""
    if _armed.is_set():
        return
    _armed.set()

    def force_exit() -> None:
        print(f"server: still running {deadline:g} s after the stop request; "
              "dropping the remaining connections", file=sys.stderr, flush=True)
        run_cleanups()
        os._exit(0)

    timer = threading.Timer(deadline, force_exit)
    timer.daemon = True
    timer.start()
