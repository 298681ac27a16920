"""What changed between two recordings of the same request, named by area, with the bytes.

Areas: method, host, path escaping (same path once unescaped) or path, query encoding (same
pairs once decoded), query order, query parameters (pairs added or removed: ``params=``
merging), header added/removed/value/order, JSON encoding (same document, other bytes),
JSON content, form encoding, form content, body bytes, response status (what the test got
back: a mock that stopped matching, say). A multipart boundary is random per request: it is
replaced by ``<boundary>`` on both sides before comparing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

CONTEXT = 24  # bytes shown either side of the first difference
BOUNDARY = re.compile(r"boundary=\"?([^\";,]+)\"?")
# The client's default User-Agent names its version: it differs on every request of an
# upgrade, so it is named once by the summary rather than as a change of each request.
OWN_USER_AGENT = re.compile(r"python-httpx[\w]*/[\w.+-]+")
USER_AGENT_VERSION = "User-Agent version"


@dataclass(frozen=True)
class Difference:
    area: str
    detail: str  # one line: the bytes on each side, or the pairs/names that differ


def header_value(entry: dict[str, Any], name: str) -> str:
    for key, value in entry["headers"]:
        if key.lower() == name:
            return value
    return ""


def normalized(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry with its multipart boundary (random per request) replaced."""
    found = BOUNDARY.search(header_value(entry, "content-type"))
    if not found:
        return entry
    token = found.group(1)
    return {**entry, "body": entry["body"].replace(token, "<boundary>"),
            "headers": [[k, v.replace(token, "<boundary>")] for k, v in entry["headers"]]}


def first_difference(before: str, after: str) -> str:
    """Both sides' bytes around the first offset where they differ."""
    at = next((i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b),
              min(len(before), len(after)))
    start = max(0, at - CONTEXT)

    def show(text: str) -> str:
        return repr(text[start:at + CONTEXT].encode("latin-1"))

    return f"at byte {at}: {show(before)} -> {show(after)}"


def pairs(query: str) -> list[tuple[bytes, bytes]]:
    return [(unquote_to_bytes(k.replace("+", " ")), unquote_to_bytes(v.replace("+", " ")))
            for k, v in parse_qsl(query, keep_blank_values=True, encoding="latin-1")]


def target_differences(before: str, after: str) -> list[Difference]:
    path_b, _, query_b = before.partition("?")
    path_a, _, query_a = after.partition("?")
    found = []
    if path_b != path_a:
        same = unquote_to_bytes(path_b) == unquote_to_bytes(path_a)
        found.append(Difference("path escaping" if same else "path",
                                first_difference(path_b, path_a)))
    if query_b != query_a:
        old, new = pairs(query_b), pairs(query_a)
        if old == new:
            found.append(Difference("query encoding", first_difference(query_b, query_a)))
        elif sorted(old) == sorted(new):
            found.append(Difference("query order", f"{query_b!r} -> {query_a!r}"))
        else:
            gone = [f"{k.decode('latin-1')}={v.decode('latin-1')}" for k, v in old
                    if (k, v) not in new]
            added = [f"{k.decode('latin-1')}={v.decode('latin-1')}" for k, v in new
                     if (k, v) not in old]
            found.append(Difference("query parameters",
                                    f"removed {gone or 'none'}, added {added or 'none'}: "
                                    f"{query_b!r} -> {query_a!r}"))
    return found


def shown(values: list[str]) -> str:
    return repr(values[0]) if len(values) == 1 else repr(values)


def header_differences(before: list, after: list) -> list[Difference]:
    names_b = [k.lower() for k, _ in before]
    names_a = [k.lower() for k, _ in after]
    found = []
    for name, value in after:
        if name.lower() not in names_b:
            found.append(Difference("header added", f"{name}: {value}"))
    for name, value in before:
        if name.lower() not in names_a:
            found.append(Difference("header removed", f"{name}: {value}"))
    values_b: dict[str, list[str]] = {}
    values_a: dict[str, list[str]] = {}
    for values, headers in ((values_b, before), (values_a, after)):
        for name, value in headers:  # a repeated header keeps all its values, in order
            values.setdefault(name.lower(), []).append(value)
    for name in dict.fromkeys(k for k, _ in after):
        old, new = values_b.get(name.lower()), values_a[name.lower()]
        if old is not None and old != new:
            own = name.lower() == "user-agent" and len(old) == len(new) == 1 \
                and OWN_USER_AGENT.fullmatch(old[0]) and OWN_USER_AGENT.fullmatch(new[0])
            found.append(Difference(USER_AGENT_VERSION if own else "header value",
                                    f"{name}: {shown(old)} -> {shown(new)}"))
    if not found and before != after:
        found.append(Difference("header order", f"{names_b} -> {names_a}"))
    return found


def json_style(before: str, after: str) -> str:
    """What kind of re-encoding: separators (", " vs ","), non-ASCII escaping (\\u00e9)."""
    kinds = []
    if ("\", \"" in before or "\": " in before) != ("\", \"" in after or "\": " in after):
        kinds.append("separators")
    if ("\\u" in before) != ("\\u" in after):
        kinds.append("non-ASCII escaping")
    return ", ".join(kinds) or "other"


def body_area(before: str, after: str, content_type: str) -> str:
    if "json" in content_type:
        try:
            same = json.loads(before.encode("latin-1")) == json.loads(after.encode("latin-1"))
        except ValueError:
            return "body bytes"
        return f"JSON encoding ({json_style(before, after)})" if same else "JSON content"
    if "x-www-form-urlencoded" in content_type:
        return "form encoding" if pairs(before) == pairs(after) else "form content"
    return "body bytes"


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[Difference]:
    """Every difference between two recordings of one request, in wire order."""
    before, after = normalized(before), normalized(after)
    found = []
    if before["method"] != after["method"]:
        found.append(Difference("method", f"{before['method']} -> {after['method']}"))
    if before["origin"] != after["origin"]:
        found.append(Difference("host", f"{before['origin']} -> {after['origin']}"))
    found += target_differences(before["target"], after["target"])
    found += header_differences(before["headers"], after["headers"])
    if before["body_sha256"] != after["body_sha256"] and before["body"] != after["body"]:
        area = body_area(before["body"], after["body"],
                         header_value(after, "content-type").lower())
        found.append(Difference(area, first_difference(before["body"], after["body"])))
    if before.get("status") != after.get("status"):
        found.append(Difference("response status", f"{before.get('status')} -> "
                                                    f"{after.get('status')}"))
    return found
