"""Tables on the terminal: rich when stdout is a TTY, plain aligned text otherwise."""

from __future__ import annotations

import sys

import pandas as pd

from reports.markdown import text

OUTCOME_STYLES = {"holds": "green", "broken": "red", "missing-api": "yellow",
                  "setup-failed": "magenta", "not-installed": "dim", "regression": "bold red",
                  "improvement": "green"}


def interactive() -> bool:
    return sys.stdout.isatty()


def print_frame(frame: pd.DataFrame, title: str = "") -> None:
    if frame.empty:
        print(f"{title}: none" if title else "none")
        return
    if interactive():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title or None, show_lines=False)
        for column in frame.columns:
            table.add_column(str(column), overflow="fold")
        for row in frame.itertuples(index=False):
            table.add_row(*[_styled(text(value)) for value in row])
        Console().print(table)
        return
    if title:
        print(title)
    print(frame.to_string(index=False, na_rep="", float_format=lambda x: f"{x:.4g}"))


def _styled(value: str) -> str:
    from rich.markup import escape

    style = OUTCOME_STYLES.get(value)
    return f"[{style}]{escape(value)}[/]" if style else escape(value)
