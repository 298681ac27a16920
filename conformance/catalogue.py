"""The claim catalogue (``claims.toml``): loading, validation and coverage checks."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

CATALOGUE_PATH = Path(__file__).with_name("claims.toml")
CLAIM_ID = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)+$")
REQUIRED_FIELDS = ("id", "sentence", "source", "httpx")


class CatalogueError(ValueError):
    """The catalogue file is malformed; the message names the file and the problem."""


@dataclass(frozen=True)
class Claim:
    """One checkable statement from a document, and what each client is expected to do."""

    id: str
    sentence: str
    source: str
    httpx: str
    requests: str | None = None


def load_catalogue(path: Path = CATALOGUE_PATH) -> dict[str, Claim]:
    """Every claim by id, in file order."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise CatalogueError(f"{path}: {error}") from None
    claims: dict[str, Claim] = {}
    for n, entry in enumerate(data.get("claim", []), start=1):
        missing = [name for name in REQUIRED_FIELDS if not entry.get(name)]
        if missing:
            raise CatalogueError(f"{path}: claim #{n} lacks {', '.join(missing)}")
        unknown = set(entry) - {"id", "sentence", "source", "httpx", "requests"}
        if unknown:
            raise CatalogueError(f"{path}: claim {entry['id']} has unknown keys {sorted(unknown)}")
        if not CLAIM_ID.match(entry["id"]):
            raise CatalogueError(f"{path}: claim id {entry['id']!r} is not dotted lower-case")
        if entry["id"] in claims:
            raise CatalogueError(f"{path}: claim id {entry['id']} appears twice")
        claims[entry["id"]] = Claim(**entry)
    if not claims:
        raise CatalogueError(f"{path}: no [[claim]] entries")
    return claims


def coverage_problems(catalogue: Iterable[str], tested: Iterable[str]) -> list[str]:
    """Claims without a test and test markers naming no claim, one line each."""
    known, seen = set(catalogue), set(tested)
    return ([f"claim {c} has no test" for c in sorted(known - seen)]
            + [f"a test is marked with unknown claim {c}" for c in sorted(seen - known)])
