"""A package's releases, oldest first: from the package index, or from a local directory.

The index is read through its JSON Simple API (PEP 691, with PEP 700's ``versions``), the
one uv and pip read, at ``$UV_INDEX_URL`` or ``$PIP_INDEX_URL`` (default: PyPI). A release
whose every file is yanked is skipped, and said so; pre-releases and development releases
are listed only when asked for. A local directory (``--find-links``) is read from its
wheel and sdist file names: a series of altered builds is published that way.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

DEFAULT_INDEX = "https://pypi.org/simple"
ACCEPT = "application/vnd.pypi.simple.v1+json"
TIMEOUT = 30.0  # seconds for the index to answer
ARCHIVE = re.compile(r"^(?P<name>[^/]+?)-(?P<version>[^-/]+?)(?:-[^/]*\.whl|\.tar\.gz|\.zip)$")


class ListingError(RuntimeError):
    """The releases could not be listed: the message is one line."""


@dataclass
class Releases:
    package: str
    versions: list[Version]  # kept, oldest first
    skipped: list[str] = field(default_factory=list)  # one line per release left out, why


def index_url() -> str:
    return (os.environ.get("UV_INDEX_URL") or os.environ.get("PIP_INDEX_URL")
            or DEFAULT_INDEX).rstrip("/")


def fetch_project(package: str) -> dict[str, Any]:
    """The index's JSON page for ``package``."""
    url = f"{index_url()}/{canonicalize_name(package)}/"
    request = urllib.request.Request(url, headers={"Accept": ACCEPT})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as error:
        if error.code == 404:
            raise ListingError(f"{package}: not on the index {index_url()}") from None
        raise ListingError(f"{package}: the index answered {error.code} for {url}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise ListingError(f"{package}: could not read {url}: {error}") from None
    except ValueError:
        raise ListingError(f"{package}: {url} is not the JSON Simple API (PEP 691)") from None


def version_of(filename: str, package: str) -> str | None:
    """The version in a wheel or sdist file name of ``package`` (None: another package)."""
    match = ARCHIVE.match(filename)
    if not match or canonicalize_name(match.group("name")) != canonicalize_name(package):
        return None
    return match.group("version")


def files_by_version(document: dict[str, Any], package: str) -> dict[str, list[bool]]:
    """Every version the page lists -> whether each of its files is yanked."""
    found: dict[str, list[bool]] = {v: [] for v in document.get("versions") or []}
    for entry in document.get("files") or []:
        version = version_of(entry.get("filename", ""), package)
        if version is not None:
            found.setdefault(version, []).append(bool(entry.get("yanked")))
    return found


def local_files(directory: Path, package: str) -> dict[str, list[bool]]:
    if not directory.is_dir():
        raise ListingError(f"{directory}: no such directory (--find-links)")
    found: dict[str, list[bool]] = {}
    for path in directory.iterdir():
        version = version_of(path.name, package)
        if version is not None:
            found.setdefault(version, []).append(False)
    return found


def select(package: str, files: dict[str, list[bool]], pre: bool,
           low: Version | None = None, high: Version | None = None) -> Releases:
    """The releases to run, oldest first, within [low, high], with why others are left out."""
    kept: list[Version] = []
    skipped: list[str] = []
    for text, yanked in files.items():
        try:
            version = Version(text)
        except InvalidVersion:
            skipped.append(f"{text}: not a PEP 440 version")
            continue
        if (low is not None and version < low) or (high is not None and version > high):
            continue
        if yanked and all(yanked):
            skipped.append(f"{version}: yanked")
        elif not files[text]:
            skipped.append(f"{version}: no file to install")
        elif (version.is_prerelease or version.is_devrelease) and not pre and \
                version not in (low, high):
            skipped.append(f"{version}: a pre-release (--pre lists them)")
        else:
            kept.append(version)
    if not kept:
        raise ListingError(f"{package}: no release to run in that range"
                          + (f" ({'; '.join(skipped[:5])})" if skipped else ""))
    return Releases(package, sorted(set(kept)), sorted(skipped))


def releases(package: str, pre: bool = False, low: Version | None = None,
             high: Version | None = None, find_links: Path | None = None) -> Releases:
    files = (local_files(find_links, package) if find_links is not None
             else files_by_version(fetch_project(package), package))
    for bound in (low, high):
        if bound is not None and str(bound) not in {str(Version(v)) for v in files
                                                    if _valid(v)}:
            where = find_links or index_url()
            raise ListingError(f"{package}=={bound}: no such release in {where}")
    return select(package, files, pre, low, high)


def _valid(text: str) -> bool:
    try:
        Version(text)
    except InvalidVersion:
        return False
    return True
