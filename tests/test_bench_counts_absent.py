"""Without valgrind and strace the counts are absent with the reason, never zero."""

from __future__ import annotations

import pytest

from bench.counts.runner import count
from server.process import ServerInfo


def test_missing_tools_leave_counts_absent_and_the_server_figures_counted(
        server: ServerInfo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")  # neither tool can be found
    lines: list[str] = []
    result = count(["pooled-http"], {"http": server.http, "https": server.https}, server.ca,
                   quick=True, units={"pooled-http": 5}, progress=lines.append)["pooled-http"]
    assert result.instructions_per_request is None and result.syscalls_by_kind is None
    assert result.absent == {
        "instructions": "valgrind not found (Debian: apt-get install valgrind)",
        "syscalls": "strace not found (Debian: apt-get install strace)"}
    assert "counts: instructions absent: valgrind not found (Debian: apt-get install " \
           "valgrind)" in lines
    # The plain run still counts what the server saw: a pooled client opens nothing more.
    assert result.connections_per_request == 0
    assert result.bytes_received_per_request > result.bytes_sent_per_request > 0
