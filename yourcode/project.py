"""The project under test: its source tree and the test dependencies it declares.

PROJECT is a directory, an sdist (.tar.gz, .zip) or a wheel. Its test dependencies are read
from what it ships: extras and PEP 735 dependency groups named like tests (``test``,
``tests``, ``testing``; ``dev`` only where none of those exists), hatch's environments of
those names, PDM's dev-dependencies, setup.cfg's extras and requirements files named for
tests. What could not be read is listed, for the one line the user sees.
"""

from __future__ import annotations

import configparser
import email.parser
import hashlib
import shutil
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

TEST_NAMES = ("test", "tests", "testing")
DEV_NAMES = ("dev", "develop", "development")
REQUIREMENT_FILES = ("requirements*test*.txt", "test*requirements*.txt", "requirements/test*.txt",
                     "requirements/*test*.txt", "tests/requirements*.txt")
DEV_REQUIREMENT_FILES = ("requirements-dev.txt", "requirements_dev.txt", "dev-requirements.txt",
                         "requirements/dev*.txt")
LOCK_FILES = ("uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock")


class ProjectError(RuntimeError):
    """The project cannot be used: the message is one line."""


@dataclass
class Project:
    source: Path  # a pristine tree; each suite runs on a copy
    name: str | None
    extras: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    requirement_files: list[Path] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)  # hatch/PDM lists, as given
    dependencies: list[str] = field(default_factory=list)  # its own runtime requirements
    unresolved: list[str] = field(default_factory=list)

    @property
    def pyproject(self) -> Path:
        return self.source / "pyproject.toml"

    def install_line(self) -> str:
        """The project with its test extras, as a line of the resolver's input."""
        extras = f"[{','.join(self.extras)}]" if self.extras else ""
        if self.name:
            return f"{self.name}{extras} @ {self.source.resolve().as_uri()}"
        return f"{self.source.resolve()}{extras}"


def picked(names: list[str]) -> list[str]:
    """Test-named entries, else dev-named ones."""
    tests = [n for n in names if n.lower() in TEST_NAMES]
    return tests or [n for n in names if n.lower() in DEV_NAMES]


def unpack(archive: Path, work: Path) -> Path:
    """The archive's tree under ``work`` (named by its hash: the same archive, the same path,
    so the environments built for it are reused)."""
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()[:16]
    target = work / f"{archive.name}-{digest}"
    if (target / ".unpacked").is_file():
        return tree_root(target)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    try:
        if archive.name.endswith(".tar.gz"):
            with tarfile.open(archive) as tar:
                tar.extractall(target, filter="data")
        else:
            with zipfile.ZipFile(archive) as zipped:
                zipped.extractall(target)
    except (tarfile.TarError, zipfile.BadZipFile, OSError) as error:
        raise ProjectError(f"{archive}: cannot unpack ({error})") from None
    (target / ".unpacked").touch()
    return tree_root(target)


def tree_root(target: Path) -> Path:
    """An sdist holds one top directory (name-version/); a wheel holds the package itself."""
    entries = [p for p in target.iterdir() if p.name != ".unpacked"]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else target


def locate(given: str, work: Path) -> Path:
    path = Path(given).expanduser()
    if path.is_dir():
        return path.resolve()
    if not path.exists():
        raise ProjectError(f"{given}: no such directory or file")
    if not path.name.endswith((".tar.gz", ".zip", ".whl")):
        raise ProjectError(f"{given}: not a directory, an sdist (.tar.gz, .zip) or a wheel")
    return unpack(path.resolve(), work)


def read(given: str, work: Path) -> Project:
    source = locate(given, work)
    project = Project(source=source, name=None)
    pyproject: dict = {}
    if project.pyproject.is_file():
        try:
            pyproject = tomllib.loads(project.pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ProjectError(f"{project.pyproject}: not valid TOML ({error})") from None
    table = pyproject.get("project", {})
    project.name = table.get("name")
    project.dependencies = list(table.get("dependencies", []))
    project.extras = picked(list(table.get("optional-dependencies", {})))
    project.groups = picked(list(pyproject.get("dependency-groups", {})))
    tool = pyproject.get("tool", {})
    for env in picked(list(tool.get("hatch", {}).get("envs", {}))):
        project.requirements += tool["hatch"]["envs"][env].get("dependencies", [])
        project.requirements += tool["hatch"]["envs"][env].get("extra-dependencies", [])
    pdm = tool.get("pdm", {}).get("dev-dependencies", {})
    for group in picked(list(pdm)):
        project.requirements += [r for r in pdm[group] if not r.startswith("-e")]
    poetry = tool.get("poetry", {})
    if picked(list(poetry.get("group", {}))) or poetry.get("dev-dependencies"):
        project.unresolved.append("Poetry's dependency groups (not PEP 508)")
    read_setup_cfg(project)
    read_pkg_info(project)
    files = sorted({p for pattern in REQUIREMENT_FILES for p in source.glob(pattern)})
    if not files:
        files = sorted({p for pattern in DEV_REQUIREMENT_FILES for p in source.glob(pattern)})
    project.requirement_files = files
    if (source / "setup.py").is_file() and not table and not project.name:
        project.unresolved.append("extras declared only in setup.py")
    project.unresolved += [f"{lock} (its pins are not used)" for lock in LOCK_FILES
                           if (source / lock).is_file()]
    if "project" in pyproject and "dynamic" in table and "optional-dependencies" in \
            table["dynamic"]:
        project.unresolved.append("dynamic optional-dependencies")
    return project


def read_setup_cfg(project: Project) -> None:
    path = project.source / "setup.cfg"
    if not path.is_file():
        return
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error:
        project.unresolved.append("setup.cfg (unreadable)")
        return
    project.name = project.name or parser.get("metadata", "name", fallback=None)
    if not project.dependencies:
        project.dependencies = [line.strip() for line in parser.get(
            "options", "install_requires", fallback="").splitlines() if line.strip()]
    if parser.has_section("options.extras_require") and not project.extras:
        project.extras = picked(parser.options("options.extras_require"))


def read_pkg_info(project: Project) -> None:
    """An sdist's PKG-INFO lists Requires-Dist where pyproject/setup.cfg did not say."""
    path = project.source / "PKG-INFO"
    if project.dependencies or not path.is_file():
        return
    message = email.parser.Parser().parsestr(path.read_text(encoding="utf-8", errors="replace"))
    project.dependencies = [r for r in message.get_all("Requires-Dist") or []
                            if "extra ==" not in r]


def declared(project: Project, distribution: str) -> str | None:
    """The project's own requirement on ``distribution`` (``httpx>=0.28``), if it has one."""
    for line in project.dependencies:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if canonicalize_name(requirement.name) == distribution and not requirement.marker:
            return str(requirement)
    return None


def describe(project: Project) -> str:
    """One line: what was taken for the tests' dependencies."""
    taken = [f"extras [{','.join(project.extras)}]"] if project.extras else []
    taken += [f"group {g}" for g in project.groups]
    taken += [p.relative_to(project.source).as_posix() for p in project.requirement_files]
    if project.requirements:
        taken.append(f"{len(project.requirements)} tool-declared requirements")
    return ", ".join(taken) or "none declared (pytest alone)"

