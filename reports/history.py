"""The history store: one append-only CSV of every run's headlines and counts.

``python -m reports history add RESULTS_DIR... --store DIR`` appends one row per figure of
one run to ``DIR/history.csv``; earlier rows are never rewritten (the file is only ever
opened for appending, under a lock), so the store can live on a git branch, in a CI cache
or in a local folder and its diffs are plain added lines.

A row is one figure of one target in one run:

* ``headline``: a benchmark headline ratio (``value`` = median, ``q1``/``q3`` its spread);
* ``count``: counted work recorded by a benchmark (connections, streams, instructions,
  system calls, bytes: every numeric ``extra_info`` field whose name says it is a count);
* ``conformance``: how many claims had each outcome, and how many were unexpected.

Each row carries the run, its date, the commit, the environment (Python, platform, server
engine, the target's version) and the regression gate's verdict for the run, if the caller
knew it (``--gate``). A run is added once: adding a run the store already holds adds
nothing and says so (CI retries re-run the same step), whatever the results say now.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import fcntl
import io
import math
import os
import re
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from harness.schema import OUTCOMES
from reports.benchmarks import headline_label
from reports.errors import InputError
from reports.load import Run, load_results, target_key

STORE_FILE = "history.csv"
COLUMNS = ["run", "date", "commit", "target", "version", "kind", "name", "value", "q1", "q3",
           "unit", "better", "python", "platform", "engine", "gate", "added"]
GATE_VERDICTS = ("pass", "regression", "")
# extra_info fields that count work (the regression gate's currency). Matched on the
# field name, so counts another bench module records later are kept without a change here.
COUNT_FIELD = re.compile(r"instructions|syscalls|system_calls|connections|streams|"
                         r"bytes_sent|bytes_received|requests_per_connection|python_lines|"
                         r"client_heap_bytes|_count$|^count")
# Parameters and stated tolerances, not work done.
NOT_COUNTS = {"n", "body_bytes", "instructions_tolerance", "lines_tolerance"}


def store_path(store: Path) -> Path:
    return store / STORE_FILE


def run_rows(run: Run, commit: str, gate: str) -> list[dict[str, Any]]:
    """Every row one run contributes, targets in version order."""
    added = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    date = run.finished.isoformat(timespec="seconds")
    rows: list[dict[str, Any]] = []
    for target in sorted(run.targets, key=target_key):
        results = run.targets[target]
        environment = _environment(results)
        common = {"run": run.name, "date": date, "commit": commit, "target": target,
                  "version": _version(target, environment), "python":
                  environment.get("python", ""), "platform": environment.get("platform", ""),
                  "engine": environment.get("engine", ""), "gate": gate, "added": added}
        rows += [{**common, **row} for row in _figures(results)]
    return rows


def _figures(results: Any) -> Iterator[dict[str, Any]]:
    """The headline, count and conformance figures of one target's results."""
    latest: dict[str, dict[str, Any]] = {}
    for _, document in results.bench:
        for bench in document["benchmarks"]:
            latest[bench["fullname"]] = bench  # a later file's benchmark replaces an earlier
    for fullname, bench in latest.items():
        extra = bench.get("extra_info") or {}
        headline = extra.get("headline")
        if headline and _number(headline.get("ratio_median")) is not None:
            name = headline_label(headline.get("name") or bench.get("name") or fullname, extra)
            yield {"kind": "headline", "name": name,
                   "value": _number(headline["ratio_median"]),
                   "q1": _number(headline.get("ratio_q1")),
                   "q3": _number(headline.get("ratio_q3")),
                   "unit": headline.get("unit", ""), "better": headline.get("better", "")}
        for field, value in _count_fields(extra):
            yield {"kind": "count", "name": f"{fullname} [{field}]", "value": value,
                   "q1": None, "q3": None, "unit": field, "better": ""}
    if results.latest_conformance is not None:
        claims = results.latest_conformance[1]["claims"]
        for outcome in (*OUTCOMES, "unexpected"):
            if outcome == "unexpected":
                value = sum(bool(claim.get("unexpected")) for claim in claims)
            else:
                value = sum(claim.get("outcome") == outcome for claim in claims)
            yield {"kind": "conformance", "name": outcome, "value": value, "q1": None,
                   "q3": None, "unit": "claims", "better": ""}


def _count_fields(extra: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, float]]:
    """Numeric count fields of extra_info, one level of nesting flattened (counts.x)."""
    for key, value in extra.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and not prefix and key != "headline":
            yield from _count_fields(value, prefix=f"{key}.")
        elif (key not in NOT_COUNTS and COUNT_FIELD.search(key)
              and (number := _number(value)) is not None):
            yield name, number


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return None if math.isnan(value) else float(value)


def _environment(results: Any) -> dict[str, Any]:
    documents = [doc.get("environment") or {} for _, doc in results.conformance]
    documents += [(doc["machine_info"].get("harness") or {}) for _, doc in results.bench]
    return next((doc for doc in reversed(documents) if doc), {})


def _version(target: str, environment: dict[str, Any]) -> str:
    """The target's installed version, as its results recorded it."""
    packages = environment.get("packages") or {}
    package = environment.get("import_name") or target.partition("-")[0]
    return str(packages.get(package) or packages.get(target.partition("-")[0]) or "")


def commit_of(run: Run, given: str | None) -> str:
    """``given``, else $GITHUB_SHA, else the commit pytest-benchmark recorded, else git's."""
    if given:
        return given
    if os.environ.get("GITHUB_SHA"):
        return os.environ["GITHUB_SHA"]
    for results in run.targets.values():
        for _, document in results.bench:
            commit = (document.get("commit_info") or {}).get("id")
            if commit:
                return str(commit)
    try:
        found = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                               timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return found.stdout.strip() if found.returncode == 0 else ""


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[Any]:
    """The store file opened for appending, with an exclusive lock (two CI steps at once)."""
    with path.open("a+", encoding="utf-8", newline="") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _runs_in(handle: Any, path: Path) -> set[str]:
    """The runs a store file holds; its header and last line are checked first."""
    handle.seek(0)
    text = handle.read()
    if not text:
        return set()
    if not text.endswith("\n"):
        raise InputError(path, "the last line is incomplete (a write was interrupted); "
                               "remove it by hand, the earlier rows are intact")
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    if header != COLUMNS:
        raise InputError(path, f"not a history store: columns {header[:4]}..., expected "
                               f"{COLUMNS[:4]}...")
    return {row[0] for row in reader if row}


def add(roots: Sequence[Path], store: Path, run_name: str | None = None,
        commit: str | None = None, gate: str = "") -> tuple[str, int]:
    """Append the figures of one run (``run_name``, else the newest) to the store.

    Returns the run's name and the number of rows added (0: the store already held it).
    """
    if gate not in GATE_VERDICTS:
        raise InputError(gate, f"gate verdict must be one of {', '.join(GATE_VERDICTS[:2])}")
    runs = load_results(roots)
    if run_name is not None and run_name not in runs:
        raise InputError(run_name, f"no such run with results (runs: {', '.join(runs)})")
    run = runs[run_name] if run_name is not None else next(reversed(runs.values()))
    rows = run_rows(run, commit_of(run, commit), gate)
    if not rows:
        raise InputError(run.name, "no headlines, counts or conformance results to add")
    if store.exists() and not store.is_dir():
        raise InputError(store, "the store must be a directory")
    store.mkdir(parents=True, exist_ok=True)
    path = store_path(store)
    with _locked(path) as handle:
        if run.name in _runs_in(handle, path):
            return run.name, 0
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        if handle.tell() == 0:
            writer.writeheader()
        writer.writerows(rows)
        handle.seek(0, os.SEEK_END)
        handle.write(buffer.getvalue())  # one write: a reader sees whole rows or none
        handle.flush()
        os.fsync(handle.fileno())
    return run.name, len(rows)


def read(store: Path) -> pd.DataFrame:
    """Every row of the store, dates parsed; bad input raises InputError."""
    path = store_path(store)
    if not path.is_file():
        raise InputError(path, "no history store here (create one with 'python -m reports "
                               "history add RESULTS_DIR --store DIR')")
    with path.open(encoding="utf-8", newline="") as handle:
        try:
            _runs_in(handle, path)
            handle.seek(0)
            frame = pd.read_csv(handle, dtype={"run": str, "commit": str, "gate": str,
                                               "version": str}, keep_default_na=False,
                                na_values={"value": [""], "q1": [""], "q3": [""]})
        except (csv.Error, pd.errors.ParserError, UnicodeDecodeError) as error:
            raise InputError(path, f"unreadable: {str(error).splitlines()[0]}") from None
    try:
        frame["date"] = pd.to_datetime(frame["date"], utc=True, format="ISO8601")
        for column in ("value", "q1", "q3"):
            frame[column] = pd.to_numeric(frame[column])
    except (ValueError, TypeError) as error:
        raise InputError(path, f"a row has a bad date or number: {error}") from None
    if frame.empty:
        raise InputError(path, "the store holds no runs yet")
    return frame
