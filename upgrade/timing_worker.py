"""One side's timing worker: ``python -m upgrade.timing_worker HTTP HTTPS CA`` (side's Python).

Builds its clients once, then answers one request per line on stdin, ``SCENARIO UNITS``,
with one JSON line on stdout: the wall and CPU seconds of UNITS units of that scenario.
The driver (upgrade/timing.py) alternates the two sides' workers round by round, so both
sides see the same machine. A scenario the target cannot run answers ``{"error": ...}``.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import json
import os
import ssl
import sys
import time
from collections.abc import Callable
from typing import Any

H2_BATCH = 10  # requests gathered at once on one HTTP/2 connection
STREAM_BYTES = 1 << 20


class Workloads:
    def __init__(self, module: Any, http: str, https: str, ca: str) -> None:
        context = ssl.create_default_context(cafile=ca)
        self.http, self.https = http, https
        self.client = module.Client()
        self.tls_client = module.Client(verify=context)
        self.loop = asyncio.new_event_loop()
        self.async_client = module.AsyncClient()
        self.h2_client = module.AsyncClient(http2=True, verify=context)
        self.units: dict[str, Callable[[int], None]] = {
            "pooled-http": lambda n: self.sync_get(self.client, f"{http}/get", n),
            "pooled-https": lambda n: self.sync_get(self.tls_client, f"{https}/get", n),
            "async-serial": lambda n: self.loop.run_until_complete(self.serial(n)),
            "http2-gathered": lambda n: self.loop.run_until_complete(self.gathered(n)),
            "stream-1MiB": self.stream,
        }

    @staticmethod
    def sync_get(client: Any, url: str, n: int) -> None:
        for _ in range(n):
            client.get(url).raise_for_status()

    async def serial(self, n: int) -> None:
        for _ in range(n):
            (await self.async_client.get(f"{self.http}/get")).raise_for_status()

    async def gathered(self, n: int) -> None:
        url = f"{self.https}/get"
        for _ in range(n):
            responses = await asyncio.gather(*(self.h2_client.get(url)
                                               for _ in range(H2_BATCH)))
            for response in responses:
                response.raise_for_status()

    def stream(self, n: int) -> None:
        for _ in range(n):
            with self.client.stream("GET", f"{self.http}/bytes/{STREAM_BYTES}") as response:
                size = sum(len(chunk) for chunk in response.iter_bytes())
            if size != STREAM_BYTES:
                raise RuntimeError(f"streamed {size} bytes of {STREAM_BYTES}")


def main(argv: list[str]) -> int:
    http, https, ca = argv
    client_core = os.environ.get("HARNESS_CLIENT_CORE")
    if client_core:
        os.sched_setaffinity(0, {int(client_core)})
    module = importlib.import_module(os.environ.get("HARNESS_IMPORT") or "httpx")
    work = Workloads(module, http, https, ca)
    for line in sys.stdin:
        scenario, _, units = line.strip().partition(" ")
        run = work.units.get(scenario)
        if run is None:
            answer: dict[str, Any] = {"error": f"unknown scenario {scenario}"}
        else:
            gc.collect()
            try:
                wall, cpu = time.perf_counter(), time.process_time()
                run(int(units))
                answer = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}
            except Exception as error:  # the target failed this scenario: say so, go on
                answer = {"error": f"{type(error).__name__}: {error}"[:300]}
        print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
