"""The harness's suites on one side of an upgrade, each a process of that side's Python.

Each suite writes its result files where it always does (results/<run>/<target>/), so the
existing readers (reports.upgrade, reports.compare) read them unchanged. A suite that
exits with anything but a result (pytest 0 or 1, the snapshot's 0) or writes no file could
not measure its side: that stops the verdict (could not judge), with its last line.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path

from harness import schema
from upgrade.environments import Environment

RESULT_CODES = {"conformance": (0, 1), "snapshot": (0,), "counts": (0, 1)}
TIMEOUTS = {"conformance": 600.0, "snapshot": 300.0, "counts": 900.0}
TAIL = 40
# Process groups of the suites running now, from any thread: stop_all() ends them when the
# process that started them is interrupted while other threads wait on them.
RUNNING: set[int] = set()
# Set by stop_all(): after an interruption no suite starts and none is tried again, so the
# threads still measuring end with SuiteError instead of starting the next attempt.
STOPPED = threading.Event()


class SuiteError(RuntimeError):
    """A suite could not measure its side: the message is one line."""


@dataclass(frozen=True)
class Side:
    role: str  # "from" or "to"
    target: str  # the result directory's name: distribution-version
    environment: Environment
    run: str | None = None  # the run its files go to; None: this process's run

    @property
    def run_name(self) -> str:
        return self.run or schema.run_id()

    @property
    def directory(self) -> Path:
        return schema.results_root() / self.run_name / self.target


def suite_command(kind: str, quick_counts: bool, claims: list[str] | None = None,
                  scenarios: list[str] | None = None,
                  cases: list[str] | None = None) -> list[str]:
    if kind == "conformance":
        # A narrowed run (--claim: reruns) in one process: three workers' start-up (an
        # interpreter and a server each) is most of a short run. 2 claims at load 22 (3 Dec):
        # 81 s wall under -n 3, 24 s in one process; 164 claims took 167 s in one.
        workers = [] if claims else ["-n", "3", "--dist", "worksteal"]
        command = ["-m", "pytest", "conformance", *workers, "-q", "-p", "no:cacheprovider"]
        for claim in claims or []:
            command += ["--claim", claim]
        return command
    if kind == "snapshot":
        # A case id is matched as a glob: escaped, it names that case only.
        return ["-m", "snapshot", *(word for case in cases or []
                                    for word in ("--only", glob.escape(case)))]
    tests = ([f"bench/test_counts.py::test_counts[{name}]" for name in scenarios]
             if scenarios else ["bench/test_counts.py"])
    return ["-m", "pytest", *tests, "-q", "-p", "no:cacheprovider",
            *(["--quick"] if quick_counts else [])]


def side_environment(side: Side) -> dict[str, str]:
    """The environment tox gives a suite, with this side's target (the suites clear the
    client-read variables themselves, and record which were set)."""
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith(("TOX_", "VIRTUAL_ENV"))}
    environment.update(
        HARNESS_TARGET=side.target, HARNESS_IMPORT=side.environment.spec.import_name,
        HARNESS_REQUIREMENT=side.environment.spec.install, HARNESS_GATE="0",
        PYTHONPATH=str(schema.REPO_ROOT), PYTHONDONTWRITEBYTECODE="1",
        VIRTUAL_ENV=str(side.environment.root), **{schema.RUN_ENV: side.run_name},
        PATH=f"{side.environment.root / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return environment


ATTEMPTS = 2  # a suite that measured nothing (a worker crashed under load) runs once more


def run_suite(side: Side, kind: str, quick_counts: bool = True,
              claims: list[str] | None = None, scenarios: list[str] | None = None,
              echo: bool = False, cases: list[str] | None = None) -> float:
    """Run one suite on one side; its wall time, or SuiteError with the reason.

    Each attempt's output is kept beside its result files (``<kind>-output[-N].log``). A
    suite that ran but measured nothing, or only part (an xdist worker lost to a
    pytest-timeout on a loaded machine: measured once in ten upgrade runs at load 8), gets
    one more attempt; a suite that could not start or ran past its time limit does not.
    """
    started = time.monotonic()
    for attempt in range(1, ATTEMPTS + 1):
        if STOPPED.is_set():
            raise SuiteError(f"{kind} on {side.target}: stopped (interrupted)")
        # The whole conformance suite must cover the whole catalogue (a narrowed run,
        # --claim or reruns, is partial by its own definition); every count run must
        # count each of its scenarios.
        whole = (kind == "conformance" and not claims) or kind == "counts"
        problem = attempt_suite(side, kind,
                                suite_command(kind, quick_counts, claims, scenarios, cases),
                                echo, whole)
        if problem is None:
            return time.monotonic() - started
        if attempt == ATTEMPTS:
            raise SuiteError(f"{problem} (attempt {attempt} of {ATTEMPTS})")
    raise AssertionError("unreachable")


def output_log(side: Side, kind: str) -> Path:
    side.directory.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        path = side.directory / (f"{kind}-output.log" if n == 1 else f"{kind}-output-{n}.log")
        if not path.exists():
            return path
    raise SuiteError(f"{kind} on {side.target}: more than 999 output logs")


def attempt_suite(side: Side, kind: str, arguments: list[str], echo: bool,
                  whole: bool) -> str | None:
    """One run of a suite: None when it measured its side, else why not (one line)."""
    file_kind = "bench" if kind == "counts" else kind
    before = set(side.directory.glob(f"{file_kind}*.json"))
    command = [str(side.environment.python), *arguments]
    tail: deque[str] = deque(maxlen=TAIL)
    log = output_log(side, kind)
    started = time.monotonic()
    try:
        with log.open("w", encoding="utf-8") as keep, subprocess.Popen(
                command, cwd=schema.REPO_ROOT, env=side_environment(side),
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                start_new_session=True) as process:
            assert process.stdout is not None
            RUNNING.add(process.pid)
            if STOPPED.is_set():  # stop_all() ran between the check above and the start
                stop_group(process.pid)
            # A timer, not a check per line: a suite that hangs silently is stopped too.
            watchdog = threading.Timer(TIMEOUTS[kind], stop_group, (process.pid,))
            watchdog.start()
            try:
                for line in process.stdout:
                    tail.append(line.rstrip())
                    keep.write(line)
                    if echo:
                        sys.stdout.write(f"    {line}")
                code = process.wait(timeout=60)
            except BaseException:  # interrupted (Ctrl-C, the other suite failed): stop it
                stop_group(process.pid)
                raise
            finally:
                watchdog.cancel()
                RUNNING.discard(process.pid)
            if time.monotonic() - started >= TIMEOUTS[kind]:
                raise SuiteError(f"{kind} on {side.target}: still running after "
                                 f"{TIMEOUTS[kind]:g} s, stopped (output: {log})")
    except OSError as error:
        raise SuiteError(f"{kind} on {side.target}: could not start: {error}") from None
    written = set(side.directory.glob(f"{file_kind}*.json")) - before
    if code in RESULT_CODES[kind] and written and not (
            whole and partial(max(written, key=sort_key))):
        return None
    last = next((line for line in reversed(tail) if line.strip()), "no output")
    what = ("wrote no result file" if not written else f"exit code {code}"
            if code not in RESULT_CODES[kind] else "measured only part of it")
    return (f"{kind} on {side.target} could not measure it ({what}): {last.strip()[:160]} "
            f"(output: {log})")


def partial(path: Path) -> bool:
    """A result file that covers only part of the suite: claims missing, claims the
    harness could not ask (``harness-error``: a server that did not start in a worker), or
    a count scenario whose child failed (a one-off https request the server dropped, once
    at load 9 under callgrind: ``bench.counts.runner.failures``)."""
    from bench.counts.runner import failed_scenarios

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        return bool(document.get("partial")) or bool(
            (document.get("summary") or {}).get("harness-error")) or bool(
            failed_scenarios(document))
    except (OSError, ValueError, AttributeError):
        return True


def sort_key(path: Path) -> tuple[int, str]:
    return len(path.name), path.name


def stop_group(pid: int) -> None:
    """Kill the suite and what it started (its server), by the group its PID leads."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def stop_all() -> None:
    """Stop every suite this process has running (their threads then see them fail), and
    start none after."""
    STOPPED.set()
    for pid in list(RUNNING):
        stop_group(pid)


def latest(side: Side, kind: str) -> Path:
    files = sorted(side.directory.glob(f"{kind}*.json"), key=sort_key)
    return files[-1]


def run_again(side: Side, claims: list[str], cases: list[str], times: int) -> float:
    """Each claim and wire case run again until it has ``times`` reruns on this side, in
    ``<target>~rerun/`` (reports/flaky.py judges them); the seconds it took."""
    again = replace(side, target=side.target + schema.RERUN_SUFFIX)
    have = rerun_counts(again.directory)
    seconds = 0.0
    for round_ in range(times):
        for kind, items in (("conformance", claims), ("snapshot", cases)):
            todo = [item for item in items if have.get((kind, item), 0) + round_ < times]
            if todo:
                seconds += run_suite(again, kind, claims=todo if kind == "conformance" else None,
                                     cases=todo if kind == "snapshot" else None)
    return seconds


def rerun_counts(directory: Path) -> dict[tuple[str, str], int]:
    """(kind, claim or case id) -> how many result files in a rerun directory hold it."""
    found: dict[tuple[str, str], int] = {}
    for kind, key in (("conformance", "claims"), ("snapshot", "cases")):
        for path in directory.glob(f"{kind}*.json"):
            try:
                items = json.loads(path.read_text(encoding="utf-8")).get(key) or []
            except (OSError, ValueError, AttributeError):
                continue  # a broken rerun file holds nothing: its items run again
            for item in items:
                found[(kind, item["id"])] = found.get((kind, item["id"]), 0) + 1
    return found
