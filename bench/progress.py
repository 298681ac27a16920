"""Progress lines on the terminal while a long fixture measures (pytest captures output)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest


def progress_writer(config: pytest.Config, prefix: str) -> Callable[[str], None]:
    """A function writing ``[prefix] line`` past pytest's capture; silent without a terminal."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")

    def write(line: str) -> None:
        if reporter is None:
            return
        disabled = (capture.global_and_fixture_disabled() if capture is not None
                    else contextlib.nullcontext())
        with disabled:
            reporter.ensure_newline()
            reporter.write_line(f"[{prefix}] {line}")
    return write
