"""System calls by kind between the workload's begin and end markers in an strace log."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from bench.counts.workload import MARKER

# "1234 recvfrom(3, ..." with -f -o; "<... recvfrom resumed>" continues a call already seen.
_CALL = re.compile(r"^(?:\[pid\s+\d+\]\s+|\d+\s+)?(?P<name>[a-z_0-9]+)\((?P<args>.*)$")
_MARK = re.compile(rf'"{MARKER}:(?P<event>begin|end):(?P<scenario>[^"]+)"')


def syscalls_by_region(trace: Path) -> dict[str, Counter[str]]:
    """{scenario: Counter(syscall name -> calls)} for every begin/end pair in ``trace``."""
    regions: dict[str, Counter[str]] = {}
    current: Counter[str] | None = None
    with trace.open(errors="replace") as lines:
        for line in lines:
            call = _CALL.match(line)
            if call is None:
                continue  # resumed halves, exits, signals
            mark = _MARK.search(call.group("args")) if call.group("name") == "write" else None
            if mark is not None:
                if mark.group("event") == "begin":
                    current = regions[mark.group("scenario")] = Counter()
                else:
                    current = None
                continue
            if current is not None:
                current[call.group("name")] += 1
    return regions
