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
    pooling_slices: int  # per round: alternating short batches, their median (bench.measure)
    pooled_requests: int  # per slice, for clients that keep their connection
    oneoff_requests: int  # per slice, for one-off calls (each builds an SSL context)
    construction_per_batch: int  # per slice
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
    pooling_rounds=15, pooling_slices=8, pooled_requests=6, oneoff_requests=1,
    construction_per_batch=1,
    fanout_rounds=5, fanout_ns=(5, 20, 100), fanout_delay=0.05, semaphore_cap=10,
    overflow_rounds=3, overflow_n=400,
    http2_rounds=9, http2_n=100, http2_delay=0.05, small_pools=(1, 10),
    memory_sizes=(1 * MiB, 16 * MiB, 64 * MiB, 256 * MiB), chunk_size=64 * 1024,
)

QUICK = Budget(
    quick=True, warmup_rounds=1,
    pooling_rounds=5, pooling_slices=4, pooled_requests=5, oneoff_requests=1,
    construction_per_batch=1,
    fanout_rounds=3, fanout_ns=(5, 20), fanout_delay=0.05, semaphore_cap=10,
    overflow_rounds=1, overflow_n=200,
    http2_rounds=3, http2_n=50, http2_delay=0.05, small_pools=(1, 10),
    memory_sizes=(1 * MiB, 16 * MiB), chunk_size=64 * 1024,
)


def budget(quick: bool) -> Budget:
    return QUICK if quick else FULL


@dataclass(frozen=True)
class NetworkBudget:
    """The round-trip-time sweep (bench/test_rtt.py) and open-loop load (test_open_loop.py).

    Full: about 3 minutes for the sweep and under 1 minute for open loop; quick: about 30 s
    and 30 s. A sweep point's time grows with its RTT, so the largest RTTs dominate.
    """

    rtts_ms: tuple[float, ...]
    reference_rtt_ms: float  # the RTT whose ratios are the headlines
    rounds: int  # measured rounds per RTT (one warm-up round before the first RTT)
    pooled_requests: int  # per batch, pooled vs one-off
    h2_ns: tuple[int, ...]  # concurrent requests, HTTP/2 vs HTTP/1.1
    single_connection_ns: tuple[int, ...]  # N measured with max_connections=1 (N+2 RTTs)
    h2_pools: tuple[int, ...]  # HTTP/1.1 max_connections besides the default
    server_delay: float  # seconds of server think time for the "delayed" case
    gather_n: int  # gather vs serial; at most max_keepalive_connections (20): all reused
    # open loop
    capacity_seconds: float  # closed-loop capacity measurement, per protocol
    capacity_concurrency: int
    load_fractions: tuple[float, ...]  # of the measured capacity
    load_seconds: float  # scheduled sending time per load
    drain_seconds: float  # after the last send, how long to wait for answers
    max_in_flight: int  # more than this outstanding: a send is dropped and counted


NETWORK_FULL = NetworkBudget(
    rtts_ms=(0, 1, 5, 20, 50, 100), reference_rtt_ms=50, rounds=3, pooled_requests=3,
    h2_ns=(10, 50, 100), single_connection_ns=(10,), h2_pools=(1, 10), server_delay=0.02,
    gather_n=20, capacity_seconds=1.5, capacity_concurrency=16,
    load_fractions=(0.5, 0.8, 1.0, 1.2), load_seconds=2.0, drain_seconds=3.0,
    max_in_flight=2000,
)

NETWORK_QUICK = NetworkBudget(
    rtts_ms=(0, 50), reference_rtt_ms=50, rounds=2, pooled_requests=3,
    h2_ns=(10, 50), single_connection_ns=(10,), h2_pools=(1, 10), server_delay=0.02,
    gather_n=20, capacity_seconds=1.0, capacity_concurrency=16,
    load_fractions=(0.5, 0.8, 1.0, 1.2), load_seconds=1.0, drain_seconds=2.0,
    max_in_flight=1000,
)


def network_budget(quick: bool) -> NetworkBudget:
    return NETWORK_QUICK if quick else NETWORK_FULL
