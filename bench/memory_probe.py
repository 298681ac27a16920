"""Peak memory of one download, measured in a fresh subprocess per case.

``probe(...)`` starts ``python -m bench.memory_probe '<json case>'``, which imports the target,
downloads the body twice and prints one JSON line:

1. timed, with tracemalloc off: seconds, throughput, and the peak RSS during the download
   (the kernel's high-water mark VmHWM, reset just before it) and how far it rose above the
   RSS just before the request;
2. with tracemalloc on, the peak of Python allocations during the same download
   (tracemalloc slows streaming several times, so it is never on while timing).

A fresh process per case keeps one case's high-water mark and allocator state out of the
next one's figures, and keeps hundreds of MiB out of the long-lived pytest process.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import json
import os
import resource
import ssl
import subprocess
import sys
import time
import tracemalloc
from dataclasses import asdict, dataclass
from typing import Any

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass(frozen=True)
class MemoryCase:
    url: str  # full URL of the body, e.g. https://127.0.0.1:PORT/bytes/1048576
    ca: str
    mode: str  # "stream" (iter_bytes(chunk_size)) or "read" (.read() / .content)
    api: str  # "sync" or "async"
    http2: bool
    chunk_size: int
    target: str  # module to import: httpx or a fork
    cpu: int | None = None  # pin the probe to this core (the client's)


class ProbeError(RuntimeError):
    """The probe subprocess failed; the message is its last line of output."""


def _current_rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _reset_peak_rss() -> bool:
    """Reset the kernel's RSS high-water mark (Linux >= 4.0), so the next peak is ours."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def _peak_rss() -> int:
    """VmHWM (reset by _reset_peak_rss); ru_maxrss, the peak since start, where it is not."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def _download_sync(client: Any, case: MemoryCase) -> int:
    if case.mode == "read":
        return len(client.get(case.url).content)
    total = 0
    with client.stream("GET", case.url) as response:
        for chunk in response.iter_bytes(case.chunk_size):
            total += len(chunk)
    return total


async def _download_async(client: Any, case: MemoryCase) -> int:
    if case.mode == "read":
        response = await client.get(case.url)
        return len(response.content)
    total = 0
    async with client.stream("GET", case.url) as response:
        async for chunk in response.aiter_bytes(case.chunk_size):
            total += len(chunk)
    return total


def _measure(download: Any) -> dict[str, Any]:
    gc.collect()
    peak_reset = _reset_peak_rss()
    rss_before = _current_rss()
    started = time.perf_counter()
    body = download()
    seconds = time.perf_counter() - started
    peak = _peak_rss()
    gc.collect()
    tracemalloc.start()
    download()
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"body_bytes": body, "seconds": seconds,
            "throughput_mb_s": body / seconds / 1e6 if seconds > 0 else None,
            "peak_rss_bytes": peak, "rss_before_bytes": rss_before,
            "rss_growth_bytes": max(0, peak - rss_before), "peak_rss_reset": peak_reset,
            "tracemalloc_peak_bytes": traced_peak}


def run_case(case: MemoryCase) -> dict[str, Any]:
    """Runs inside the probe subprocess."""
    if case.cpu is not None:
        os.sched_setaffinity(0, {case.cpu})
    target = importlib.import_module(case.target)
    context = ssl.create_default_context(cafile=case.ca)
    if case.api == "sync":
        with target.Client(verify=context, http2=case.http2, timeout=60) as client:
            client.get(case.url.split("/bytes/")[0] + "/get")  # connect outside the figures
            return _measure(lambda: _download_sync(client, case))

    async def main() -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        async with target.AsyncClient(verify=context, http2=case.http2, timeout=60) as client:
            await client.get(case.url.split("/bytes/")[0] + "/get")

            # Each download runs on this loop from a worker thread, so _measure stays sync.
            def download() -> int:
                return asyncio.run_coroutine_threadsafe(
                    _download_async(client, case), loop).result()
            return await asyncio.to_thread(_measure, download)

    return asyncio.run(main())


def probe(case: MemoryCase, timeout: float = 120.0) -> dict[str, Any]:
    """Run ``case`` in a fresh interpreter and return its measurements."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [REPO_ROOT, os.environ.get("PYTHONPATH")]))}
    try:
        done = subprocess.run([sys.executable, "-m", "bench.memory_probe",
                               json.dumps(asdict(case))], capture_output=True, text=True,
                              timeout=timeout, env=env, cwd=REPO_ROOT, check=False)
    except subprocess.TimeoutExpired:
        raise ProbeError(f"memory probe over {timeout:g} s for {case.url}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise ProbeError(f"memory probe exited {done.returncode}: {last}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m bench.memory_probe '<json MemoryCase>'", file=sys.stderr)
        return 2
    try:
        case = MemoryCase(**json.loads(argv[0]))
    except (ValueError, TypeError) as error:
        print(f"memory probe: bad case: {error}", file=sys.stderr)
        return 2
    print(json.dumps(run_case(case)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
