"""The line pass of the counted child: Python lines the client's own packages execute.

Run in a child of its own (``mode`` "lines") with no other tracer: ``sys.settrace`` would
distort callgrind's instruction counts and strace's timing. The tracer counts ``line``
events in frames whose code lives in the target's packages and its protocol libraries
(``PACKAGES``: httpx or the fork under test, httpcore, h11, h2, hpack, hyperframe), and
nothing in asyncio, anyio, selectors, ssl or the harness. What those packages execute for a
request depends on the request and on how many pieces its bytes arrive in, not on how the
event loop interleaves tasks, where each task has its own connection (``async-gathered``:
one AsyncClient per task); the loop's own turns, which do follow scheduling, are not
counted. Where the pieces vary (HTTP/2 frames, 1 MiB bodies) a scenario states its A/A
spread as ``lines_tolerance``; small HTTP/1.1 responses from granian repeat exactly. Lines, not
instructions: the count does not see C code (the ssl module, h11's regexes), only the
Python path, which is where a client's per-request work mostly is (docs/bench.md).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

# The protocol libraries httpx and its forks use; the target's own package is added.
PACKAGES = ("httpx", "httpcore", "httpcore2", "h11", "h2", "hpack", "hyperframe")


def package_roots(target_import: str) -> tuple[str, ...]:
    """The directories (with a trailing separator) of the packages whose lines count."""
    roots: list[str] = []
    for name in dict.fromkeys((target_import.partition(".")[0], *PACKAGES)):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        for location in (spec.submodule_search_locations or []) if spec else []:
            roots.append(os.path.join(os.path.realpath(location), ""))
    return tuple(roots)


class LineCounter:
    """``with counter.counting(): ...`` adds the lines the packages executed to ``lines``."""

    def __init__(self, roots: tuple[str, ...]) -> None:
        self.roots = roots
        self.lines = 0
        self._ours: dict[Any, bool] = {}  # code object -> lives in one of the packages

    def _local(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            self.lines += 1
        return self._local

    def _global(self, frame: FrameType, event: str, arg: Any) -> Any:
        # Called for every frame entered (a coroutine's or generator's resumption too):
        # only the packages' frames get the local tracer, so nothing else is counted.
        code = frame.f_code
        ours = self._ours.get(code)
        if ours is None:
            ours = self._ours[code] = os.path.realpath(code.co_filename).startswith(
                self.roots)
        return self._local if ours else None

    @contextmanager
    def counting(self) -> Iterator[None]:
        previous = sys.gettrace()
        sys.settrace(self._global)
        try:
            yield
        finally:
            sys.settrace(previous)
