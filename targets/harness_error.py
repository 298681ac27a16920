"""When a suite could not measure its target, and the result that says so.

A candidate that behaves differently is a result (pytest exits 1 and writes its file). A
suite that crashed (the server would not start, a plugin or collection error, an internal
error) measured nothing: that is a ``harness-error``, recorded for the target with the
reason, so the matrix keeps its column and the run fails.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from pathlib import Path

from harness import schema

# pytest's exit codes that mean "ran, and these are the results" (0 passed, 1 failed).
RESULT_CODES = (0, 1)
RESULT_KINDS = ("conformance", "bench")
TAIL_LINES = 60
REASON_LIMIT = 300
# Where pytest puts the reason, most telling first: pytest.exit(...), a collection or
# conftest error, an exception line.
REASON_PATTERNS = (
    re.compile(r"^!+ .*?(?:Exit|Interrupted): (?P<reason>.+?) !+$"),
    re.compile(r"^ERROR (?P<reason>.+)$"),
    re.compile(r"^E +(?P<reason>\S.+)$"),
    re.compile(r"^(?P<reason>(?:\w+\.)*\w*(?:Error|Exception): .+)$"),
)


class OutputTail:
    """The last lines a suite printed (it still prints them as they come)."""

    def __init__(self) -> None:
        self.lines: deque[str] = deque(maxlen=TAIL_LINES)

    def add(self, line: str) -> None:
        self.lines.append(line.rstrip())


def result_files(directory: Path) -> set[Path]:
    if not directory.is_dir():
        return set()
    return {path for path in directory.iterdir()
            if path.suffix == ".json" and path.name.startswith(RESULT_KINDS)}


def reason_from(lines: list[str], code: int) -> str:
    """One line saying why the suite measured nothing, from its last lines of output."""
    for pattern in REASON_PATTERNS:
        for line in reversed(lines):
            match = pattern.match(line.strip())
            if match:
                return f"{match.group('reason').strip()} (exit code {code})"[:REASON_LIMIT]
    last = next((line.strip() for line in reversed(lines) if line.strip()), "no output")
    return f"{last} (exit code {code})"[:REASON_LIMIT]


def harness_error(code: int, wrote_results: bool, tail: list[str]) -> str | None:
    """The reason the suite could not measure the target, or None if it did."""
    if code in RESULT_CODES and wrote_results:
        return None
    if code in RESULT_CODES:
        return f"the suite wrote no result file (exit code {code})"
    return reason_from(tail, code)


def write_conformance_error(target: str, run: str, reason: str) -> Path:
    """A conformance.json in which every claim of the catalogue is ``harness-error``."""
    from conformance.catalogue import load_catalogue

    claims = [{"id": claim.id, "sentence": claim.sentence, "source": claim.source,
               "outcome": "harness-error", "expected": None, "unexpected": True,
               "observed": None, "message": reason, "duration": 0.0, "requests": None}
              for claim in load_catalogue().values()]
    environment = schema.environment()
    environment.update(target=target, run=run)
    summary = {name: 0 for name in schema.OUTCOMES}
    summary["harness-error"] = summary["unexpected"] = len(claims)
    document = {
        "schema": schema.CONFORMANCE_SCHEMA,
        "schema_version": schema.SCHEMA_VERSION,
        "environment": environment,
        "started": dt.datetime.now(dt.timezone.utc).isoformat(),
        "duration": 0.0,
        "partial": False,
        "harness_error": reason,
        "summary": summary,
        "claims": claims,
    }
    path = schema.new_result_path("conformance", run=run, target=target)
    schema.write_json(path, document)
    return path
