"""Timed headlines, FROM and TO interleaved round by round against one server.

Both sides' workers (upgrade/timing_worker.py, each in its own environment) stay up for the
whole measurement, pinned to the same core, the server (granian, the bench's server) to
another. Every round runs a scenario once on each side, in alternating order (AB, BA, ...),
so drift in the machine's mood lands on both sides alike; the figure is the median of the
per-round ratios TO/FROM of client CPU time, with a distribution-free 95 % confidence
interval for that median (order statistics of the binomial). Timings inform: they never
set the exit code (counts do; see docs/upgrade.md).
"""

from __future__ import annotations

import json
import math
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any

from scipy.stats import binom

from bench.pinning import cores
from server.process import ServerProcess
from upgrade.suites import Side, side_environment

SCENARIOS = ("pooled-http", "pooled-https", "async-serial", "http2-gathered", "stream-1MiB")
# Enough rounds to call a planted 10 % slowdown "slower" in most draws of an A/A run, with
# no false alarm (measured at 15 to 150: docs/upgrade.md, "Can the timings see 10 %?")
ROUNDS = 100
ROUND_SECONDS = 0.12  # one side's share of a round, calibrated on FROM
MAX_UNITS = 2000
ANSWER_TIMEOUT = 60.0
MIN_EFFECT = 0.05  # a median ratio inside 1 +- 5 % is not called slower or faster
CONFIDENCE = 0.95


@dataclass
class Headline:
    scenario: str
    units: int = 0
    cpu_ratios: list[float] = field(default_factory=list)
    wall_ratios: list[float] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        low, high = median_interval(self.cpu_ratios)
        return {"scenario": self.scenario, "units": self.units, "rounds": len(self.cpu_ratios),
                "cpu_ratio": median_or_none(self.cpu_ratios), "cpu_ratio_low": low,
                "cpu_ratio_high": high, "wall_ratio": median_or_none(self.wall_ratios),
                "verdict": self.verdict(), "error": self.error,
                "cpu_ratios": self.cpu_ratios, "wall_ratios": self.wall_ratios}

    def verdict(self) -> str:
        if self.error:
            return "not measured"
        low, high = median_interval(self.cpu_ratios)
        if low is None or high is None:
            return "not measured"
        if low > 1 + MIN_EFFECT:
            return "slower"
        if high < 1 - MIN_EFFECT:
            return "faster"
        if low >= 1 - MIN_EFFECT and high <= 1 + MIN_EFFECT:
            return f"same within {MIN_EFFECT:.0%}"
        return "not shown either way"


def median_or_none(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def median_interval(values: list[float]) -> tuple[float | None, float | None]:
    """A distribution-free CONFIDENCE interval for the median: order statistics k, n-k+1."""
    n = len(values)
    if n < 6:  # too few rounds for a 95 % interval from order statistics
        return None, None
    ordered = sorted(values)
    k = int(binom.ppf((1 - CONFIDENCE) / 2, n, 0.5))  # lower index (1-based rank k)
    k = max(k, 1)
    return ordered[k - 1], ordered[n - k]


class Worker:
    def __init__(self, side: Side, http: str, https: str, ca: str, core: int | None) -> None:
        environment = side_environment(side)
        if core is not None:
            environment["HARNESS_CLIENT_CORE"] = str(core)
        self.side = side
        self.process = subprocess.Popen(
            [str(side.environment.python), "-m", "upgrade.timing_worker", http, https, ca],
            cwd=str(environment["PYTHONPATH"]), env=environment, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def measure(self, scenario: str, units: int) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{scenario} {units}\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()  # the worker's own requests are bounded
        if not line:
            error = (self.process.stderr.read() if self.process.stderr else "").strip()
            return {"error": f"worker ended: {error.splitlines()[-1:] or 'no output'}"}
        return json.loads(line)

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def calibrate(worker: Worker, scenario: str) -> tuple[int, str | None]:
    """Units for one side's share of a round, from FROM's time for a few units."""
    units = 4
    for _ in range(6):  # bounded: at most 4 * 4**5 units tried
        answer = worker.measure(scenario, units)
        if "error" in answer:
            return 0, answer["error"]
        if answer["wall"] >= ROUND_SECONDS / 4 or units >= MAX_UNITS:
            scaled = math.ceil(units * ROUND_SECONDS / max(answer["wall"], 1e-6))
            return max(1, min(MAX_UNITS, scaled)), None
        units *= 4
    return min(units, MAX_UNITS), None


def measure(before: Side, after: Side, rounds: int = ROUNDS,
            progress: Any = print) -> list[Headline]:
    """Every scenario's headline, FROM and TO interleaved."""
    client_core, server_core = cores()
    headlines = []
    with ServerProcess(engine="granian", cpu=server_core) as server:
        workers = [Worker(side, server.http, server.https, server.ca, client_core)
                   for side in (before, after)]
        try:
            for scenario in SCENARIOS:
                headline = Headline(scenario)
                headlines.append(headline)
                units, error = calibrate(workers[0], scenario)
                warm = workers[1].measure(scenario, max(1, units // 4))
                headline.error = error or warm.get("error")
                if headline.error:
                    progress(f"  timings: {scenario}: not measured ({headline.error})")
                    continue
                headline.units = units
                started = time.monotonic()
                for round_number in range(rounds):
                    order = workers if round_number % 2 == 0 else workers[::-1]
                    answers = {w.side.role: w.measure(scenario, units) for w in order}
                    failed = [a["error"] for a in answers.values() if "error" in a]
                    if failed:
                        headline.error = failed[0]
                        break
                    old, new = answers["from"], answers["to"]
                    headline.cpu_ratios.append(new["cpu"] / max(old["cpu"], 1e-9))
                    headline.wall_ratios.append(new["wall"] / max(old["wall"], 1e-9))
                line = headline.as_dict()
                shown = (f"TO/FROM CPU {line['cpu_ratio']:.3f} [{line['cpu_ratio_low']:.3f}-"
                         f"{line['cpu_ratio_high']:.3f}]" if line["cpu_ratio_low"] else "")
                progress(f"  timings: {scenario}: {headline.verdict()} {shown} "
                         f"({len(headline.cpu_ratios)} rounds of {units}, "
                         f"{time.monotonic() - started:.0f} s)")
        finally:
            for worker in workers:
                worker.close()
    return headlines
