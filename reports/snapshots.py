"""Reading wire snapshots (snapshot.json) and diffing two of them case by case.

A difference is classified by what a user would hit: ``breaking`` (an exception, outcome or
status that differs, an input that can no longer be expressed), ``wire`` (what the server
received: method, target, headers, body), ``informational`` (what the client reports about
the exchange: final URL, redirect history, warnings).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from harness.schema import SNAPSHOT_OUTCOMES, SNAPSHOT_SCHEMA, SNAPSHOT_VERSION
from reports.errors import InputError
from reports.readers import read_json

SOURCE = "undocumented: found by the wire snapshot"
CATEGORIES = ("breaking", "wire", "informational")
# Each compared field of a case record, and the kind of change a difference in it is.
FIELDS = {
    "outcome": "breaking", "exception": "breaking", "reason": "breaking", "status": "breaking",
    "received.method": "wire", "received.target": "wire", "received.headers": "wire",
    "received.body": "wire", "received.body_base64": "wire", "received.http_version": "wire",
    "response_body": "wire",
    "url": "informational", "history": "informational", "warnings": "informational",
}
ROW_COLUMNS = ["area", "item", "category", "what", "before", "after", "source", "input",
               "differs"]
MAX_VALUE = 300  # characters of a value shown in a row; the snapshot files have it all


def read_snapshot(path: Path) -> dict[str, Any]:
    """A snapshot.json document, checked against the snapshot contract."""
    document = read_json(path)
    if not isinstance(document, dict) or document.get("schema") != SNAPSHOT_SCHEMA:
        found = document.get("schema") if isinstance(document, dict) else type(document).__name__
        raise InputError(path, f"not a snapshot result (schema is {found!r}, expected "
                               f"{SNAPSHOT_SCHEMA!r})")
    if document.get("schema_version") != SNAPSHOT_VERSION:
        raise InputError(path, f"unsupported schema_version {document.get('schema_version')!r} "
                               f"(this reader knows {SNAPSHOT_VERSION})")
    cases = document.get("cases")
    if not isinstance(cases, list):
        raise InputError(path, "snapshot result without a 'cases' list")
    for index, case in enumerate(cases):
        if not isinstance(case, dict) or not isinstance(case.get("id"), str):
            raise InputError(path, f"case #{index} has no string 'id'")
        if case.get("outcome") not in SNAPSHOT_OUTCOMES:
            raise InputError(path, f"case {case['id']!r} has outcome {case.get('outcome')!r}, "
                                   f"not one of {', '.join(SNAPSHOT_OUTCOMES)}")
    return document


def flatten(case: dict[str, Any]) -> dict[str, Any]:
    """The compared fields of one case record (``received.*`` one level down)."""
    flat = {name: case.get(name) for name in FIELDS if "." not in name}
    received = case.get("received") or {}
    flat.update({f"received.{key}": received.get(key) for key in
                 ("method", "target", "headers", "body", "body_base64", "http_version")})
    return flat


def shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE - 1] + "…"


def header_difference(before: list[list[str]] | None,
                      after: list[list[str]] | None) -> tuple[str, str]:
    """Headers as the lines only one side sent (or 'same headers, order ...')."""
    a = Counter(f"{n}: {v}" for n, v in before or [])
    b = Counter(f"{n}: {v}" for n, v in after or [])
    if a == b:
        return (f"order: {', '.join(n for n, _ in before or [])}",
                f"order: {', '.join(n for n, _ in after or [])}")
    only_a, only_b = a - b, b - a
    return ("; ".join(only_a.elements()) or "(none)", "; ".join(only_b.elements()) or "(none)")


def case_differences(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(field, before, after) for every compared field that differs, in FIELDS order."""
    a, b = flatten(before), flatten(after)
    found = []
    for name in FIELDS:
        if a.get(name) == b.get(name):
            continue
        if name == "received.headers" and a.get(name) and b.get(name):
            found.append((name, *header_difference(a[name], b[name])))
        else:
            found.append((name, shown(a.get(name)), shown(b.get(name))))
    return found


def category(fields: list[str]) -> str:
    """The most serious kind among the differing fields."""
    kinds = {FIELDS[name] for name in fields}
    return next(kind for kind in CATEGORIES if kind in kinds)


def snapshot_rows(before: dict[str, Any], after: dict[str, Any]) -> pd.DataFrame:
    """One row per case of either snapshot: differing or not, with both values."""
    left = {case["id"]: case for case in before["cases"]}
    right = {case["id"]: case for case in after["cases"]}
    rows = []
    for case_id in dict.fromkeys([*left, *right]):
        a, b = left.get(case_id), right.get(case_id)
        cited = b or a or {}
        row = {"area": cited.get("area", case_id.split(".")[0]), "item": case_id,
               "source": SOURCE, "input": cited.get("input", "")}
        if a is None or b is None:
            row.update(category="informational", what="case only on one side",
                       before="absent" if a is None else a["outcome"],
                       after="absent" if b is None else b["outcome"], differs=True)
        elif differences := case_differences(a, b):
            fields = [name for name, _, _ in differences]
            row.update(category=category(fields), what=", ".join(fields),
                       before=" | ".join(x for _, x, _ in differences),
                       after=" | ".join(y for _, _, y in differences), differs=True)
        else:
            row.update(category="", what="", before=summary_of(a), after=summary_of(b),
                       differs=False)
        rows.append(row)
    return pd.DataFrame(rows, columns=ROW_COLUMNS)


def summary_of(case: dict[str, Any]) -> str:
    """A short text of one case's observation, for rows that did not change."""
    if case["outcome"] == "response":
        received = case.get("received") or {}
        target = received.get("target", "")
        return shown(f"{case.get('status')} {received.get('method', '')} {target}".strip())
    return shown(f"{case['outcome']}: {case.get('exception') or case.get('reason') or ''}")
