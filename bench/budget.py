"""How much each scenario measures, in full and in ``--quick`` mode: the one place for counts.

Full run: under 10 minutes on 2 cores. Quick run (CI): under 2 minutes. Every count here is
a bound: rounds, requests per batch, N, body sizes and per-request timeouts.
"""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True)
class Budget:
    quick: bool
    warmup_rounds: int
    # scenario 1: pooled vs one-off
    pooling_rounds: int
    pooled_requests: int  # per batch, for clients that keep their connection
    oneoff_requests: int  # per batch, for one-off calls (each builds an SSL context)
    construction_per_batch: int
    # scenario 2: async fan-out
    fanout_rounds: int
    fanout_ns: tuple[int, ...]
    fanout_delay: float  # seconds each /delay request waits on the server
    semaphore_cap: int
    overflow_rounds: int
    overflow_n: int  # above httpx's default max_connections (100)
    # scenario 3: HTTP/2 vs HTTP/1.1
    http2_rounds: int
    http2_n: int  # at most the servers' 100 concurrent streams
    http2_delay: float
    small_pools: tuple[int, ...]  # HTTP/1.1 max_connections besides the default
    # scenario 4: streaming memory
    memory_sizes: tuple[int, ...]  # body sizes in bytes
    chunk_size: int


FULL = Budget(
    quick=False, warmup_rounds=1,
    pooling_rounds=15, pooled_requests=50, oneoff_requests=8, construction_per_batch=8,
    fanout_rounds=5, fanout_ns=(5, 20, 100), fanout_delay=0.05, semaphore_cap=10,
    overflow_rounds=3, overflow_n=400,
    http2_rounds=9, http2_n=100, http2_delay=0.05, small_pools=(1, 10),
    memory_sizes=(1 * MiB, 16 * MiB, 64 * MiB, 256 * MiB), chunk_size=64 * 1024,
)

QUICK = Budget(
    quick=True, warmup_rounds=1,
    pooling_rounds=5, pooled_requests=20, oneoff_requests=4, construction_per_batch=4,
    fanout_rounds=3, fanout_ns=(5, 20), fanout_delay=0.05, semaphore_cap=10,
    overflow_rounds=1, overflow_n=200,
    http2_rounds=3, http2_n=50, http2_delay=0.05, small_pools=(1, 10),
    memory_sizes=(1 * MiB, 16 * MiB), chunk_size=64 * 1024,
)


def budget(quick: bool) -> Budget:
    return QUICK if quick else FULL
