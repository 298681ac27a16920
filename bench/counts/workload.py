"""The counted child process: ``python -m bench.counts.workload SPEC.json RESULT.json``.

Started by ``bench.counts.runner`` under callgrind, strace or nothing; in ``memory`` mode
(no tracer) it takes each scenario's memory figures instead (``bench.counts.memory``).
Otherwise, for each scenario it builds the client, warms it up (imports, caches, the
pooled connection), collects garbage, then counts one region of ``units`` requests with
the garbage collector off, so that only the requests are counted and a collection cannot
land in one run and not the other. Around the region: callgrind client requests (``mode``
callgrind), marker system calls that the strace log is cut at (``strace``), and the
server's /stats reset and read (all modes but callgrind, whose child is too slow for the
figures to matter and whose region must hold nothing but the requests, and ``lines``,
whose line tracer, ``bench.counts.lines``, is on for the regions alone).
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import ssl
import sys
import time
import traceback
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.counts.scenarios import BY_NAME

MARKER = "harness-count"
WARMUP_UNITS = 3
IMPORT_PATH = "(import path)"  # the results' key for ``import_path()``, never a scenario


def import_path() -> dict[str, Any]:
    """The shape of this interpreter's import path, which counts depend on: a failed
    import (httpcore 1.0's ``import sniffio`` on every async call where sniffio is not
    installed) stats every sys.path entry (docs/bench.md, "Findings")."""
    import importlib.util

    return {"entries": len(sys.path),
            "sniffio": importlib.util.find_spec("sniffio") is not None}


def marker(event: str, name: str) -> None:
    """A system call strace logs with its text and that does nothing (fd -1: EBADF)."""
    with contextlib.suppress(OSError):
        os.write(-1, f"{MARKER}:{event}:{name}".encode())


def server_stats(base: str, path: str) -> dict[str, Any]:
    with urllib.request.urlopen(base + path, timeout=10) as response:
        return json.load(response)


def settle_heap() -> None:
    """Do now the work glibc's malloc defers to the next large allocation: merging the
    small chunks freed so far (what the collection and the scenarios before freed) and
    sorting them into its bins. Left to the counted region, it landed in its first request,
    as up to 3.2 M instructions whose amount follows the heap's history (docs/bench.md)."""
    if _LIBC is None:
        return
    for _ in range(2):  # a request no free chunk fits exactly: the whole unsorted list
        _LIBC.free(_LIBC.malloc(LARGE_REQUEST))


def _libc() -> Any:
    """glibc's malloc and free through ctypes; None elsewhere (nothing to settle)."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.gnu_get_libc_version  # noqa: B018 (glibc only)
    except (OSError, AttributeError):
        return None
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.restype, libc.free.argtypes = None, [ctypes.c_void_p]
    return libc


# Under glibc's mmap threshold (128 KiB), so it is served from the heap, never by mmap
# (whose free would raise the threshold), after the consolidation and the sort.
LARGE_REQUEST = 64 * 1024 - 24
_LIBC = _libc()


def unit_label(name: str, unit: int) -> str:
    """The callgrind dump of one unit of a region counted unit by unit."""
    return f"{name}@{unit}"


def region(name: str, units: int, workload: Any, callgrind: Any,
           stats_base: str | None, lines: Any = None, per_unit: bool = False) -> dict[str, Any]:
    """Count ``units`` of ``workload`` once: GC off, markers around, /stats reset and read
    (``lines``: a ``LineCounter`` whose tracer is on for the region alone; ``per_unit``,
    under callgrind: one dump per unit, ``unit_label``, and an empty one at the end)."""
    if stats_base is not None:
        server_stats(stats_base, "/stats/reset")
    gc.collect()
    settle_heap()
    gc.disable()
    started = time.perf_counter()
    if callgrind is not None:
        callgrind.begin()
    marker("begin", name)
    before = lines.lines if lines is not None else 0
    try:
        if lines is not None:
            with lines.counting():
                workload.run(units)
        elif per_unit and callgrind is not None:
            for unit in range(units):
                workload.run(1)
                callgrind.dump(unit_label(name, unit))
        else:
            workload.run(units)
    finally:
        marker("end", name)
        if callgrind is not None:
            callgrind.end(name)
        wall = time.perf_counter() - started
        gc.enable()
    stats = server_stats(stats_base, "/stats") if stats_base is not None else None
    found = {"lines": lines.lines - before} if lines is not None else {}
    return {"wall": wall, "stats": stats, **found}


def count_one(spec: dict[str, Any], name: str, httpx: Any, context: ssl.SSLContext,
              callgrind: Any, lines: Any = None) -> dict[str, Any]:
    """Under callgrind one region (its fixed cost is the empty region's); otherwise two,
    of ``units`` and ``2 * units``, whose difference cancels what happens once per region
    (a pooled connection first seen, a loop's first turn). ``lines`` (the line pass): the
    two regions under the line tracer, without /stats."""
    scenario = BY_NAME[name]
    units = int(spec["units"][name])
    workload = scenario.build(httpx, spec["urls"], context)
    try:
        workload.prepare()
        workload.run(WARMUP_UNITS)
        if callgrind is not None:
            counted = region(name, units, workload, callgrind, None,
                             per_unit=scenario.unit_median)
            return {"requests": units * scenario.requests_per_unit, **counted}
        base = None if lines is not None else spec["urls"]["http"]
        short = region(f"{name}#short", units, workload, None, base, lines)
        long = region(f"{name}#long", 2 * units, workload, None, base, lines)
    finally:
        workload.close()
    return {"requests": units * scenario.requests_per_unit, "short": short, "long": long}


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text())
    httpx = importlib.import_module(spec["import"])
    context = ssl.create_default_context(cafile=spec["ca"])
    callgrind = None
    if spec["mode"] == "callgrind":
        from bench.counts.callgrind import ClientRequests

        callgrind = ClientRequests()
        if spec.get("empty_region", True):
            callgrind.begin()
            callgrind.end("(empty)")
    one: Callable[[str], dict[str, Any]]
    if spec["mode"] == "memory":
        from bench.counts.memory import measure  # only here: counted children import as before

        def one(name: str) -> dict[str, Any]:
            return measure(BY_NAME[name].memory, httpx, spec["urls"], context)
    else:
        lines = None
        if spec["mode"] == "lines":
            from bench.counts.lines import LineCounter, package_roots

            lines = LineCounter(package_roots(spec["import"]))

        def one(name: str) -> dict[str, Any]:
            return count_one(spec, name, httpx, context, callgrind, lines)
    results: dict[str, Any] = {}
    for name in spec["scenarios"]:
        try:
            results[name] = one(name)
        except Exception as error:  # one broken scenario must not hide the others' counts
            last = traceback.format_exception_only(type(error), error)[-1].strip()
            results[name] = {"error": last[:300]}
    results[IMPORT_PATH] = import_path()  # after the regions: its failed lookups stat sys.path
    Path(argv[1]).write_text(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
