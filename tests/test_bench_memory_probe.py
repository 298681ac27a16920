"""The subprocess memory probe: sane numbers, and buffering that shows up as buffering."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench.memory_probe import REPO_ROOT, MemoryCase, ProbeError, probe

MiB = 1024 * 1024
CHUNK = 64 * 1024


def case(server, size: int, mode: str, api: str = "sync") -> MemoryCase:
    return MemoryCase(url=f"{server.https_h1}/bytes/{size}", ca=server.ca, mode=mode,
                      api=api, http2=False, chunk_size=CHUNK, target="httpx")


@pytest.fixture(scope="module")
def peaks(server) -> dict[tuple[str, int], dict]:
    return {(mode, size): probe(case(server, size, mode))
            for mode in ("read", "stream") for size in (1 * MiB, 8 * MiB)}


def test_probe_reports_the_whole_body_and_plausible_figures(peaks) -> None:
    for (_, size), seen in peaks.items():
        assert seen["body_bytes"] == size
        assert seen["seconds"] > 0 and seen["throughput_mb_s"] > 0
        assert seen["peak_rss_bytes"] >= seen["rss_before_bytes"] > 0
        assert seen["tracemalloc_peak_bytes"] > 0


def test_buffered_peak_grows_with_the_body_and_exceeds_the_stream(peaks) -> None:
    read_small, read_large = peaks["read", 1 * MiB], peaks["read", 8 * MiB]
    stream_large = peaks["stream", 8 * MiB]
    # .read() must hold at least the body; a stream must not.
    assert read_large["tracemalloc_peak_bytes"] >= 8 * MiB
    assert read_large["tracemalloc_peak_bytes"] > read_small["tracemalloc_peak_bytes"] + 4 * MiB
    assert stream_large["tracemalloc_peak_bytes"] < read_large["tracemalloc_peak_bytes"] / 4


def test_stream_peak_stays_flat_as_the_body_grows(peaks) -> None:
    small = peaks["stream", 1 * MiB]["tracemalloc_peak_bytes"]
    large = peaks["stream", 8 * MiB]["tracemalloc_peak_bytes"]
    assert large < 2 * small + 4 * CHUNK


def test_async_probe_measures_too(server) -> None:
    seen = probe(case(server, 2 * MiB, "read", api="async"))
    assert seen["body_bytes"] == 2 * MiB and seen["tracemalloc_peak_bytes"] >= 2 * MiB


def test_a_failing_probe_is_one_clear_error(server) -> None:
    broken = MemoryCase(url="http://127.0.0.1:9/bytes/10", ca=server.ca, mode="read",
                        api="sync", http2=False, chunk_size=CHUNK, target="httpx")
    with pytest.raises(ProbeError, match=r"exited 1: .*ConnectError"):
        probe(broken, timeout=30)


def test_bad_arguments_exit_2_with_one_line() -> None:
    done = subprocess.run([sys.executable, "-m", "bench.memory_probe", "{not json"],
                          capture_output=True, text=True, cwd=REPO_ROOT, check=False)
    assert done.returncode == 2
    assert done.stderr.startswith("memory probe: bad case:")
    assert len(done.stderr.strip().splitlines()) == 1
