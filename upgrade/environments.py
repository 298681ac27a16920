"""Two environments that differ only where the target makes them differ.

Resolved once: FROM with the harness's own dependencies (pyproject's ``bench`` group, under
constraints.txt) gives FROM's lock; TO is then resolved with FROM's lock as its starting
point (uv keeps every version already in an output file that still fits), so a package
changes only where TO requires it. Each lock is installed exactly (``uv pip sync``) into a
virtualenv of its own, made with the interpreter running this command, and reused when the
same lock is asked for again (the directory is named by the lock's hash).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from harness.schema import REPO_ROOT
from upgrade.requirement import Spec

RESOLVE_TIMEOUT = 300.0
INSTALL_TIMEOUT = 600.0
HARNESS_GROUP = "bench"  # server, conformance and bench dependencies: what the suites run on
READY = "harness-ready.json"  # written last: a directory without it is rebuilt


class BuildError(RuntimeError):
    """A side could not be resolved or installed: the message is one line."""


@dataclass(frozen=True)
class Environment:
    spec: Spec
    lock: Path
    root: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"


def uv() -> list[str]:
    found = shutil.which("uv")
    return [found] if found else [sys.executable, "-m", "uv"]


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    reasons = [line for line in lines if not line.lower().startswith(("hint:", "help:"))]
    return (reasons or lines or ["no output"])[-1][:300]


def run_uv(arguments: list[str], what: str, timeout: float) -> None:
    environment = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV",)}
    environment.pop("UV_CONSTRAINT", None)  # given explicitly: one source of constraints
    try:
        done = subprocess.run([*uv(), *arguments], capture_output=True, text=True,
                              timeout=timeout, env=environment)
    except subprocess.TimeoutExpired:
        raise BuildError(f"{what}: no answer in {timeout:g} s") from None
    if done.returncode != 0:
        raise BuildError(f"{what}: {last_line(done.stderr or done.stdout)}")


def resolve(spec: Spec, workdir: Path, name: str, start_from: Path | None) -> Path:
    """The lock (a pinned requirements file) for the harness plus ``spec``."""
    source = workdir / f"{name}.in"
    source.write_text(spec.install + "\n", encoding="utf-8")
    lock = workdir / f"{name}.txt"
    if start_from is not None:
        shutil.copyfile(start_from, lock)  # an existing output file is uv's preference
    run_uv(["pip", "compile", str(source), "--group", f"{REPO_ROOT / 'pyproject.toml'}:"
            f"{HARNESS_GROUP}", "--constraint", str(REPO_ROOT / "constraints.txt"),
            "--python", sys.executable, "--no-header", "--quiet", "--output-file", str(lock)],
           f"could not resolve {spec.given}", RESOLVE_TIMEOUT)
    return lock


def build(spec: Spec, lock: Path, envs_root: Path) -> Environment:
    """A virtualenv with exactly the lock installed (reused if it was built before)."""
    digest = hashlib.sha256(lock.read_bytes() + sys.version.encode()).hexdigest()[:16]
    root = envs_root / digest
    environment = Environment(spec, lock, root)
    if (root / READY).is_file() and environment.python.exists():
        return environment
    shutil.rmtree(root, ignore_errors=True)
    envs_root.mkdir(parents=True, exist_ok=True)
    run_uv(["venv", "--quiet", "--python", sys.executable, str(root)],
           f"could not create an environment for {spec.given}", INSTALL_TIMEOUT)
    run_uv(["pip", "sync", "--quiet", "--python", str(environment.python), str(lock)],
           f"could not install {spec.given}", INSTALL_TIMEOUT)
    (root / READY).write_text(json.dumps({"given": spec.given, "lock": lock.read_text()}),
                              encoding="utf-8")
    return environment


def freeze(environment: Environment) -> dict[str, str]:
    """Every distribution installed on that side (harness.packages, run on that side)."""
    code = ("import json; from harness.packages import installed_distributions as d; "
            "print(json.dumps(d()))")
    done = subprocess.run([str(environment.python), "-c", code], capture_output=True,
                          text=True, timeout=60, cwd=REPO_ROOT,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    if done.returncode != 0:
        raise BuildError(f"{environment.spec.given}: could not list its packages: "
                         f"{last_line(done.stderr)}")
    return dict(json.loads(done.stdout))


def check_import(environment: Environment, option: str = "--import-from/--import-to") -> None:
    """The target imports on its side, or one line naming the command's ``option`` that
    gives its import name."""
    spec = environment.spec
    code = f"import {spec.import_name}"
    done = subprocess.run([str(environment.python), "-c", code], capture_output=True,
                          text=True, timeout=60)
    if done.returncode == 0:
        return
    raise BuildError(f"{spec.given}: installed, but `import {spec.import_name}` failed "
                            f"({last_line(done.stderr)}); pass its import name "
                            f"({option})")


def prepare(before: Spec, after: Spec, workdir: Path,
            envs_root: Path) -> tuple[Environment, Environment]:
    """Both sides resolved (TO from FROM's lock) and installed."""
    workdir.mkdir(parents=True, exist_ok=True)
    lock_from = resolve(before, workdir, "from", None)
    lock_to = resolve(after, workdir, "to", lock_from)
    sides = build(before, lock_from, envs_root), build(after, lock_to, envs_root)
    for side in sides:
        check_import(side)
    return sides
