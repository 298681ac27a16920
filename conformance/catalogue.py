"""The claim catalogue (``claims.toml``): loading, validation and coverage checks."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

CATALOGUE_PATH = Path(__file__).with_name("claims.toml")
CLAIM_ID = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)+$")
REQUIRED_FIELDS = ("id", "sentence", "source", "httpx")
OPTIONAL_FIELDS = ("requests", "since", "until", "before", "after", "tolerance",
                   "measured")
# What a claim with a version range is expected to do outside it (see ``Claim.since``).
OUTSIDE_OUTCOMES = ("broken", "missing-api")


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
    # The httpx versions the statement is about (a changelog entry): it holds from ``since``
    # on and no longer from ``until`` on. Outside that range an httpx-<version> target is
    # expected ``before`` (older than since) / ``after`` (until or newer): ``broken`` unless
    # the API the claim uses did not exist yet / was removed (``missing-api``).
    since: str | None = None
    until: str | None = None
    before: str = "broken"
    after: str = "broken"
    # How far (absolute) a non-integral number in the observed value may move between two
    # runs and still be the same behaviour; without it observed values compare exactly.
    tolerance: float | None = None
    # The observed value is a measurement (a duration) that varies from run to run: a
    # difference in it is noise until seen again, so every CI job runs it again.
    measured: bool = False

    def expected_on(self, version: Version) -> str:
        """The outcome this claim should have on httpx ``version``."""
        if self.since and version < Version(self.since):
            return self.before
        if self.until and version >= Version(self.until):
            return self.after
        return "holds"


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
        unknown = set(entry) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS)
        if unknown:
            raise CatalogueError(f"{path}: claim {entry['id']} has unknown keys {sorted(unknown)}")
        problem = _range_problem(entry)
        if problem:
            raise CatalogueError(f"{path}: claim {entry['id']}: {problem}")
        if not CLAIM_ID.match(entry["id"]):
            raise CatalogueError(f"{path}: claim id {entry['id']!r} is not dotted lower-case")
        if entry["id"] in claims:
            raise CatalogueError(f"{path}: claim id {entry['id']} appears twice")
        claims[entry["id"]] = Claim(**entry)
    if not claims:
        raise CatalogueError(f"{path}: no [[claim]] entries")
    return claims


def _range_problem(entry: dict) -> str | None:
    """Why a claim's since/until/before/after fields are unusable, or None."""
    versions = {}
    for name in ("since", "until"):
        if name in entry:
            try:
                versions[name] = Version(str(entry[name]))
            except InvalidVersion:
                return f"{name} = {entry[name]!r} is not a version"
    if len(versions) == 2 and versions["since"] >= versions["until"]:
        return f"since {entry['since']} is not before until {entry['until']}"
    for name, bound in (("before", "since"), ("after", "until")):
        if name in entry and bound not in entry:
            return f"{name} without {bound}"
        if name in entry and entry[name] not in OUTSIDE_OUTCOMES:
            return f"{name} = {entry[name]!r} is not one of {', '.join(OUTSIDE_OUTCOMES)}"
    return None


def coverage_problems(catalogue: Iterable[str], tested: Iterable[str]) -> list[str]:
    """Claims without a test and test markers naming no claim, one line each."""
    known, seen = set(catalogue), set(tested)
    return ([f"claim {c} has no test" for c in sorted(known - seen)]
            + [f"a test is marked with unknown claim {c}" for c in sorted(seen - known)])
