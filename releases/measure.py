"""One release measured as one side of an upgrade is: the same environments, suites, files.

A release is resolved starting from an anchor lock (the range's first release: a
dependency then changes only where a release requires it, as between FROM and TO of an
upgrade), installed in a virtualenv reused by lock (upgrade/environments.py), described
(upgrade/surface.py), and run through the conformance suite, the wire snapshot and the
work counts (upgrade/suites.py), its files kept in the release cache (releases/cache.py).
``Machine`` says what may run at once: ``lanes`` suites, and a count run only alone (the
counts use both cores of this machine, and must not share them).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import schema
from releases import cache
from upgrade.environments import BuildError, build, check_import, freeze, resolve
from upgrade.requirement import SpecError, parse
from upgrade.suites import Side, SuiteError, run_again, run_suite, sort_key

LOCK = "lock.txt"


@dataclass(frozen=True)
class Options:
    """What shapes a release's results besides the release: part of the cache's key."""
    extras: tuple[str, ...]
    import_name: str | None = None
    claims: tuple[str, ...] = ()
    scenarios: tuple[str, ...] = ()
    full_counts: bool = False

    def key(self) -> str:
        return cache.digest({"extras": self.extras, "import": self.import_name,
                             "claims": self.claims, "scenarios": self.scenarios,
                             "full_counts": self.full_counts})


@dataclass
class Measured:
    version: str
    directory: Path
    record: dict[str, Any]
    cached: bool

    @property
    def packages(self) -> dict[str, str]:
        return self.record.get("packages") or {}

    @property
    def surface(self) -> dict[str, Any] | None:
        path = self.directory / "surface.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    @property
    def unusable(self) -> str | None:
        """Why a default client cannot even be built with this release's environment (a
        release whose loose pin kept an older dependency it no longer works with: httpx
        0.25.1 beside httpcore 0.16.3), else None: then every claim fails the same way."""
        surface = self.surface or {}
        error = (surface.get("environment") or {}).get("trust", {}).get("error")
        return str(error) if error else None

    def latest(self, kind: str) -> Path | None:
        files = sorted(self.directory.glob(f"{kind}*.json"), key=sort_key)
        return files[-1] if files else None

    @property
    def lock(self) -> Path:
        return self.directory / LOCK


@dataclass
class Failed:
    version: str
    reason: str  # one line


@dataclass
class Machine:
    """``lanes`` suites at once; a count run waits for the others and runs alone."""
    lanes: int
    free: threading.Semaphore = field(init=False)
    counting: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.free = threading.Semaphore(self.lanes)

    @contextlib.contextmanager
    def shared(self) -> Iterator[None]:
        with self.free:
            yield

    @contextlib.contextmanager
    def alone(self) -> Iterator[None]:
        with self.counting:  # one taker of every lane at a time: no deadlock between two
            for _ in range(self.lanes):
                self.free.acquire()
        try:
            yield
        finally:
            for _ in range(self.lanes):
                self.free.release()


@dataclass
class Setting:
    """Everything a measurement needs beside the release."""
    distribution: str
    options: Options
    envs_root: Path
    machine: Machine
    say: Callable[[str], None]
    key: str = field(init=False)
    stopping: threading.Event = field(default_factory=threading.Event, init=False)
    cached_only: bool = False  # read what the cache has, measure nothing

    def __post_init__(self) -> None:
        self.key = self.options.key()


def first_lock(version: str, setting: Setting) -> Path:
    """The range's first release's lock: from the cache when it was measured, else
    resolved now (not installed), as a whole run would resolve it."""
    directory = cache.directory(setting.key, setting.distribution, version)
    if cache.read(setting.key, setting.distribution, version) is not None:
        return directory / LOCK
    spec = parse(f"{setting.distribution}=={version}", setting.options.import_name,
                 setting.options.extras)
    scratch = directory / "resolve"
    scratch.mkdir(parents=True, exist_ok=True)
    return resolve(spec, scratch, "anchor", None)


def measure(version: str, setting: Setting, anchor: Path | None) -> Measured | Failed:
    """The release's results, from the cache or measured now; Failed with one line why."""
    name = setting.distribution
    directory = cache.directory(setting.key, name, version)
    record = cache.read(setting.key, name, version)
    if record is not None:
        return Measured(version, directory, record, cached=True)
    if setting.stopping.is_set():
        return Failed(version, "interrupted")
    if setting.cached_only:
        return Failed(version, "not in the cache (--cached-only)")
    began = time.monotonic()
    try:
        record = run_all(version, setting, anchor, directory)
    except (BuildError, SuiteError, SpecError) as error:
        setting.say(f"{name} {version}: skipped: {error}")
        return Failed(version, str(error))
    record["seconds"] = round(time.monotonic() - began, 1)
    cache.write(setting.key, name, version, record)
    setting.say(f"{name} {version}: measured in {record['seconds']:.0f} s")
    return Measured(version, directory, record, cached=False)


def run_all(version: str, setting: Setting, anchor: Path | None,
            directory: Path) -> dict[str, Any]:
    from upgrade.judge import describe_side

    options, machine = setting.options, setting.machine
    spec = parse(f"{setting.distribution}=={version}", options.import_name, options.extras)
    directory.mkdir(parents=True, exist_ok=True)
    durations: dict[str, float] = {}

    def timed(step: str, action: Callable[[], Any]) -> Any:
        began = time.monotonic()
        result = action()
        durations[step] = round(time.monotonic() - began, 1)
        return result

    with machine.shared():
        scratch = directory / "resolve"
        scratch.mkdir(exist_ok=True)
        lock = timed("resolve", lambda: resolve(spec, scratch, "lock", anchor))
        shutil.copyfile(lock, directory / LOCK)
        environment = timed("install", lambda: build(spec, lock, setting.envs_root))
        check_import(environment, "--import")  # the releases' and bisect's option
        packages = freeze(environment)
        side = Side("release", cache.target(setting.distribution, version), environment,
                    run=cache.run_name(setting.key))
        notes = []
        try:
            schema.write_json(directory / "surface.json",
                              timed("surface", lambda: describe_side(side)))
        except (SuiteError, ValueError) as error:
            notes.append(f"API and packaging not described: {error}")
        timed("conformance", lambda: run_suite(side, "conformance",
                                               claims=list(options.claims) or None))
        timed("snapshot", lambda: run_suite(side, "snapshot"))
    with machine.alone():
        timed("counts", lambda: run_suite(side, "counts", quick_counts=not options.full_counts,
                                          scenarios=list(options.scenarios) or None))
    return {"distribution": setting.distribution, "version": version,
            "requirement": spec.install, "import": spec.import_name,
            "packages": packages, "durations": durations, "notes": notes,
            "options": {"claims": list(options.claims), "scenarios": list(options.scenarios),
                        "full_counts": options.full_counts}}


def measure_again(release: Measured, setting: Setting, claims: list[str],
                  cases: list[str]) -> str | None:
    """The claims and wire cases run again on a release until each has flaky.RERUNS reruns
    (kept beside its cached files: a pair of releases asks again only for what is new);
    None, or one line why they could not be (then they are judged on the runs there are)."""
    from reports import flaky

    if setting.cached_only:
        return "--cached-only: judged on the reruns the cache has"
    try:
        spec = parse(f"{setting.distribution}=={release.version}",
                     setting.options.import_name, setting.options.extras)
        with setting.machine.shared():
            environment = build(spec, release.lock, setting.envs_root)
            side = Side("release", release.directory.name, environment,
                        run=release.directory.parent.name)
            run_again(side, claims, cases, flaky.RERUNS)
    except (BuildError, SuiteError, SpecError) as error:
        return f"{release.version}: could not run the differing items again: {error}"
    return None
