"""Reading wire snapshots (snapshot.json) and diffing two of them case by case.

A difference is classified by what a user would hit: ``breaking`` (an exception, outcome or
status that differs, an input that can no longer be expressed), ``wire`` (what the server
received: method, target, headers, body), ``informational`` (what the client reports about
the exchange: final URL, redirect history, warnings).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from harness.schema import SNAPSHOT_OUTCOMES, SNAPSHOT_SCHEMA, SNAPSHOT_VERSION
from reports.readers import read_itemised

SOURCE = "undocumented: found by the wire snapshot"
CATEGORIES = ("breaking", "wire", "informational")
# Each compared field of a case record, and the kind of change a difference in it is.
FIELDS = {
    "outcome": "breaking", "exception": "breaking", "reason": "breaking", "status": "breaking",
    "received.method": "wire", "received.target": "wire", "received.headers": "wire",
    "received.header-order": "informational",  # order of distinct names: no meaning in HTTP
    "received.body": "wire", "received.body_base64": "wire", "received.http_version": "wire",
    "response_body": "wire",
    "url": "informational", "history": "informational", "warnings": "informational",
}
# runs: how often a differing row was seen (reports/flaky.py); empty when each side ran once
ROW_COLUMNS = ["area", "item", "category", "what", "before", "after", "source", "input",
               "runs", "differs"]
MAX_VALUE = 300  # characters of a value shown in a row; the snapshot files have it all


def read_snapshot(path: Path) -> dict[str, Any]:
    """A snapshot.json document, checked against the snapshot contract."""
    return read_itemised(path, SNAPSHOT_SCHEMA, SNAPSHOT_VERSION, "snapshot", "cases",
                         SNAPSHOT_OUTCOMES)


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


def header_lines(headers: list[list[str]] | None, ignored: frozenset[str]) -> Counter[str]:
    return Counter(line for n, v in headers or [] if (line := f"{n}: {v}") not in ignored)


def header_difference(before: list[list[str]] | None, after: list[list[str]] | None,
                      ignored: frozenset[str] = frozenset(),
                      ignore_order: bool = False) -> tuple[str, str] | None:
    """Headers as the lines only one side sent, or the two orders; None if they agree.

    ``ignored`` lines and (with ``ignore_order``) order alone are the systematic
    differences, reported once for the whole grid rather than in every case.
    """
    a, b = header_lines(before, ignored), header_lines(after, ignored)
    if a == b:
        if ignore_order:
            return None
        order_a = [n for n, v in before or [] if f"{n}: {v}" not in ignored]
        order_b = [n for n, v in after or [] if f"{n}: {v}" not in ignored]
        return None if order_a == order_b else (f"order: {', '.join(order_a)}",
                                                f"order: {', '.join(order_b)}")
    return ("; ".join((a - b).elements()) or "(none)", "; ".join((b - a).elements()) or "(none)")


@dataclass(frozen=True)
class Systematic:
    """Header differences seen in at least half the cases both sides answered (User-Agent,
    default header order): one row for the grid, left out of every case's comparison."""

    before: frozenset[str] = frozenset()  # header lines only the FROM side sends
    after: frozenset[str] = frozenset()
    order: bool = False
    cases: int = 0
    example: tuple[str, str] = ("", "")  # the two header orders of the first such case
    # Fields one side's API never reports (httpx 1.0.dev6's Response has no url or history):
    # field -> (before, after) description; one row, and left out of every case.
    unreported: tuple[tuple[str, str, str], ...] = ()

    @property
    def ignored(self) -> frozenset[str]:
        return self.before | self.after


def systematic(left: dict[str, Any], right: dict[str, Any]) -> Systematic:
    pairs = [(a["received"]["headers"], right[i]["received"]["headers"])
             for i, a in left.items()
             if a.get("received") and i in right and right[i].get("received")]
    if not pairs:
        return Systematic()
    only_before: Counter[str] = Counter()
    only_after: Counter[str] = Counter()
    for a, b in pairs:
        lines_a, lines_b = header_lines(a, frozenset()), header_lines(b, frozenset())
        only_before.update(set(lines_a - lines_b))
        only_after.update(set(lines_b - lines_a))
    half = len(pairs) / 2
    found = Systematic(frozenset(x for x, n in only_before.items() if n >= half),
                       frozenset(x for x, n in only_after.items() if n >= half), False,
                       len(pairs))
    reordered = [difference for a, b in pairs
                 if header_lines(a, found.ignored) == header_lines(b, found.ignored)
                 and (difference := header_difference(a, b, found.ignored)) is not None]
    return Systematic(found.before, found.after, len(reordered) >= half, len(pairs),
                      reordered[0] if reordered else ("", ""))


def case_differences(before: dict[str, Any], after: dict[str, Any],
                     common: Systematic = Systematic()) -> list[tuple[str, str, str]]:
    """(field, before, after) for every compared field that differs, in FIELDS order.

    When the outcome differs, that is the one difference shown (with each side's summary):
    every other field differs as a consequence.
    """
    a, b = flatten(before), flatten(after)
    for decisive in ("outcome", "status"):
        if a[decisive] != b[decisive]:
            return [(decisive, summary_of(before), summary_of(after))]
    found = []
    skipped = {name for name, _, _ in common.unreported}
    for name in FIELDS:
        if a.get(name) == b.get(name) or name in skipped:
            continue
        if name == "received.headers" and a.get(name) and b.get(name):
            shown_headers = header_difference(a[name], b[name], common.ignored, common.order)
            if shown_headers is not None:
                only_order = shown_headers[0].startswith("order: ")
                found.append(("received.header-order" if only_order else name, *shown_headers))
        else:
            found.append((name, shown(a.get(name)), shown(b.get(name))))
    return found


def category(fields: list[str]) -> str:
    """The most serious kind among the differing fields."""
    kinds = {FIELDS[name] for name in fields}
    return next(kind for kind in CATEGORIES if kind in kinds)


def snapshot_rows(before: dict[str, Any], after: dict[str, Any],
                  cited: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per case of either snapshot, differing or not, with both values; systematic
    header differences first, as one row each. ``cited`` maps claim ids to their sources:
    a case linked to one of them cites it instead of "undocumented"."""
    cited = cited or {}
    left = {case["id"]: case for case in before["cases"]}
    right = {case["id"]: case for case in after["cases"]}
    common = basis(before, after)
    rows = systematic_rows(common, cited)
    for case_id in dict.fromkeys([*left, *right]):
        a, b = left.get(case_id), right.get(case_id)
        record = b or a or {}
        sources = [f"{cited[claim]} (claim {claim}; seen on the wire by the snapshot)"
                   for claim in record.get("claims") or [] if claim in cited]
        row = {"area": record.get("area", case_id.split(".")[0]), "item": case_id,
               "source": "; ".join(sources) or SOURCE, "input": record.get("input", ""),
               "runs": ""}
        if a is None or b is None:
            row.update(category="informational", what="case only on one side",
                       before="absent" if a is None else a["outcome"],
                       after="absent" if b is None else b["outcome"], differs=True)
        elif differences := case_differences(a, b, common):
            fields = [name for name, _, _ in differences]
            row.update(category=category(fields), what=", ".join(fields),
                       before=" | ".join(x for _, x, _ in differences),
                       after=" | ".join(y for _, _, y in differences), differs=True)
        else:
            row.update(category="", what="", before=summary_of(a), after=summary_of(b),
                       differs=False)
        rows.append(row)
    return pd.DataFrame(rows, columns=ROW_COLUMNS)


def basis(before: dict[str, Any], after: dict[str, Any]) -> Systematic:
    """What two snapshots differ in everywhere, left out of every case's comparison."""
    left = {case["id"]: case for case in before["cases"]}
    right = {case["id"]: case for case in after["cases"]}
    return replace(systematic(left, right), unreported=unreported_fields(left, right))


def cases_differ(before: dict[str, Any], after: dict[str, Any], common: Systematic) -> bool:
    """Whether one case's two records differ, the systematic differences left out."""
    return bool(case_differences(before, after, common))


def unreported_fields(left: dict[str, Any],
                      right: dict[str, Any]) -> tuple[tuple[str, str, str], ...]:
    """Client-reported fields that one side leaves empty in every answered case."""
    def never(cases: dict[str, Any], name: str) -> bool:
        answered = [c for c in cases.values() if c["outcome"] == "response"]
        return bool(answered) and all(c.get(name) is None for c in answered)

    found = []
    for name in ("url", "history"):
        a, b = never(left, name), never(right, name)
        if a != b:
            found.append((name, "not reported by the client" if a else "reported",
                          "not reported by the client" if b else "reported"))
    return tuple(found)


USER_AGENT_CLAIM = "headers.default-user-agent"


def systematic_rows(common: Systematic, cited: dict[str, str]) -> list[dict[str, Any]]:
    base = {"area": "headers", "category": "wire", "source": SOURCE, "differs": True,
            "runs": "",
            "input": f"every case both sides answered ({common.cases})"}
    rows = []
    if common.before or common.after:
        only_agent = all(line.startswith("user-agent:") for line in common.ignored)
        source = (f"{cited[USER_AGENT_CLAIM]} (claim {USER_AGENT_CLAIM}; seen on the wire by "
                  "the snapshot)" if only_agent and USER_AGENT_CLAIM in cited else SOURCE)
        rows.append({**base, "source": source, "item": "(every case) default headers",
                     "what": "received.headers",
                     "before": "; ".join(sorted(common.before)) or "(none)",
                     "after": "; ".join(sorted(common.after)) or "(none)"})
    if common.order:
        rows.append({**base, "item": "(every case) header order",
                     "what": "received.header-order", "category": "informational",
                     "before": common.example[0], "after": common.example[1]})
    for name, before, after in common.unreported:
        rows.append({**base, "area": "responses", "item": f"(every case) {name}",
                     "what": name, "category": "informational", "before": before,
                     "after": after})
    return rows


def summary_of(case: dict[str, Any]) -> str:
    """A short text of one case's observation, for rows that did not change."""
    if case["outcome"] == "response":
        received = case.get("received") or {}
        target = received.get("target", "")
        return shown(f"{case.get('status')} {received.get('method', '')} {target}".strip())
    return shown(f"{case['outcome']}: {case.get('exception') or case.get('reason') or ''}")
