"""Which cores the client and the server run on."""

from __future__ import annotations

import os
from functools import cache


@cache
def available_cores() -> tuple[int, ...]:
    """The cores this process could run on before the client pinned itself (cached).

    Empty off Linux (no affinity): then nothing is pinned and nothing need be undone.
    """
    try:
        return tuple(sorted(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return ()


@cache
def cores() -> tuple[int | None, int | None]:
    """(client core, server core): different cores when this process may use two or more.

    The client takes the first core it may run on, the server the last; with one core
    (or off Linux) nothing is pinned and both are None. Cached: the answer must describe
    the cores available before the client pinned itself.
    """
    available = available_cores()
    if len(available) < 2:
        return None, None
    return available[0], available[-1]
