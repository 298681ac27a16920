"""The project's two test environments: identical but for the client, FROM vs TO.

FROM's lock is the project with its declared test dependencies, pytest, and the client
forced to FROM (a uv override: the project's own range does not veto the question); TO's
lock starts from FROM's (uv keeps every pin that still fits), so only what TO requires
moves. Installed and reused as ``tox -e upgrade`` does (upgrade/environments.py). The
recorder is put on each environment's path by a ``.pth`` file naming a directory that holds
only the ``yourcode`` package and its entry point, so nothing else of the harness shadows the
project's modules.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from harness.schema import REPO_ROOT
from upgrade.environments import RESOLVE_TIMEOUT, Environment, build, check_import, run_uv
from upgrade.requirement import Spec
from yourcode import alias
from yourcode.alias import ALIASED
from yourcode.project import Project, declared

RECORDER_DISTRIBUTION = "yourcode_recorder-0.1.dist-info"


def resolve(project: Project, spec: Spec, workdir: Path, name: str,
            start_from: Path | None, keep: Spec | None = None) -> Path:
    """A lock with the client forced to ``spec`` (and ``keep`` too: FROM's httpx stays as it
    was on a fork's side, where the project still requires httpx)."""
    lines = [project.install_line(), "pytest", spec.install, *project.requirements]
    lines += [f"-r {path}" for path in project.requirement_files]
    source = workdir / f"{name}.in"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    override = workdir / f"{name}-override.txt"
    override.write_text("".join(f"{s.install}\n" for s in (spec, keep) if s), encoding="utf-8")
    lock = workdir / f"{name}.txt"
    if start_from is not None:
        lock.write_bytes(start_from.read_bytes())  # an existing output file is uv's preference
    groups = [arg for group in project.groups
              for arg in ("--group", f"{project.pyproject}:{group}")]
    run_uv(["pip", "compile", str(source), *groups, "--override", str(override),
            "--python", sys.executable, "--no-header", "--quiet", "--output-file", str(lock)],
           f"could not resolve the project's test environment with {spec.given}",
           RESOLVE_TIMEOUT)
    return lock


def recorder_path(envs_root: Path) -> Path:
    """A directory with only the recorder's package (a link) and its pytest11 entry point."""
    root = envs_root / "recorder-path"
    (root / RECORDER_DISTRIBUTION).mkdir(parents=True, exist_ok=True)
    link = root / "yourcode"
    if not link.is_symlink() or link.resolve() != (REPO_ROOT / "yourcode").resolve():
        link.unlink(missing_ok=True)
        link.symlink_to(REPO_ROOT / "yourcode", target_is_directory=True)
    info = root / RECORDER_DISTRIBUTION
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: yourcode-recorder\n"
                                   "Version: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[pytest11]\nyourcode.recorder = yourcode.recorder\n",
                                           encoding="utf-8")
    return root


def add_recorder(environment: Environment, envs_root: Path) -> None:
    found = list(environment.root.glob("lib/python*/site-packages"))
    if not found:
        raise RuntimeError(f"{environment.root}: no site-packages")
    (found[0] / "yourcode-recorder.pth").write_text(f"{recorder_path(envs_root)}\n",
                                                    encoding="utf-8")


def prepare(project: Project, before: Spec, after: Spec, workdir: Path, envs_root: Path,
            aliased: bool = True) -> tuple[Environment, Environment]:
    """Both sides built; a side whose client is a fork answers ``import httpx`` with it
    (yourcode.alias) unless ``aliased`` is False."""
    workdir.mkdir(parents=True, exist_ok=True)
    lock_from = resolve(project, before, workdir, "from", None)
    keep = before if before.distribution != after.distribution else None
    lock_to = resolve(project, after, workdir, "to", lock_from, keep)
    sides = build(before, lock_from, envs_root), build(after, lock_to, envs_root)
    for side in sides:
        check_import(side)
        add_recorder(side, envs_root)
        alias.apply(side, aliased)
    return sides


def installed_version(side: Environment) -> str | None:
    """The client's version as the side's lock pins it."""
    pin = re.compile(rf"^{re.escape(side.spec.distribution)}==([^\s;]+)", re.IGNORECASE)
    for line in side.lock.read_text(encoding="utf-8").splitlines():
        if found := pin.match(line.strip()):
            return found.group(1)
    return None


def outside_line(name: str, side: Environment, project: Project) -> str | None:
    """One line where the side's client is not what the project declares (None where it is).
    The project's own range is on httpx; the side's client was forced by a uv override."""
    version = installed_version(side)
    wanted = declared(project, ALIASED) or declared(project, side.spec.distribution)
    if wanted is None or version is None:
        return None
    requirement = Requirement(wanted)
    if canonicalize_name(requirement.name) != side.spec.distribution:
        return (f"{name}: {side.spec.distribution} {version} instead of the project's declared "
                f"{wanted} (forced by an override)")
    if requirement.specifier.contains(version, prereleases=True):
        return None
    return (f"{name}: {side.spec.distribution} {version} is outside the project's declared "
            f"{wanted} (forced by an override)")
