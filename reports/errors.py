"""The one error the reports raise for bad input: it names the file and the problem."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """A result file or directory that cannot be used; printed as one line, exit status 2."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = Path(path)
        self.problem = problem
