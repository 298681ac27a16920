"""Shared by the tests/test_reports_*.py modules: the hand-made results and a CLI runner."""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
from pathlib import Path

from reports.__main__ import main

DATA = Path(__file__).resolve().parent / "data" / "results"
REPO = Path(__file__).resolve().parent.parent
OLD_RUN, NEW_RUN = "20261101T100000-1", "20261102T100000-2"


def copy_results(destination: Path) -> Path:
    """A private copy of tests/data/results, so a report never writes into the repository."""
    root = destination / "results"
    shutil.copytree(DATA, root)
    return root


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``python -m reports ARGS`` as a user runs it, from the repository root."""
    return subprocess.run([sys.executable, "-m", "reports", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def run_main(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The same command in this process (interpreter start-up with pandas and scipy takes
    seconds here); output captured the same way."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(arg) for arg in args])
    return subprocess.CompletedProcess(["reports", *map(str, args)], code, out.getvalue(),
                                       err.getvalue())


def tree(root: Path) -> set[str]:
    """Every path under ``root``, relative, to show nothing was added or left behind."""
    return {str(path.relative_to(root)) for path in root.rglob("*")}
