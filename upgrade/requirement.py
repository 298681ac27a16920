"""One side of an upgrade as the user wrote it: a pip requirement or a local wheel/sdist.

``httpx==0.29.0``, ``httpx2==2.16.2``, ``httpxyz``, ``./dist/httpx-0.28.1-py3-none-any.whl``.
The harness installs the target with the extras its suites need (HTTP/2 and brotli) unless
the requirement names extras itself, and imports it as the distribution's module name
unless told otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

# What the conformance suite and the snapshot exercise beyond the core: HTTP/2 and brotli.
DEFAULT_EXTRAS = ("http2", "brotli")
ARCHIVES = (".whl", ".tar.gz", ".zip")


class SpecError(ValueError):
    """A side the harness cannot install: the message is the one line the user sees."""


@dataclass(frozen=True)
class Spec:
    given: str  # as the user wrote it
    distribution: str  # canonical distribution name (httpx, httpx2)
    install: str  # the line that goes into the resolver's input
    import_name: str

    @property
    def is_path(self) -> bool:
        return " @ file://" in self.install


def archive_distribution(path: Path) -> str:
    """The distribution name in a wheel's or sdist's file name (PEP 427 / PEP 625)."""
    name = path.name
    if name.endswith(".whl"):
        return canonicalize_name(name.split("-")[0])
    stem = name.removesuffix(".tar.gz").removesuffix(".zip")
    match = re.match(r"^(?P<name>.+?)-\d", stem)
    if not match:
        raise SpecError(f"{path}: not a wheel or sdist file name (name-version...)")
    return canonicalize_name(match.group("name"))


def parse(given: str, import_name: str | None = None,
          extras: tuple[str, ...] = DEFAULT_EXTRAS) -> Spec:
    """The side ``given`` names, or SpecError saying why it cannot be installed."""
    text = given.strip()
    if not text:
        raise SpecError("an empty requirement")
    path = Path(text).expanduser()
    if text.endswith(ARCHIVES) or path.exists():
        if path.is_dir():
            raise SpecError(f"{text}: a directory; a local target must be a wheel or an sdist "
                            f"({', '.join(ARCHIVES)})")
        if not path.is_file():
            raise SpecError(f"{text}: no such file (a local wheel or sdist was expected)")
        if not text.endswith(ARCHIVES):
            raise SpecError(f"{text}: a local target must be a wheel or an sdist "
                            f"({', '.join(ARCHIVES)})")
        distribution = archive_distribution(path)
        wanted = f"[{','.join(extras)}]" if extras else ""
        install = f"{distribution}{wanted} @ {path.resolve().as_uri()}"
    else:
        try:
            requirement = Requirement(text)
        except InvalidRequirement as error:
            reason = str(error).splitlines()[0]  # packaging adds a caret diagram below
            raise SpecError(f"{text!r} is not a pip requirement: {reason}") from None
        distribution = canonicalize_name(requirement.name)
        if not requirement.extras and extras and not requirement.url:
            requirement.extras = set(extras)
        install = str(requirement)
    module = import_name or distribution.replace("-", "_")
    if not module.isidentifier():
        raise SpecError(f"{module!r} is not a module name (pass the import name)")
    return Spec(given=given, distribution=distribution, install=install, import_name=module)
