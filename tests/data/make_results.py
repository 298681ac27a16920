"""Writes the small hand-made result sets in tests/data/results (run once, output committed).

Two runs, built to the result contracts in the brief:
- 20261101T100000-1 (older): httpx-0.28.1 only, conformance and bench (history).
- 20261102T100000-2 (newest): httpx-0.27.2, httpx-0.28.1, httpx-1.0.dev6 (missing APIs),
  httpxr-0.1.0 (install failed: every claim not-installed); bench for 0.27.2 and 0.28.1.
The claim outcomes below are chosen by hand so the tests know the exact matrix and upgrade
rows; benchmark samples are seeded draws around hand-picked medians.

    PYTHONPATH=. python tests/data/make_results.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from harness import schema

HERE = Path(__file__).resolve().parent
ROOT = HERE / "results"
OLD_RUN, NEW_RUN = "20261101T100000-1", "20261102T100000-2"
OLD_TIME, NEW_TIME = "2026-11-01T10:00:00+00:00", "2026-11-02T10:00:00+00:00"
CHEATSHEET = "002_41fb3d32e4fe5cbe.txt"

# id -> (sentence, source)
CATALOGUE = {
    "sync.top-level-get": ("httpx.get() sends a one-off GET request.",
                           f"{CHEATSHEET} § Sync Requests"),
    "bodies.json-compact": ("json= sends compact JSON bytes (no spaces after separators).",
                            "httpx CHANGELOG 0.28.0"),
    "params.merge-with-query": ("params= merges with a query string already in the URL.",
                                f"{CHEATSHEET} § Sync Requests"),
    "redirects.not-followed-by-default": ("httpx does not follow redirects unless "
                                          "follow_redirects=True.",
                                          f"{CHEATSHEET} § Differences from requests"),
    "http2.one-connection": ("Concurrent HTTP/2 requests share one connection.",
                             f"{CHEATSHEET} § HTTP/2"),
    "base-url.trailing-slash": ("base_url gains a trailing slash before joining.",
                                "000_05300859a4c4da29.txt § base_url"),
}

# Per target: id -> (outcome, observed). requests' side is the same in every target.
OUTCOMES: dict[str, dict[str, tuple[str, Any]]] = {
    "httpx-0.27.2": {
        "sync.top-level-get": ("holds", 200),
        "bodies.json-compact": ("broken", '{"a": 1, "b": [1, 2]}'),
        "params.merge-with-query": ("holds", "a=1&b=2"),
        "redirects.not-followed-by-default": ("holds", 302),
        "http2.one-connection": ("holds", {"connections": 1}),
        "base-url.trailing-slash": ("holds", "http://h/api/items"),
    },
    "httpx-0.28.1": {
        "sync.top-level-get": ("holds", 200),
        "bodies.json-compact": ("holds", '{"a":1,"b":[1,2]}'),
        "params.merge-with-query": ("holds", "b=2"),
        "redirects.not-followed-by-default": ("holds", 302),
        "http2.one-connection": ("holds", {"connections": 1}),
        "base-url.trailing-slash": ("holds", "http://h/api/items"),
    },
    "httpx-1.0.dev6": {
        "sync.top-level-get": ("missing-api", None),
        "bodies.json-compact": ("holds", '{"a":1,"b":[1,2]}'),
        "params.merge-with-query": ("holds", "b=2"),
        "redirects.not-followed-by-default": ("broken", 200),
        "http2.one-connection": ("missing-api", None),
        "base-url.trailing-slash": ("holds", "http://h/api/items"),
    },
}
MESSAGES = {("httpx-1.0.dev6", "sync.top-level-get"): "module 'httpx' has no attribute 'get'",
            ("httpx-1.0.dev6", "http2.one-connection"): "Client() got an unexpected keyword "
                                                        "argument 'http2'",
            ("httpx-1.0.dev6", "redirects.not-followed-by-default"): "expected 302, got 200",
            ("httpx-0.27.2", "bodies.json-compact"): "body has spaces after separators"}
REQUESTS = {"sync.top-level-get": ("holds", 200),
            "bodies.json-compact": ("broken", '{"a": 1, "b": [1, 2]}'),
            "params.merge-with-query": ("holds", "a=1&b=2"),
            "redirects.not-followed-by-default": ("broken", 200),
            "base-url.trailing-slash": None,  # no requests side: requests has no base_url
            "http2.one-connection": None}
NOT_INSTALLED = ("httpxr-0.1.0", "could not install: No solution found when resolving "
                                 "dependencies: httpxr==0.1.0 has no wheel for cp311")


def environment(target: str, run: str, stamp: str) -> dict[str, Any]:
    package, _, version = target.partition("-")
    return {"target": target, "import_name": package.replace("-", "_"),
            "packages": {package: version, "requests": "2.32.3"}, "python": "3.11.2",
            "implementation": "CPython", "platform": "Linux-6.1-x86_64", "machine": "x86_64",
            "cpus": 2, "run": run, "timestamp": stamp}


def conformance(target: str, run: str, stamp: str) -> dict[str, Any]:
    claims = []
    for claim_id, (sentence, source) in CATALOGUE.items():
        if target == NOT_INSTALLED[0]:
            outcome, observed, message = "not-installed", None, NOT_INSTALLED[1]
        else:
            outcome, observed = OUTCOMES[target][claim_id]
            message = MESSAGES.get((target, claim_id), "")
        expected = "holds" if target == "httpx-0.28.1" else outcome
        side = REQUESTS[claim_id]
        claims.append({
            "id": claim_id, "sentence": sentence, "source": source, "outcome": outcome,
            "expected": expected, "unexpected": outcome != expected, "observed": observed,
            "message": message, "duration": 0.01,
            "requests": None if side is None else {"outcome": side[0], "observed": side[1],
                                                   "message": ""},
        })
    summary = {key: sum(c["outcome"] == key for c in claims) for key in schema.OUTCOMES}
    summary["unexpected"] = sum(c["unexpected"] for c in claims)
    return {"schema": schema.CONFORMANCE_SCHEMA, "schema_version": schema.SCHEMA_VERSION,
            "environment": environment(target, run, stamp), "started": stamp,
            "duration": 1.5, "summary": summary, "claims": claims}


def draws(rng: random.Random, median: float, count: int = 25, spread: float = 0.04) -> list:
    return [median * rng.lognormvariate(0, spread) for _ in range(count)]


def bench_entry(rng: random.Random, fullname: str, median: float, extra: dict[str, Any],
                headline: dict[str, Any] | None = None) -> dict[str, Any]:
    data = sorted(draws(rng, median))
    count = len(data)
    mean = sum(data) / count
    stddev = (sum((x - mean) ** 2 for x in data) / (count - 1)) ** 0.5
    q1, mid, q3 = data[count // 4], data[count // 2], data[3 * count // 4]
    if headline:
        extra = {**extra, "headline": headline}
    return {"group": None, "name": fullname.split("::")[-1], "fullname": fullname,
            "params": None, "param": None, "extra_info": extra, "options": {},
            "stats": {"min": data[0], "max": data[-1], "mean": mean, "stddev": stddev,
                      "rounds": count, "median": mid, "iqr": q3 - q1, "q1": q1, "q3": q3,
                      "ops": 1 / mean, "total": sum(data), "iterations": 1, "data": data}}


def headline(rng: random.Random, name: str, ratio: float, ideal: float | None, floor: float,
             unit: str, numerator: str, denominator: str) -> dict[str, Any]:
    samples = sorted(draws(rng, ratio, count=15, spread=0.05))
    return {"name": name, "ratio_median": samples[7], "ratio_q1": samples[3],
            "ratio_q3": samples[11], "ratio_samples": samples, "ideal": ideal,
            "floor": floor, "unit": unit, "numerator": numerator, "denominator": denominator}


def bench(target: str, run: str, stamp: str, speed: float, seed: int) -> dict[str, Any]:
    """``speed`` scales every timing, so one target is uniformly slower than another."""
    rng = random.Random(seed)
    bench_file = "bench/test_{}.py::{}"
    entries = [
        bench_entry(rng, bench_file.format("pooling", "test_pooled[http]"), 0.0004 * speed,
                    {"scenario": "pooling", "variant": "pooled", "transport": "http",
                     "engine": "granian", "client_cpu_us_per_request": 300.0 * speed,
                     "server_cpu_us_per_request": 90.0, "server_utilisation": 0.4,
                     "server_bound": False, "connections_opened": 1, "cv": 0.04},
                    headline(rng, "pooled/one-off", 9.0 / speed, None, 12.0, "x faster",
                             "one-off", "pooled")),
        bench_entry(rng, bench_file.format("pooling", "test_one_off[http]"), 0.0036,
                    {"scenario": "pooling", "variant": "one-off", "transport": "http",
                     "engine": "granian", "server_bound": False, "connections_opened": 50}),
        bench_entry(rng, bench_file.format("pooling", "test_floor[http]"), 0.00012,
                    {"scenario": "floor", "variant": "raw-socket", "transport": "http",
                     "engine": "granian", "server_utilisation": 0.95, "server_bound": True}),
    ]
    for n in (1, 10, 50):
        serial = 0.02 * n
        gather = 0.02 * (1 + n * 0.02 * speed)
        entries.append(bench_entry(
            rng, bench_file.format("fanout", f"test_serial[{n}]"), serial,
            {"scenario": "async-fanout", "variant": "serial", "n": n, "transport": "http"}))
        entries.append(bench_entry(
            rng, bench_file.format("fanout", f"test_gather[{n}]"), gather,
            {"scenario": "async-fanout", "variant": "gather", "n": n, "transport": "http"},
            headline(rng, f"gather/serial n={n}", serial / gather, float(n), float(n),
                     "x faster", "serial", "gather")))
    for size in (1 << 20, 8 << 20, 32 << 20):
        base_rss = 40 << 20
        entries.append(bench_entry(
            rng, bench_file.format("streaming", f"test_buffered[{size}]"), size / 2e9,
            {"scenario": "streaming-memory", "variant": "buffered", "body_bytes": size,
             "peak_rss_bytes": base_rss + 2 * size, "tracemalloc_peak_bytes": 2 * size}))
        streamed_rss = base_rss + (64 << 10)
        entries.append(bench_entry(
            rng, bench_file.format("streaming", f"test_streamed[{size}]"), size / 1.8e9,
            {"scenario": "streaming-memory", "variant": "streamed", "body_bytes": size,
             "peak_rss_bytes": streamed_rss, "tracemalloc_peak_bytes": 64 << 10},
            headline(rng, f"streamed/buffered peak memory {size >> 20} MiB",
                     streamed_rss / (base_rss + 2 * size), None, None, "x of buffered",
                     "streamed", "buffered") if size == 32 << 20 else None))
    harness = {**environment(target, run, stamp), "engine": "granian"}
    return {"machine_info": {"node": "ci", "machine": "x86_64", "system": "Linux",
                             "python_version": "3.11.2", "harness": harness},
            "commit_info": {"id": "0" * 40, "dirty": False, "branch": "main"},
            "benchmarks": entries, "datetime": stamp, "version": "5.3.1"}


def write(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1) + "\n")


def main() -> None:
    write(ROOT / OLD_RUN / "httpx-0.28.1" / "conformance.json",
          conformance("httpx-0.28.1", OLD_RUN, OLD_TIME))
    write(ROOT / OLD_RUN / "httpx-0.28.1" / "bench.json",
          bench("httpx-0.28.1", OLD_RUN, OLD_TIME, speed=1.0, seed=1))
    for target in ("httpx-0.27.2", "httpx-0.28.1", "httpx-1.0.dev6", NOT_INSTALLED[0]):
        write(ROOT / NEW_RUN / target / "conformance.json",
              conformance(target, NEW_RUN, NEW_TIME))
    write(ROOT / NEW_RUN / "httpx-0.27.2" / "bench.json",
          bench("httpx-0.27.2", NEW_RUN, NEW_TIME, speed=1.0, seed=2))
    write(ROOT / NEW_RUN / "httpx-0.28.1" / "bench.json",
          bench("httpx-0.28.1", NEW_RUN, NEW_TIME, speed=1.25, seed=3))


if __name__ == "__main__":
    main()
