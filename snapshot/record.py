"""Turning one exchange into a stable record: what varies per run is normalised away.

Per run the server's ports, the multipart boundary, memory addresses in messages and the
client's own address differ; none of that is the library's behaviour. Everything else is
kept verbatim, so any difference between two records is a difference in behaviour.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from snapshot.clients import Reported

MAX_TEXT = 2000  # characters of a response body or message kept (echoes are far smaller)
BOUNDARY = re.compile(r"boundary=\"?([^\";,\s]+)")
ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")


class Normaliser:
    """Replaces this run's ports (also percent-escaped, after ``%3A``) with ``PORT``."""

    def __init__(self, ports: list[int]) -> None:
        alternatives = "|".join(str(port) for port in sorted(set(ports), reverse=True))
        self.ports = re.compile(rf"(:|%3[aA])({alternatives})(?!\d)")

    def text(self, value: str) -> str:
        return ADDRESS.sub("0x…", self.ports.sub(r"\1PORT", value))

    def deep(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.deep(item) for item in value]
        if isinstance(value, dict):
            return {key: self.deep(item) for key, item in value.items()}
        return value


def body_text(body: bytes) -> dict[str, Any]:
    """Body bytes as text when they are UTF-8, else base64: exact either way."""
    try:
        return {"body": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"body_base64": base64.b64encode(body).decode("ascii")}


def received(echo: dict[str, Any]) -> dict[str, Any]:
    """What the server's echo endpoint says arrived, in wire order, boundary replaced."""
    headers = [list(pair) for pair in echo["header_list"]]
    body = base64.b64decode(echo["body_base64"])
    for name, value in headers:
        found = BOUNDARY.search(value) if name.lower() == "content-type" else None
        if found:
            boundary = found.group(1)
            body = body.replace(boundary.encode("latin-1"), b"BOUNDARY")
            headers = [[n, v.replace(boundary, "BOUNDARY")] for n, v in headers]
            break
    target = echo["raw_path"] + (f"?{echo['raw_query']}" if echo["raw_query"] else "")
    return {"method": echo["method"], "target": target, "http_version": echo["http_version"],
            "headers": headers, **body_text(body)}


def as_echo(body: bytes) -> dict[str, Any] | None:
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if isinstance(document, dict) and {"header_list", "body_base64", "raw_path"} <= document.keys():
        return document
    return None


def exchange(reported: Reported, normalise: Normaliser) -> dict[str, Any]:
    """The record of a completed exchange: the client's report and, if echoed, the wire."""
    echo = as_echo(reported.body)
    record: dict[str, Any] = {
        "outcome": "response", "status": reported.status, "url": reported.url,
        "history": reported.history, "warnings": reported.warnings,
        "received": received(echo) if echo else None,
    }
    if echo is None and reported.body:
        record["response_body"] = reported.body[:MAX_TEXT].decode("utf-8", "backslashreplace")
    return normalise.deep(record)


def failure(error: BaseException, warnings: list[str], normalise: Normaliser) -> dict[str, Any]:
    """The record of a request that raised: the exception class is the observation."""
    message = " ".join(str(error).split())[:MAX_TEXT]
    return {"outcome": "exception", "exception": type(error).__name__,
            "message": normalise.text(message), "warnings": warnings}
