"""The counted child process: ``python -m bench.counts.workload SPEC.json RESULT.json``.

Started by ``bench.counts.runner`` under callgrind, strace or nothing; in ``memory`` mode
(no tracer) it takes each scenario's memory figures instead (``bench.counts.memory``).
Otherwise, for each scenario it builds the client, warms it up (imports, caches, the
pooled connection), collects garbage, then counts one region of ``units`` requests with
the garbage collector off, so that only the requests are counted and a collection cannot
land in one run and not the other. Around the region: callgrind client requests (``mode``
callgrind), marker system calls that the strace log is cut at (``strace``), and the
server's /stats reset and read (all modes but callgrind, whose child is too slow for the
figures to matter and whose region must hold nothing but the requests).
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


def marker(event: str, name: str) -> None:
    """A system call strace logs with its text and that does nothing (fd -1: EBADF)."""
    with contextlib.suppress(OSError):
        os.write(-1, f"{MARKER}:{event}:{name}".encode())


def server_stats(base: str, path: str) -> dict[str, Any]:
    with urllib.request.urlopen(base + path, timeout=10) as response:
        return json.load(response)


def region(name: str, units: int, workload: Any, callgrind: Any,
           stats_base: str | None) -> dict[str, Any]:
    """Count ``units`` of ``workload`` once: GC off, markers around, /stats reset and read."""
    if stats_base is not None:
        server_stats(stats_base, "/stats/reset")
    gc.collect()
    gc.disable()
    started = time.perf_counter()
    if callgrind is not None:
        callgrind.begin()
    marker("begin", name)
    try:
        workload.run(units)
    finally:
        marker("end", name)
        if callgrind is not None:
            callgrind.end(name)
        wall = time.perf_counter() - started
        gc.enable()
    stats = server_stats(stats_base, "/stats") if stats_base is not None else None
    return {"wall": wall, "stats": stats}


def count_one(spec: dict[str, Any], name: str, httpx: Any, context: ssl.SSLContext,
              callgrind: Any) -> dict[str, Any]:
    """Under callgrind one region (its fixed cost is the empty region's); otherwise two,
    of ``units`` and ``2 * units``, whose difference cancels what happens once per region
    (a pooled connection first seen, a loop's first turn)."""
    scenario = BY_NAME[name]
    units = int(spec["units"][name])
    workload = scenario.build(httpx, spec["urls"], context)
    try:
        workload.prepare()
        workload.run(WARMUP_UNITS)
        if callgrind is not None:
            counted = region(name, units, workload, callgrind, None)
            return {"requests": units * scenario.requests_per_unit, **counted}
        base = spec["urls"]["http"]
        short = region(f"{name}#short", units, workload, None, base)
        long = region(f"{name}#long", 2 * units, workload, None, base)
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
        def one(name: str) -> dict[str, Any]:
            return count_one(spec, name, httpx, context, callgrind)
    results: dict[str, Any] = {}
    for name in spec["scenarios"]:
        try:
            results[name] = one(name)
        except Exception as error:  # one broken scenario must not hide the others' counts
            last = traceback.format_exception_only(type(error), error)[-1].strip()
            results[name] = {"error": last[:300]}
    Path(argv[1]).write_text(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
