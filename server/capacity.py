"""``python -m server.capacity``: how many small requests per second each listener sustains.

Measured with h2load (Debian's nghttp2-client), a client that is not under test, with the
server and h2load pinned to different cores where there are two. Reports requests per
second and the CPU each side spent per request, so benchmarks know when the server, not
the client, is the bottleneck.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

from server.process import ServerProcess

# (label, listener, h2load flags): h2load speaks HTTP/2 unless told --h1.
CASES = (
    ("https  HTTP/2 (ALPN h2)", "https", []),
    ("https_h1 HTTP/1.1", "https_h1", ["--h1"]),
    ("http   HTTP/1.1", "http", ["--h1"]),
    ("http   h2c (prior knowledge)", "http", []),
)


@dataclass
class Measurement:
    label: str
    requests_per_second: float
    succeeded: int
    server_cpu_us: float  # per request
    client_cpu_us: float  # per request (h2load)
    server_utilisation: float  # server CPU seconds per wall second (1.0 = one core busy)


def _pin(cpu: int | None) -> None:
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})


def run_h2load(url: str, flags: list[str], seconds: float, clients: int, streams: int,
               cpu: int | None) -> tuple[str, float]:
    """Run h2load for ``seconds``; return its output and the CPU seconds it used."""
    # -m on HTTP/1.1 would pipeline, which hypercorn does not serve: one at a time there.
    per_connection = 1 if "--h1" in flags else streams
    # No warm-up phase: its requests would cost CPU without being counted.
    command = ["h2load", "-D", f"{seconds:g}", "-c", str(clients),
               "-m", str(per_connection), "-t", "1", *flags, url]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               preexec_fn=lambda: _pin(cpu))
    try:
        output, _ = process.communicate(timeout=seconds + 30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise RuntimeError(f"h2load did not finish in {seconds + 30:g} s") from None
    # h2load has exited; its rusage is in our children's totals.
    usage = os.times()
    return output.decode(errors="replace"), usage.children_user + usage.children_system


def measure(engine: str, seconds: float, clients: int, streams: int) -> list[Measurement]:
    two_cores = (os.cpu_count() or 1) >= 2
    results = []
    process = ServerProcess(engine=engine, cpu=1 if two_cores else None)
    info = process.start()
    try:
        for label, listener, flags in CASES:
            url = info.url(listener) + "/get"
            cpu_before = process.cpu_seconds()
            client_before = os.times().children_user + os.times().children_system
            output, client_after = run_h2load(url, flags, seconds, clients, streams,
                                              0 if two_cores else None)
            server_cpu = process.cpu_seconds() - cpu_before
            rate = re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", output)
            done = re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded",
                             output)
            if not rate or not done:
                raise RuntimeError(f"could not read h2load's output for {label}: "
                                   f"{output.strip().splitlines()[-1:]}")
            # hypercorn's HTTP/1.1 status line has an empty reason phrase ("200 "), which
            # h2load counts as failed although the exchange completed: count "done" there.
            succeeded = int(done.group(2)) or int(done.group(1))
            if succeeded == 0:
                raise RuntimeError(f"h2load completed no request on {label}")
            per = max(succeeded, 1)
            results.append(Measurement(label, float(rate.group(1)), succeeded,
                                       server_cpu / per * 1e6,
                                       (client_after - client_before) / per * 1e6,
                                       server_cpu / seconds))
    finally:
        process.stop()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server.capacity", description=__doc__)
    parser.add_argument("--engine", choices=("hypercorn", "granian"), default="hypercorn")
    parser.add_argument("--seconds", type=float, default=5.0, help="per listener (max 60)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent connections")
    parser.add_argument("--streams", type=int, default=10, help="max streams per HTTP/2 conn")
    args = parser.parse_args(argv)
    if shutil.which("h2load") is None:
        print("capacity: h2load not found (apt-get install nghttp2-client)", file=sys.stderr)
        return 2
    if not 0 < args.seconds <= 60:
        print("capacity: --seconds must be in (0, 60]", file=sys.stderr)
        return 2
    try:
        results = measure(args.engine, args.seconds, args.clients, args.streams)
    except Exception as error:
        print(f"capacity: {error}", file=sys.stderr)
        return 1
    print(f"engine={args.engine} seconds={args.seconds:g} clients={args.clients} "
          f"streams={args.streams}")
    print(f"| {'listener':30} | {'req/s':>7} | server CPU us/req | server cores busy "
          f"| h2load CPU us/req |")
    print("|---|---|---|---|---|")
    for m in results:
        print(f"| {m.label:30} | {m.requests_per_second:7.0f} | {m.server_cpu_us:17.0f} "
              f"| {m.server_utilisation:17.2f} | {m.client_cpu_us:17.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
