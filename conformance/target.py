"""The library under test, reached as a module object so forks and API-less versions run.

Tests never ``import httpx``: they receive a ``Target`` whose missing attributes raise
``MissingAPI``, which the recorder turns into the outcome ``missing-api``.
"""

from __future__ import annotations

import importlib
import os
from importlib import metadata
from types import ModuleType

from generations import MissingAPI, Target, is_missing_api
from harness import schema

__all__ = ["MissingAPI", "NotInstalled", "Target", "distribution_of", "import_target",
           "is_missing_api", "target_name", "top_level_names"]


class NotInstalled(Exception):
    """The target (or requests) cannot be imported; the message is the reason."""


def import_target(name: str | None = None) -> ModuleType:
    """Import the target (``$HARNESS_IMPORT``, default httpx); NotInstalled says why not.

    ``$HARNESS_NOT_INSTALLED`` (set by ``python -m targets run`` when installing the target
    failed) is the reason, and nothing is imported.
    """
    reason = os.environ.get(schema.NOT_INSTALLED_ENV)
    if reason:
        raise NotInstalled(reason)
    name = name or schema.target_import()
    try:
        return importlib.import_module(name)
    except Exception as error:  # any import failure means "not installed"
        first_line = (str(error).splitlines() or [type(error).__name__])[0]
        raise NotInstalled(f"cannot import {name}: {first_line}") from None


def distribution_of(import_name: str) -> tuple[str, str] | None:
    """(distribution, version) that provides an importable top-level name.

    Not ``metadata.packages_distributions()``: on Python 3.10 it reads only top_level.txt,
    which wheels built by hatchling (httpx's) do not have, so it finds nothing.
    """
    for dist in metadata.distributions():
        if import_name in top_level_names(dist):
            return dist.metadata["Name"], dist.version
    return None


def top_level_names(dist: metadata.Distribution) -> set[str]:
    """The importable names a distribution installs: top_level.txt, else its file list."""
    listed = (dist.read_text("top_level.txt") or "").split()
    if listed:
        return set(listed)
    names = set()
    for path in dist.files or []:
        first = path.parts[0] if path.parts else ""
        if len(path.parts) > 1 and not first.endswith((".dist-info", ".egg-info", ".data")):
            names.add(first)
        elif path.suffix == ".py" and len(path.parts) == 1:
            names.add(path.stem)
    return names - {"__pycache__", ".."}


def target_name() -> str:
    """``$HARNESS_TARGET``, else the installed distribution and version, e.g. httpx-0.28.1."""
    explicit = os.environ.get("HARNESS_TARGET")
    if explicit:
        return explicit
    import_name = schema.target_import()
    found = distribution_of(import_name)
    return f"{found[0]}-{found[1]}" if found else import_name
