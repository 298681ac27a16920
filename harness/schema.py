"""Where result files live and how they are written: the one place for the result layout.

    results/<run>/<target>/conformance.json   conformance outcomes (see conformance/)
    results/<run>/<target>/conformance.xml    JUnit XML of the same session
    results/<run>/<target>/bench.json         pytest-benchmark JSON, unchanged format
    results/<run>/<target>/snapshot.json      the wire snapshot (see snapshot/)
    results/<run>/<target>~rerun/             the same files for the claims and cases run
                                              again because they differed (reports/flaky.py)
    results/<run>/report/                     what ``python -m reports`` writes

A run is one ``tox`` invocation (or one manual pytest session). A result file is never
overwritten: if a name is taken, the next free ``<kind>-2.json``, ``-3`` ... is used.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import platform
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
# The conformance.json contract: its "schema" tag, version, and the outcomes a claim can have.
CONFORMANCE_SCHEMA = "httpx-harness/conformance"
SCHEMA_VERSION = 1
OUTCOMES = ("holds", "broken", "missing-api", "setup-failed", "not-installed",
            "harness-error")
# Set by ``python -m targets run`` when the target failed to install: the reason, for the suite.
NOT_INSTALLED_ENV = "HARNESS_NOT_INSTALLED"
RUN_ENV = "HARNESS_RUN"
# <target> + this names the directory of <target>'s reruns: not a target of its own.
RERUN_SUFFIX = "~rerun"
# The snapshot.json contract: what a target did with each case of the fixed request grid.
SNAPSHOT_SCHEMA = "httpx-harness/snapshot"
SNAPSHOT_VERSION = 1
SNAPSHOT_OUTCOMES = ("response", "exception", "unsupported", "timeout", "not-run")


def results_root() -> Path:
    """``$HARNESS_RESULTS`` or ``results/`` at the repository root."""
    return Path(os.environ.get("HARNESS_RESULTS") or REPO_ROOT / "results")


@functools.lru_cache(maxsize=1)
def run_id() -> str:
    """The run this process belongs to.

    ``$HARNESS_RUN`` wins (CI sets it to share one run across jobs). Under tox every
    environment of one invocation shares the tox process as parent, so its PID and start
    time name the run; outside tox each process is a run of its own (computed once, so
    every file a process writes lands in the same run).
    """
    explicit = os.environ.get(RUN_ENV)
    if explicit:
        return explicit
    if os.environ.get("TOX_ENV_NAME"):
        tox = _outermost_tox_process()
        if tox is not None:
            started = dt.datetime.fromtimestamp(tox.create_time())
            return f"{started:%Y%m%dT%H%M%S}-tox{tox.pid}"
    return f"{dt.datetime.now():%Y%m%dT%H%M%S}-{os.getpid()}"


def _outermost_tox_process() -> Any:
    """The tox invocation this process runs under (``tox p`` starts a tox per environment)."""
    try:
        import psutil

        found = None
        for process in psutil.Process(os.getpid()).parents():
            words = [Path(word).name for word in process.cmdline()[:3]]
            if "tox" in words:
                found = process
        return found
    except Exception:  # psutil missing or a parent gone: no shared run
        return None


def target_name() -> str:
    """The target under test (``$HARNESS_TARGET``, set per tox environment)."""
    return os.environ.get("HARNESS_TARGET") or "local"


def target_import() -> str:
    """The module name the target is imported as (``$HARNESS_IMPORT``, default httpx)."""
    return os.environ.get("HARNESS_IMPORT") or "httpx"


def new_result_path(kind: str, suffix: str = ".json", run: str | None = None,
                    target: str | None = None) -> Path:
    """A path for a new result file of ``kind`` that no earlier file occupies."""
    directory = results_root() / (run or run_id()) / (target or target_name())
    directory.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        name = f"{kind}{suffix}" if n == 1 else f"{kind}-{n}{suffix}"
        path = directory / name
        try:
            path.touch(exist_ok=False)  # claim the name atomically
        except FileExistsError:
            continue
        return path
    raise RuntimeError(f"more than 999 {kind} files in {directory}")


def write_json(path: Path, data: Any) -> None:
    """Write JSON to a temporary name, then rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as out:
            json.dump(data, out, indent=2, default=str)
            out.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def package_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def environment() -> dict[str, Any]:
    """Versions of everything that shapes a result, recorded in every result file."""
    from harness.packages import installed_distributions

    packages = ["httpx", "httpcore", "h2", "h11", "requests", "urllib3", "anyio", "certifi",
                "hypercorn", "granian", "httpx2", "httpxyz", "httpxr"]
    return {
        "target": target_name(),
        "import_name": target_import(),
        "packages": {name: v for name in packages if (v := package_version(name))},
        # The full set, so a dependency release is seen (reports compare lists differences).
        "distributions": installed_distributions(),
        "python": sys.version.split()[0],
        # The interpreter, so the claims that differ can be run again in this environment.
        "executable": sys.executable,
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "run": run_id(),
        "timestamp": dt.datetime.now(dt.timezone.utc).isoformat(),
    }
