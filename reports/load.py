"""Find and read every result file under one or more results roots.

The layout is ``<root>/<run>/<target>/{conformance*.json, bench*.json}`` (see
``harness.schema``). Several roots merge: a CI matrix with one tox environment per job
uploads one ``results/`` each, and the report job downloads them side by side.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.schema import RERUN_SUFFIX
from reports.errors import InputError
from reports.readers import read_bench, read_conformance

REPORT_DIRECTORY = "report"


@dataclass
class TargetResults:
    """The result files of one target in one run, oldest first."""

    run: str
    target: str
    conformance: list[tuple[Path, dict[str, Any]]] = field(default_factory=list)
    bench: list[tuple[Path, dict[str, Any]]] = field(default_factory=list)

    @property
    def latest_conformance(self) -> tuple[Path, dict[str, Any]] | None:
        """A rerun in the same run writes conformance-2.json: the last one written counts."""
        return self.conformance[-1] if self.conformance else None

    @property
    def latest_complete_conformance(self) -> tuple[Path, dict[str, Any]] | None:
        """The last file that covered the whole catalogue (see ``is_complete``)."""
        complete = [entry for entry in self.conformance if is_complete(entry[1])]
        return complete[-1] if complete else None

    def only(self, entry: tuple[Path, dict[str, Any]]) -> TargetResults:
        """These results narrowed to one conformance file (and no benchmarks)."""
        return TargetResults(self.run, self.target, [entry])


@dataclass
class Run:
    """One run (one tox invocation, or one CI workflow with a shared ``HARNESS_RUN``)."""

    name: str
    directories: list[Path] = field(default_factory=list)
    targets: dict[str, TargetResults] = field(default_factory=dict)
    # target -> the run its conformance results were taken from, when not this run
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def finished(self) -> dt.datetime:
        """The newest timestamp recorded in the run's files (directory time if none)."""
        stamps = [stamp for results in self.targets.values()
                  for _, document in results.conformance + results.bench
                  if (stamp := document_time(document)) is not None]
        if stamps:
            return max(stamps)
        mtime = max(directory.stat().st_mtime for directory in self.directories)
        return dt.datetime.fromtimestamp(mtime, dt.timezone.utc)


def load_results(roots: Iterable[Path]) -> dict[str, Run]:
    """Every run under ``roots``, by name, oldest first. Bad files raise InputError."""
    runs: dict[str, Run] = {}
    for root in roots:
        if not root.is_dir():
            raise InputError(root, "no such results directory")
        for run_directory in sorted(_subdirectories(root)):
            load_run_directory(run_directory, runs)
    if not any(run.targets for run in runs.values()):
        names = ", ".join(str(root) for root in roots)
        raise InputError(names, "no result files (expected <run>/<target>/conformance*.json "
                                "or bench*.json)")
    ordered = sorted((run for run in runs.values() if run.targets),
                     key=lambda run: (run.finished, run.name))
    return {run.name: run for run in ordered}


def is_complete(document: dict[str, Any]) -> bool:
    """A conformance file that covered the whole catalogue: one a comparison can rest on.

    A run restricted with ``-k``/``--claim`` (or cut short) is marked ``partial``; so is a
    benchmark file of a run that left benchmarks out (in ``machine_info.harness``).
    """
    harness = (document.get("machine_info") or {}).get("harness") or {}
    return not (document.get("partial") or harness.get("partial"))


def newest_complete(runs: dict[str, Run], target: str) -> TargetResults | None:
    """The target's newest complete conformance results across ``runs`` (oldest first)."""
    for run in reversed(runs.values()):
        results = run.targets.get(target)
        entry = results.latest_complete_conformance if results else None
        if results is not None and entry is not None:
            return results.only(entry)
    return None


def report_run(runs: dict[str, Run], name: str, explicit: bool) -> Run:
    """The run a report shows: run ``name``, with each target's conformance taken from
    its newest complete run unless the run was named explicitly (then it is shown as is).

    ``sources`` says which targets' conformance came from another run.
    """
    chosen = runs[name]
    if explicit:
        return chosen
    view = Run(chosen.name, chosen.directories)
    targets = {target for run in runs.values() for target in run.targets
               if run.targets[target].conformance} | set(chosen.targets)
    for target in targets:
        own = chosen.targets.get(target)
        complete = newest_complete(runs, target)
        bench = own.bench if own else []
        if complete is None:  # never a complete run: the newest partial one, marked
            if own is None:
                continue
            results = TargetResults(own.run, target, own.conformance[-1:], bench)
            if own.conformance:
                view.sources[target] = f"{own.run} (partial: no complete run)"
        else:
            results = TargetResults(complete.run, target, complete.conformance, bench)
            if complete.run != chosen.name:
                view.sources[target] = complete.run
        view.targets[target] = results
    return view


def load_run_directory(run_directory: Path, runs: dict[str, Run]) -> None:
    """Add the targets found in one ``<root>/<run>`` directory to ``runs``."""
    run = runs.setdefault(run_directory.name, Run(run_directory.name))
    run.directories.append(run_directory)
    for target_directory in sorted(_subdirectories(run_directory)):
        if target_directory.name == REPORT_DIRECTORY or target_directory.name.endswith(
                RERUN_SUFFIX):
            continue  # a target's reruns are read with it (reports/upgrade.py, with_reruns)
        results = load_target_directory(target_directory, run.name)
        if results is None:
            continue
        merged = run.targets.setdefault(results.target, TargetResults(run.name, results.target))
        merged.conformance.extend(results.conformance)
        merged.bench.extend(results.bench)


def load_target_directory(directory: Path, run: str | None = None) -> TargetResults | None:
    """The result files in one ``<run>/<target>`` directory, or None if it holds none."""
    results = TargetResults(run or directory.parent.name, directory.name)
    results.conformance = [(path, read_conformance(path))
                           for path in result_files(directory, "conformance")]
    results.bench = [(path, read_bench(path)) for path in result_files(directory, "bench")]
    if not results.conformance and not results.bench:
        return None
    return results


def result_files(directory: Path, kind: str) -> list[Path]:
    """``kind.json``, ``kind-2.json``, ... in the order they were written."""
    pattern = re.compile(rf"{re.escape(kind)}(?:-(\d+))?\.json")
    found = [(int(match.group(1) or 1), path) for path in directory.iterdir()
             if (match := pattern.fullmatch(path.name)) and path.is_file()]
    return [path for _, path in sorted(found)]


def document_time(document: dict[str, Any]) -> dt.datetime | None:
    """When a result document was written: conformance ``started``, benchmark ``datetime``."""
    environment = document.get("environment") or {}
    harness = (document.get("machine_info") or {}).get("harness") or {}
    for value in (document.get("started"), document.get("datetime"),
                  environment.get("timestamp"), harness.get("timestamp")):
        if isinstance(value, str):
            try:
                stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.timezone.utc)
    return None


def natural_key(name: str) -> list[Any]:
    """Sort key that compares runs of digits as numbers: test[9] before test[10]."""
    return [(0, int(part)) if part.isdigit() else (1, part)
            for part in re.split(r"(\d+)", name) if part]


def target_key(name: str) -> list[Any]:
    """Sort key for targets: package first, then its version numbers as numbers.

    httpx-0.27.2 < httpx-0.28.1 < httpx-1.0.dev6 < httpx2 < httpxr < httpxyz.
    """
    package, _, version = name.partition("-")
    return [(1, package), *natural_key(version)]


def _subdirectories(directory: Path) -> list[Path]:
    return [path for path in directory.iterdir()
            if path.is_dir() and not path.name.startswith(".")]
