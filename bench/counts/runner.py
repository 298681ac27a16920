"""Run the counted child under callgrind and strace; per-request counts for each scenario.

Start-up and imports are never counted: callgrind instruments only between the child's
client requests, and the strace log is cut at its marker calls. The runs are untimed.
Instruction counts do not depend on the machine's load, so the callgrind run is split in
CALLGRIND_CHILDREN children that run at once, on every core this process could use before
it pinned itself, by a fixed split of the scenarios (each scenario always runs after the
same ones: its count includes what they left behind). The strace run comes after them,
alone: how many reads a streamed body takes, and so how many system calls, depends on how
the bytes arrive, which a loaded machine changes (run beside the callgrind children, two
identical runs differed by 0.5-0.7 ioctl per request on the streaming scenarios). It is
the only run that reads /stats. Last, alone and with no tracer, a memory run takes the
heap figures of the scenarios that have them (tracemalloc: ``bench.counts.memory``), then
a line run, whose only tracer is its own ``sys.settrace``, counts the Python lines the
client's packages execute per request (``bench.counts.lines``). A
missing or unusable tool leaves its counts absent, with the reason, never zero.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.counts import callgrind
from bench.counts.scenarios import BY_NAME, Scenario
from bench.counts.strace_log import syscalls_by_region
from bench.counts.workload import IMPORT_PATH, WARMUP_UNITS, unit_label
from bench.pinning import available_cores

REPO_ROOT = Path(__file__).resolve().parents[2]
HASH_SEED = "0"  # str/bytes hashing decides dict layouts, and so instruction counts
CALLGRIND_TIMEOUT = 900.0
STRACE_TIMEOUT = 300.0
MEMORY_TIMEOUT = 120.0
LINES_TIMEOUT = 900.0  # quick: 118-143 s at load 7-12 here; full counts ~2.5x the requests
TOOLS = ("callgrind", "strace", "tracemalloc", "settrace")
CALLGRIND_CHILDREN = 2  # this machine's cores: the callgrind run is most of the time


@dataclass
class Counts:
    """What one scenario costs per request; ``None`` where not counted (``absent`` says why)."""

    scenario: str
    description: str
    deterministic: bool = True
    instructions_tolerance: float = 0.0
    syscall_tolerances: dict[str, float] = field(default_factory=dict)
    requests: int | None = None
    instructions_per_request: float | None = None
    syscalls_per_request: float | None = None
    syscalls_by_kind: dict[str, float] | None = None
    connections_per_request: float | None = None
    bytes_sent_per_request: float | None = None
    bytes_received_per_request: float | None = None
    h2_streams_per_request: float | None = None
    # The line pass (bench/counts/lines.py): Python lines the target's packages and its
    # protocol libraries execute per request, under sys.settrace in a child of its own.
    # Gated for every scenario, ``deterministic`` or not; ``lines_tolerance``: its measured
    # A/A spread where that exceeds the gate's default (docs/bench.md).
    python_lines_per_request: float | None = None
    lines_tolerance: float = 0.0
    # False: instructions reported, never gated (``Scenario.instructions_gated``).
    instructions_gated: bool = True
    count_run_wall_per_request: float | None = None  # under strace: not a speed figure
    # The memory pass (bench/counts/memory.py): "stream" and "read" scenarios get the heap
    # peak per variant ("h1 sync", ...) and body size, its growth per byte of body, and the
    # process's RSS high-water mark (information); "client" ones the heap and RSS per
    # default Client() held.
    memory: str = ""
    memory_bodies: list[int] | None = None
    heap_peak_bytes: dict[str, list[int]] | None = None
    heap_peak_per_body_byte: dict[str, float] | None = None
    peak_rss_bytes: int | None = None
    client_heap_bytes: float | None = None
    client_rss_bytes: float | None = None
    # The counted child's import path: {"entries": len(sys.path), "sniffio": importable};
    # counts depend on it (a failed import stats every entry; docs/bench.md, "Findings").
    import_path: dict[str, Any] | None = None
    absent: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def failures(absent: Mapping[str, str]) -> dict[str, str]:
    """The absent figures whose child failed (a request errored, a child crashed), as
    against a tool that is missing or was not asked for: the count is then not evidence."""
    return {what: why for what, why in absent.items() if "failed" in why or "Error" in why}


def failed_scenarios(document: Mapping[str, Any]) -> list[str]:
    """The scenarios of a bench.json whose counts have a failure (``failures``)."""
    found = []
    for bench in document.get("benchmarks") or []:
        counts = (bench.get("extra_info") or {}).get("counts") or {}
        if failures(counts.get("absent") or {}):
            found.append(str(counts.get("scenario") or bench.get("name")))
    return found


def child_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra or {})
    env["PYTHONHASHSEED"] = HASH_SEED
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([*paths, str(REPO_ROOT)])
    return env


def _first_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else "no output"


def run_child(mode: str, prefix: Sequence[str], spec: dict[str, Any], workdir: Path,
              env: Mapping[str, str], timeout: float, name: str = "",
              cpus: Sequence[int] = ()) -> tuple[dict[str, Any] | None, str]:
    """Run the workload under ``prefix``; (its results, "") or (None, why it failed).

    ``name`` tells the files of several children of one mode apart. ``cpus``: the cores
    the child may run on (default: this process's, pinned or not).
    """
    name = name or mode
    spec_path, result_path = workdir / f"{name}-spec.json", workdir / f"{name}-result.json"
    spec_path.write_text(json.dumps({**spec, "mode": mode}))
    command = [*prefix, sys.executable, "-m", "bench.counts.workload",
               str(spec_path), str(result_path)]
    with subprocess.Popen(command, cwd=REPO_ROOT, env=dict(env), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as child:
        if cpus and hasattr(os, "sched_setaffinity"):
            with contextlib.suppress(OSError):  # already gone: its exit code says why
                os.sched_setaffinity(child.pid, cpus)
        try:
            _, stderr = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            return None, f"{name} run took over {timeout:.0f} s"
    if child.returncode != 0 or not result_path.exists():
        return None, f"{name} run failed (exit {child.returncode}): {_first_line(stderr)}"
    return json.loads(result_path.read_text()), ""


def _import_path(results: dict[str, Counts], done: dict[str, Any] | None) -> None:
    """Record the child's import path shape (every child has the same environment)."""
    shape = (done or {}).get(IMPORT_PATH)
    if isinstance(shape, dict):
        for counts in results.values():
            counts.import_path = counts.import_path or dict(shape)


def split(scenarios: Sequence[Scenario], quick: bool, children: int) -> list[list[str]]:
    """The scenarios in ``children`` groups of similar rough cost, each in catalogue order.

    Fixed by the scenarios and the mode alone: the dearest first, each to the cheapest
    group so far. A scenario's count includes what the earlier scenarios of its child left
    behind (warm caches, interned names), so the split must not change between runs.
    """
    groups: list[list[Scenario]] = [[] for _ in range(max(1, min(children, len(scenarios))))]
    cost = {s.name: s.rough_cost * (s.units(quick) + WARMUP_UNITS) for s in scenarios}
    for scenario in sorted(scenarios, key=lambda s: -cost[s.name]):
        min(groups, key=lambda g: sum(cost[s.name] for s in g)).append(scenario)
    order = [s.name for s in scenarios]
    return [sorted((s.name for s in group), key=order.index) for group in groups if group]


def count(names: Sequence[str], urls: Mapping[str, str], ca: str, *, quick: bool,
          target_import: str = "httpx", tools: Sequence[str] = TOOLS,
          env: Mapping[str, str] | None = None, units: Mapping[str, int] | None = None,
          progress: Callable[[str], None] = print,
          children: int = CALLGRIND_CHILDREN) -> dict[str, Counts]:
    """Count ``names`` (scenario names) against the server at ``urls``; see the module doc."""
    scenarios = [BY_NAME[n] for n in names]
    results = {s.name: Counts(s.name, s.description, deterministic=s.deterministic,
                              instructions_tolerance=s.instructions_tolerance,
                              syscall_tolerances=dict(s.syscall_tolerances), memory=s.memory,
                              lines_tolerance=s.lines_tolerance,
                              instructions_gated=s.instructions_gated)
               for s in scenarios}
    spec = {"import": target_import, "urls": dict(urls), "ca": ca, "scenarios": list(names),
            "units": {s.name: (units or {}).get(s.name, s.units(quick)) for s in scenarios}}
    # The strace and line passes: fewer units where every request takes the same path.
    strace_spec, line_spec = ({**spec, "units": {
        s.name: (units or {}).get(s.name, s.pass_units(quick, fewer(s))) for s in scenarios}}
        for fewer in (lambda s: s.strace_units, lambda s: s.line_units))
    groups = split(scenarios, quick, children)
    environment = child_environment(env)
    with tempfile.TemporaryDirectory(prefix="httpx-harness-counts-") as tmp:
        workdir = Path(tmp)
        _instructions(results, spec, groups, workdir, environment, tools, progress)
        _syscalls_and_stats(results, strace_spec, workdir, environment, tools, progress)
        _memory(results, spec, workdir, environment, tools, progress)
        _lines(results, line_spec, workdir, environment, tools, progress)
    return results


def _mark_absent(results: dict[str, Counts], what: str, why: str) -> None:
    for counts in results.values():
        counts.absent[what] = why


def instructions_unavailable() -> str:
    """Why instructions cannot be counted on this machine, or "" when they can."""
    if shutil.which("valgrind") is None:
        return "valgrind not found (Debian: apt-get install valgrind)"
    return "" if callgrind.SUPPORTED else "callgrind client requests need x86-64"


def syscalls_unavailable() -> str:
    """Why system calls cannot be counted on this machine, or "" when they can."""
    return "" if shutil.which("strace") else "strace not found (Debian: apt-get install strace)"


def _instructions(results: dict[str, Counts], spec: dict[str, Any], groups: list[list[str]],
                  workdir: Path, env: Mapping[str, str], tools: Sequence[str],
                  progress: Callable[[str], None]) -> None:
    if "callgrind" not in tools:
        _mark_absent(results, "instructions", "not asked for")
        return
    why = instructions_unavailable()
    valgrind = shutil.which("valgrind")
    if why or valgrind is None:
        progress(f"counts: instructions absent: {why}")
        _mark_absent(results, "instructions", why)
        return
    started = time.monotonic()
    progress(f"counts: callgrind run of {len(results)} scenario(s) in {len(groups)} "
             "children...")
    with ThreadPoolExecutor(max_workers=len(groups), thread_name_prefix="callgrind") as pool:
        runs = [pool.submit(_callgrind_child, valgrind, f"callgrind-{index}",
                            {**spec, "scenarios": group}, workdir, env)
                for index, group in enumerate(groups)]
        finished = [run.result() for run in runs]
    progress(f"counts: callgrind run done in {time.monotonic() - started:.0f} s")
    for done, _, _ in finished:
        _import_path(results, done)
    for group, (done, dumps, why) in zip(groups, finished, strict=True):
        empty = dumps.get("(empty)", 0)
        for name in group:
            counts = results[name]
            seen = {} if done is None else done.get(name, {})
            if done is None or "error" in seen or name not in dumps:
                counts.absent["instructions"] = why or seen.get("error") or "no callgrind dump"
                continue
            counts.requests = seen["requests"]
            counts.instructions_per_request = _instructions_per_request(
                name, dumps, empty, seen["requests"])


def _instructions_per_request(name: str, dumps: Mapping[str, int], empty: int,
                              requests: int) -> float:
    """The region's mean, or where it was counted unit by unit the median unit's."""
    units = [count for unit in range(requests)
             if (count := dumps.get(unit_label(name, unit))) is not None]
    if not units:
        return (dumps[name] - empty) / requests
    return statistics.median(count - empty for count in units) * len(units) / requests


def _callgrind_child(valgrind: str, name: str, spec: dict[str, Any], workdir: Path,
                     env: Mapping[str, str]) -> tuple[dict[str, Any] | None, dict[str, int], str]:
    """One callgrind child: (its results, its dumps by region, why it failed or "").

    It may run on any core this process could use before it pinned itself (the strace
    child stays on the pinned core, with its tracer: a ptrace stop that must wake strace
    on another core made that run twice as long, 56 s against 25 s).
    """
    out = workdir / f"{name}.out"
    done, why = run_child("callgrind", [valgrind, *callgrind.VALGRIND_OPTIONS,
                                        f"--callgrind-out-file={out}"],
                          spec, workdir, env, CALLGRIND_TIMEOUT, name=name,
                          cpus=available_cores())
    return done, ({} if done is None else callgrind.read_dumps(out)), why


def _syscalls_and_stats(results: dict[str, Counts], spec: dict[str, Any], workdir: Path,
                        env: Mapping[str, str], tools: Sequence[str],
                        progress: Callable[[str], None]) -> None:
    strace = shutil.which("strace") if "strace" in tools else None
    prefix: list[str] = []
    trace = workdir / "strace.log"
    if strace is None:
        why = "not asked for" if "strace" not in tools else syscalls_unavailable()
        progress(f"counts: system calls absent: {why}")
        _mark_absent(results, "syscalls", why)
    else:
        prefix = [strace, "-f", "-qq", "-s", "64", "-e", "signal=none", "-o", str(trace)]
    started = time.monotonic()
    mode = "strace" if prefix else "plain"
    progress(f"counts: {mode} run of {len(results)} scenario(s)...")
    done, why = run_child(mode, prefix, spec, workdir, env, STRACE_TIMEOUT)
    progress(f"counts: {mode} run done in {time.monotonic() - started:.0f} s")
    _import_path(results, done)
    if done is None:
        for what in ("syscalls", "server") if prefix else ("server",):
            _mark_absent(results, what, why)
        return
    regions = syscalls_by_region(trace) if prefix else {}
    for name, counts in results.items():
        seen = done.get(name, {})
        if "error" in seen:
            counts.absent.setdefault("syscalls", seen["error"])
            counts.absent["server"] = seen["error"]
            continue
        requests = seen["requests"]  # the long region's extra requests over the short one's
        counts.requests = counts.requests or requests
        counts.count_run_wall_per_request = seen["long"]["wall"] / (2 * requests)
        if prefix:
            short, long = regions.get(f"{name}#short"), regions.get(f"{name}#long")
            if short is None or long is None:
                counts.absent["syscalls"] = "no marked region in the strace log"
            else:
                kinds = {k: (long[k] - short[k]) / requests for k in sorted(long | short)}
                counts.syscalls_by_kind = {k: v for k, v in kinds.items() if v}
                counts.syscalls_per_request = sum(kinds.values())
        _server_figures(counts, seen["short"]["stats"], seen["long"]["stats"], requests)


def _server_figures(counts: Counts, short: dict[str, Any], long: dict[str, Any],
                    requests: int) -> None:
    """Per request, from the difference of the two regions' /stats."""
    if short["requests"] != requests or long["requests"] != 2 * requests:
        counts.absent["server"] = (f"the server saw {short['requests']} and "
                                   f"{long['requests']} requests, not {requests} and "
                                   f"{2 * requests}")
        return

    def per_request(read: Callable[[dict[str, Any]], int]) -> float:
        return (read(long) - read(short)) / requests

    counts.connections_per_request = per_request(lambda s: s["connections"])
    counts.bytes_sent_per_request = per_request(lambda s: s.get("bytes_received", 0))
    counts.bytes_received_per_request = per_request(lambda s: s.get("bytes_sent", 0))
    counts.h2_streams_per_request = per_request(lambda s: s["http_versions"].get("HTTP/2", 0))


def _memory(results: dict[str, Counts], spec: dict[str, Any], workdir: Path,
            env: Mapping[str, str], tools: Sequence[str],
            progress: Callable[[str], None]) -> None:
    """The memory figures of the scenarios that have them, from one child with no tracer,
    on this process's core (the client's), after the tracers' runs: nothing else runs."""
    # Clients first: before any body has grown the heap, whose free memory would absorb
    # them (their RSS read 0 after the buffered reads).
    names = sorted((name for name, counts in results.items() if counts.memory),
                   key=lambda name: results[name].memory != "client")
    if not names:
        return
    if "tracemalloc" not in tools:
        for name in names:
            results[name].absent["memory"] = "not asked for"
        return
    started = time.monotonic()
    progress(f"counts: memory run of {len(names)} scenario(s)...")
    done, why = run_child("memory", [], {**spec, "scenarios": names}, workdir, env,
                          MEMORY_TIMEOUT)
    progress(f"counts: memory run done in {time.monotonic() - started:.0f} s")
    for name in names:
        counts, seen = results[name], ({} if done is None else done.get(name, {}))
        if done is None or "error" in seen:
            counts.absent["memory"] = why or seen.get("error") or "not measured"
        elif counts.memory == "client":
            counts.client_heap_bytes, counts.client_rss_bytes = seen["heap"], seen["rss"]
        else:
            bodies, peaks = seen["bodies"], seen["peaks"]
            counts.memory_bodies, counts.heap_peak_bytes = bodies, peaks
            counts.heap_peak_per_body_byte = {
                variant: (found[-1] - found[0]) / (bodies[-1] - bodies[0])
                for variant, found in peaks.items()}
            counts.peak_rss_bytes = seen["peak_rss"]


def _lines(results: dict[str, Counts], spec: dict[str, Any], workdir: Path,
           env: Mapping[str, str], tools: Sequence[str],
           progress: Callable[[str], None]) -> None:
    """Python lines per request (``bench.counts.lines``), from one child whose only tracer
    is the line tracer, last: two regions, N and 2N units, differenced like strace's."""
    if "settrace" not in tools:
        _mark_absent(results, "lines", "not asked for")
        return
    started = time.monotonic()
    progress(f"counts: line run of {len(results)} scenario(s)...")
    done, why = run_child("lines", [], spec, workdir, env, LINES_TIMEOUT)
    progress(f"counts: line run done in {time.monotonic() - started:.0f} s")
    for name, counts in results.items():
        seen = {} if done is None else done.get(name, {})
        if done is None or "error" in seen:
            counts.absent["lines"] = why or seen.get("error") or "not counted"
            continue
        lines = seen["long"]["lines"] - seen["short"]["lines"]
        counts.requests = counts.requests or seen["requests"]
        counts.python_lines_per_request = lines / seen["requests"]
