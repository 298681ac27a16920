"""Read one result file and check it is what the result contracts say it is.

Every problem becomes an :class:`InputError` naming the file: a missing, empty, truncated
or foreign file must never reach pandas, where it would surface as a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from harness.schema import CONFORMANCE_SCHEMA, OUTCOMES, SCHEMA_VERSION
from reports.errors import InputError


def written_in(directories: Iterable[Path], pattern: str) -> list[Path]:
    """Every file matching ``pattern`` under a run's directories, in the order written (a
    section of the page built from several such files lists them oldest first)."""
    return sorted({path for directory in directories for path in directory.glob(pattern)},
                  key=lambda p: (p.stat().st_mtime, str(p)))


def read_json(path: Path) -> Any:
    """The parsed JSON in ``path``; bad files raise InputError naming the file."""
    if not path.exists():
        raise InputError(path, "no such file")
    if not path.is_file():
        raise InputError(path, "not a file")
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError(path, "empty file (a run still in progress, or one that crashed "
                               "before writing it)")
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        raise InputError(path, "not UTF-8 text, so not a result file") from None
    except json.JSONDecodeError as error:
        hint = " (truncated?)" if error.pos >= len(raw.rstrip()) - 1 else ""
        raise InputError(path, f"not valid JSON{hint}: {error.msg} at line {error.lineno} "
                               f"column {error.colno}") from None


def read_itemised(path: Path, schema: str, version: int, kind: str, key: str,
                  outcomes: tuple[str, ...]) -> dict[str, Any]:
    """A result document of ``schema`` whose ``key`` list holds items, each with a string
    ``id`` and an ``outcome`` among ``outcomes`` (conformance claims, snapshot cases)."""
    document = read_json(path)
    if not isinstance(document, dict) or document.get("schema") != schema:
        found = document.get("schema") if isinstance(document, dict) else type(document).__name__
        raise InputError(path, f"not a {kind} result (schema is {found!r}, "
                               f"expected {schema!r})")
    if document.get("schema_version") != version:
        raise InputError(path, f"unsupported schema_version {document.get('schema_version')!r} "
                               f"(this reader knows {version})")
    items = document.get(key)
    if not isinstance(items, list):
        raise InputError(path, f"{kind} result without a {key!r} list")
    item = key.rstrip("s")
    for index, entry in enumerate(items):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise InputError(path, f"{item} #{index} has no string 'id'")
        if entry.get("outcome") not in outcomes:
            raise InputError(path, f"{item} {entry['id']!r} has outcome "
                                   f"{entry.get('outcome')!r}, not one of {', '.join(outcomes)}")
    return document


def read_conformance(path: Path) -> dict[str, Any]:
    """A conformance.json document, checked against the conformance contract."""
    document = read_itemised(path, CONFORMANCE_SCHEMA, SCHEMA_VERSION, "conformance", "claims",
                             OUTCOMES)
    for claim in document["claims"]:
        requests_side = claim.get("requests")
        if requests_side is not None and not isinstance(requests_side, dict):
            raise InputError(path, f"claim {claim['id']!r}: 'requests' is neither null nor "
                                   "an object")
    return document


def read_bench(path: Path) -> dict[str, Any]:
    """A pytest-benchmark JSON document, checked for the fields the reports use."""
    document = read_json(path)
    if (not isinstance(document, dict) or not isinstance(document.get("benchmarks"), list)
            or not isinstance(document.get("machine_info"), dict)):
        raise InputError(path, "not pytest-benchmark JSON (no 'benchmarks' list and "
                               "'machine_info' object)")
    for index, bench in enumerate(document["benchmarks"]):
        if not isinstance(bench, dict) or not isinstance(bench.get("fullname"), str):
            raise InputError(path, f"benchmark #{index} has no string 'fullname'")
        stats = bench.get("stats")
        if not isinstance(stats, dict) or not _is_number(stats.get("median")):
            raise InputError(path, f"benchmark {bench['fullname']!r} has no numeric "
                                   "stats.median")
        extra = bench.get("extra_info", {})
        if not isinstance(extra, dict):
            raise InputError(path, f"benchmark {bench['fullname']!r}: extra_info is not an "
                                   "object")
        headline = extra.get("headline")
        if headline is not None and not (isinstance(headline, dict)
                                         and _is_number(headline.get("ratio_median"))):
            raise InputError(path, f"benchmark {bench['fullname']!r}: headline without a "
                                   "numeric ratio_median")
    return document


def samples(bench: dict[str, Any]) -> list[float] | None:
    """The raw per-round timings (``stats.data``, kept by ``--benchmark-save-data``)."""
    data = bench["stats"].get("data")
    if isinstance(data, list) and data and all(_is_number(x) for x in data):
        return [float(x) for x in data]
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
