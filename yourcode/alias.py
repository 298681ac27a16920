"""``import httpx`` answered by a fork, for the project's suite: "what if we moved to it?"

A project imports ``httpx``; its suite can only tell what moving to httpx2 or httpxyz would
do if that import gives the fork. Each side whose client is not httpx gets a ``.pth`` file
in its environment that, at the first import of httpx or httpcore (before the module is
found), does what the fork itself documents for this:

- httpx2: ``httpx2.alias_httpx()`` ("Make `import httpx` resolve to `httpx2`, and `import
  httpcore` to `httpcore2`, process-wide. Intended for applications migrating from httpx");
- httpxyz: ``import httpxyz`` ("Importing `httpxyz` automatically registers itself as
  `sys.modules["httpx"]`", its README's "Transparent httpx aliasing");
- any other fork: :func:`install` below (``httpx`` and ``httpx.*`` imports load the fork's
  module of the same name).

The recorder writes which module answered ``import httpx`` in its session file, and the
command prints it: the alias is said, not assumed.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the generic alias runs inside the project's environment: stdlib only
    from upgrade.environments import Environment

ALIASED = "httpx"
PTH = "yourcode-with-alias.pth"  # sorts after yourcode-recorder.pth, which puts yourcode on
# the path (the generic alias imports it)
TRIGGERS = ("httpx", "httpcore")  # the first import of either takes the fork's step
HOW = {"httpx2": "httpx2.alias_httpx()", "httpxyz": "import httpxyz"}


def startup_line(import_name: str) -> str | None:
    """The ``.pth`` line that makes ``import httpx`` give ``import_name`` (None: it is httpx).

    The fork's own step runs at the first ``import httpx`` or ``import httpcore`` rather than
    at interpreter start: importing the fork there imports anyio before pytest marks anyio's
    plugin for assertion rewriting, and a suite with ``filterwarnings = error`` (httpx-auth)
    then stops on pytest's "Module already imported so cannot be rewritten" warning."""
    if import_name == ALIASED:
        return None
    return f"import yourcode.alias; yourcode.alias.deferred({import_name!r})"


def fork_step(import_name: str) -> None:
    """What the fork documents for answering ``import httpx`` (our own alias if nothing)."""
    if import_name == "httpx2":
        importlib.import_module("httpx2").alias_httpx()
    elif import_name == "httpxyz":
        importlib.import_module("httpxyz")  # registers itself as sys.modules["httpx"]
    else:
        install(ALIASED, import_name)


class _Handback(importlib.abc.Loader):
    """Gives the import system a module that is already loaded (it keeps what sys.modules
    holds once exec_module returns)."""

    def __init__(self, module: ModuleType) -> None:
        self.module = module

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        sys.modules[module.__name__] = self.module


class _Deferred(importlib.abc.MetaPathFinder):
    """Waits for the first import of httpx or httpcore, then takes the fork's step (once)."""

    def __init__(self, import_name: str) -> None:
        self.import_name = import_name

    def find_spec(self, fullname: str, path: object = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname.partition(".")[0] not in TRIGGERS:
            return None
        sys.meta_path.remove(self)
        fork_step(self.import_name)
        module = sys.modules.get(fullname) or importlib.import_module(fullname)
        return importlib.util.spec_from_loader(fullname, _Handback(module))


def deferred(import_name: str) -> None:
    if not any(isinstance(f, _Deferred) for f in sys.meta_path):
        sys.meta_path.insert(0, _Deferred(import_name))


def how(import_name: str) -> str:
    return HOW.get(import_name, "yourcode.alias.install")


def apply(environment: Environment, wanted: bool) -> str | None:
    """Write (or remove) the side's alias; the mechanism used, or None."""
    found = sorted(environment.root.glob("lib/python*/site-packages"))
    if not found:
        raise RuntimeError(f"{environment.root}: no site-packages")
    path = Path(found[0]) / PTH
    line = startup_line(environment.spec.import_name) if wanted else None
    if line is None:
        path.unlink(missing_ok=True)  # an environment reused from a run that aliased
        return None
    path.write_text(line + "\n", encoding="utf-8")
    return how(environment.spec.import_name)


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports of ``name`` and ``name.*`` load ``real``'s module of the same path."""

    def __init__(self, name: str, real: str) -> None:
        self.name, self.real = name, real

    def target(self, fullname: str) -> str | None:
        if fullname == self.name or fullname.startswith(self.name + "."):
            return self.real + fullname[len(self.name):]
        return None

    def find_spec(self, fullname: str, path: object = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        real = self.target(fullname)
        if real is None or importlib.util.find_spec(real) is None:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        # The import system returns whatever sys.modules holds once this returns.
        sys.modules[module.__name__] = importlib.import_module(self.target(module.__name__))


def install(name: str, real: str) -> None:
    if not any(isinstance(f, _Alias) and f.name == name for f in sys.meta_path):
        sys.meta_path.insert(0, _Alias(name, real))
