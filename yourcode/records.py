"""A recorder's directory read back: requests by (test, order), outcomes by test."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Key = tuple[str, int]  # (test node id, order of the request within it)


@dataclass
class Recording:
    requests: dict[Key, dict[str, Any]] = field(default_factory=dict)
    outcomes: dict[str, dict[str, Any]] = field(default_factory=dict)
    clients: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)  # "httpx" -> "httpx2" where aliased


def lines(path: Path) -> list[dict[str, Any]]:
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # the last line of a process killed mid-write
    return entries


def load(directory: Path) -> Recording:
    recording = Recording()
    if not directory.is_dir():
        return recording
    for path in sorted(directory.glob("requests-*.jsonl")):
        for entry in lines(path):
            recording.requests[entry["test"], entry["order"]] = entry
    for path in sorted(directory.glob("outcomes-*.jsonl")):
        for entry in lines(path):  # under xdist the controller and a worker both write one
            recording.outcomes.setdefault(entry["test"], entry)
    for path in sorted(directory.glob("session-*.json")):
        try:
            session = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            continue
        recording.clients.update(session.get("clients", {}))
        recording.aliases.update(session.get("aliases", {}))
        recording.problems += [p for p in session.get("problems", [])
                               if p not in recording.problems]
    return recording
