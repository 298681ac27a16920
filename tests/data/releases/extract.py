"""Writes httpx-0.23.3-0.28.1.json: what a real bisection saw, for tests/test_releases_changelog.py.

``python tests/data/releases/extract.py CACHE PACKAGE VERSION... > FILE``: CACHE is a
release cache directory (``results/.releases-<key>``), the versions every release of the
range as the index lists them, FROM first and TO last; for each release in the cache, its
changes against FROM (releases/changes.py ``between``), kept only for the items that differ
between FROM and TO (the only ones a bisection asks about). A release the bisection steps
around is null: the cache lacks it, or its default client cannot be built (``unusable``,
named). Loopback ports are masked and values longer than 80 characters cut, with a digest
of the whole value, so two values still compare equal only when they were. Run it with the
code that measured the cache (the comparison reads its files).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from releases.changes import between
from releases.measure import Measured
from reports.matrix import LOOPBACK_PORT


def compact(value: str) -> str:
    """Loopback ports masked (they vary between runs; the comparison ignores them), then
    a long value cut, with the whole one's digest."""
    value = LOOPBACK_PORT.sub(r"\1:PORT", value)
    if len(value) <= 80:
        return value
    return value[:60] + "…sha256:" + hashlib.sha256(value.encode()).hexdigest()[:16]


def main(cache: Path, package: str, versions: list[str]) -> None:
    found = {}
    for version in versions:
        directory = cache / f"{package}-{version}"
        record = directory / "release.json"
        if record.is_file():
            found[version] = Measured(version, directory, json.loads(record.read_text()), True)
    first, last = found[versions[0]], found[versions[-1]]
    wanted = {c.key for c in between(first, last)[0]}
    unusable = {v: m.unusable for v, m in found.items() if m.unusable}
    print(json.dumps({"package": package, "cache": cache.name, "versions": versions,
                      "unusable": unusable})[:-1] + ', "changes": {')
    for number, version in enumerate(versions[1:], 1):
        rows = None if version not in found or version in unusable else [
            [c.group, c.item, c.kind, compact(c.before), compact(c.after)]
            for c in between(first, found[version])[0] if c.key in wanted]
        lines = "null" if rows is None else "[\n" + ",\n".join(
            json.dumps(row, ensure_ascii=False) for row in rows) + "]"
        print(f"{json.dumps(version)}: {lines}" + ("," if number < len(versions) - 1 else ""))
    print("}}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], sys.argv[3:])
