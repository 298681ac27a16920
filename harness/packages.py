"""Which distributions an interpreter has, and how two such sets differ.

Every result file records the full set (``environment()["distributions"]``), so a result
that moved can be matched to a dependency release (httpcore, h11, h2, anyio, certifi float
unless pinned) instead of being blamed on the target.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from importlib.metadata import distributions

Difference = tuple[str, str | None, str | None]  # name, before, after (None: absent there)


def normalise(name: str) -> str:
    """PEP 503: ``Foo_Bar.baz`` and ``foo-bar-baz`` are one distribution."""
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_distributions() -> dict[str, str]:
    """Every distribution the running interpreter can import, normalised name -> version.

    Where a name is installed twice on ``sys.path``, the first one is the one imported.
    """
    found: dict[str, str] = {}
    for distribution in distributions():
        name = distribution.metadata["Name"]  # None for a broken install: nothing to record
        if name:
            found.setdefault(normalise(name), distribution.version)
    return dict(sorted(found.items()))


def differences(before: Mapping[str, str], after: Mapping[str, str]) -> list[Difference]:
    """Every name whose version differs, sorted by name; None where a side lacks it."""
    return [(name, before.get(name), after.get(name)) for name in sorted({*before, *after})
            if before.get(name) != after.get(name)]


def describe(found: Iterable[Difference]) -> str:
    """``httpcore 1.0.7 -> 1.0.9, h2 absent -> 4.1.0`` (empty when nothing differs)."""
    return ", ".join(f"{name} {old or 'absent'} -> {new or 'absent'}"
                     for name, old, new in found)
