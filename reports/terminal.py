"""Everything printed to a terminal fits 100 columns (docs/reports.md, "Terminal output").

One home for terminal rendering: ``compare``, ``upgrade``, the main report and ``history``
print through ``say`` (free text, wrapped at spaces, continuation lines indented) and
``print_frame`` (a rich table whose cells wrap or are shortened; the words a reader scans
for, such as a verdict, are never cut). The full text stays in the report's CSV and HTML
files and in ``--markdown``, which is not touched here. Colour only on a TTY.
"""

from __future__ import annotations

import io
import os
import re
import sys
import textwrap
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from reports.compare import Comparison
    from reports.upgrade import UpgradeReport

WIDTH = 100  # the contract: no line wider (a narrower $COLUMNS is honoured, a wider not)
NARROWEST = 60  # below this a table of eight columns is unreadable: $COLUMNS is ignored
SHORT = 16  # cells up to this long are never wrapped; a name is cut to no less
CELL_LIMIT = 120  # a free-text cell is cut at its end beyond this (then wrapped)
ELLIPSIS = "…"
OUTCOME_STYLES = {"holds": "green", "broken": "red", "missing-api": "yellow",
                  "setup-failed": "magenta", "not-installed": "dim", "regression": "bold red",
                  "improvement": "green", "missing": "bold red", "pass": "green",
                  "breaking": "bold red"}
# A pytest node id's file part ("bench/test_rtt.py::"): the prefix every row of a file
# shares, dropped where the names stay unique without it.
NUMBER = re.compile(r"^[+-]?[\d.,]+(e[+-]?\d+)?%?$")
NODE_FILE = re.compile(r"^[\w./-]+\.py::")


def interactive() -> bool:
    return sys.stdout.isatty()


def width() -> int:
    """100; a smaller $COLUMNS of at least 60 (a narrow terminal) is honoured. A wider one
    is not: CI logs and pasted output stay the same everywhere, and the long text is in the
    files (docs/reports.md)."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        return WIDTH
    return columns if NARROWEST <= columns < WIDTH else WIDTH


def wrap(line: str) -> list[str]:
    """One line as lines that fit: broken at spaces, continuation lines indented two
    more than the line itself. A single word longer than the width (a long file path) is
    kept whole, so it can still be copied."""
    indent = " " * (len(line) - len(line.lstrip(" ")))
    return textwrap.wrap(line, width(), subsequent_indent=indent + "  ",
                         break_long_words=False, break_on_hyphens=False) or [""]


def say(*lines: str) -> None:
    """Print each line (which may hold newlines) wrapped to fit; an empty one prints
    nothing."""
    for block in filter(None, lines):
        for line in block.split("\n"):
            print("\n".join(wrap(line)))


def verdict(line: str, first: bool) -> None:
    """The verdict as a paragraph of its own, printed first and last by every command so
    that a reader (or ``head``/``tail``) finds it at either end; wrapped, never cut."""
    if not first:
        print()
    say(line)
    if first:
        print()


def plain(line: str) -> str:
    """A verdict line of summary.md's without its marks (two columns wide on a terminal)."""
    return line.replace("✅ ", "").replace("❌ ", "fail: ")


def print_frame(frame: pd.DataFrame, title: str = "", names: Sequence[str] = (),
                words: Sequence[str] = ()) -> None:
    """``frame`` as a table that fits: ``names`` columns (benchmark, claim) lose a shared
    file prefix and then their middle; ``words`` columns (verdict, outcome) keep every
    character; numbers keep theirs; other cells wrap (cut beyond CELL_LIMIT characters)."""
    if title:
        say(f"{title}: none" if frame.empty else title)
    elif frame.empty:
        say("none")
    if frame.empty:
        return
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1, 0, 0),
                  header_style="bold" if interactive() else "")
    # Headers wrap at spaces: "not-installed" and "server_bound" may take two lines.
    headers = {column: re.sub(r"[-_]", " ", str(column)) for column in frame.columns}
    cells = {column: [cell(value) for value in frame[column]] for column in frame.columns}
    budget = width() - 2 * len(frame.columns) + 1  # a space of padding and of separator each
    least = {column: _least(headers[column], cells[column], column in words)
             for column in frame.columns if column not in names}
    # A name gets what the other columns leave at their narrowest, at least SHORT.
    room = max((budget - sum(least.values())) // max(len(names), 1), SHORT)
    for column in names:
        cells[column] = shortened(cells[column], room)
        least[column] = min(max(map(len, cells[column])), room)
    natural = {column: max(*map(len, cells[column]), *map(len, headers[column].split()))
               for column in frame.columns}
    widths = shared(least, natural, budget)
    for column in frame.columns:
        numbers = all(NUMBER.match(value) for value in cells[column] if value)
        table.add_column(headers[column], width=widths[column], no_wrap=column in words,
                         overflow="fold", justify="right" if numbers else "left")
    for row in zip(*cells.values(), strict=True):
        table.add_row(*[_styled(value) for value in row])
    rendered = io.StringIO()
    Console(file=rendered, width=width(), force_terminal=interactive(),
            highlight=False).print(table)
    print("\n".join(line.rstrip() for line in rendered.getvalue().splitlines()))


def shared(least: dict[str, int], natural: dict[str, int], budget: int) -> dict[str, int]:
    """Widths from each column's narrowest up to its natural (no cell wrapped) within
    ``budget``: the columns that need least more are served first, the rest share."""
    widths = dict(least)
    spare = budget - sum(least.values())
    growing = sorted((c for c in least if natural[c] > least[c]),
                     key=lambda c: natural[c] - least[c])
    for index, column in enumerate(growing):
        extra = min(natural[column] - least[column], max(spare // (len(growing) - index), 0))
        widths[column] += extra
        spare -= extra
    return widths


def _least(header: str, cells: list[str], word: bool) -> int:
    """A column's narrowest: its longest cell for words and short cells; else its longest
    word up to SHORT (the cells wrap at their spaces, the header too)."""
    longest = max(len(value) for value in cells)
    heading = max(len(part) for part in header.split())
    if word or longest <= SHORT:
        return max(longest, heading)
    return min(max(len(part) for value in [header, *cells] for part in value.split()), SHORT)


def cell(value: object) -> str:
    """A value as a terminal cell: numbers to four significant figures, one line."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    shown = " ".join(str(value).split())
    return shown if len(shown) <= CELL_LIMIT else shown[:CELL_LIMIT - 1] + ELLIPSIS


def shortened(names: Iterable[str], limit: int) -> list[str]:
    """Names that fit ``limit`` where that keeps them apart: the file part of a node id
    dropped, then the middle of a long name replaced by an ellipsis (names sharing a long
    prefix stay distinguishable by their ends). A name whose shorter form another name
    shares is kept whole (the table wraps it)."""
    given = list(names)
    for step in (_without_file, lambda name: middle(name, limit)):
        tried = {name: step(name) for name in given}
        sources: dict[str, set[str]] = {}
        for name, short in tried.items():
            sources.setdefault(short, set()).add(name)
        given = [tried[name] if len(sources[tried[name]]) == 1 else name for name in given]
    return given


def middle(name: str, limit: int) -> str:
    if len(name) <= limit:
        return name
    head = (limit - 1) // 2
    return name[:head] + ELLIPSIS + name[len(name) - (limit - 1 - head):]


def _without_file(name: str) -> str:
    return NODE_FILE.sub("", name)


def _styled(value: str) -> str:
    from rich.markup import escape

    style = OUTCOME_STYLES.get(value) if interactive() else None
    return f"[{style}]{escape(value)}[/]" if style else escape(value)


# --- the commands' views ------------------------------------------------------------------

KIND_TITLES = {"counts": "Counts", "timing": "Timings", "coverage": "Coverage"}
EMPTY_CELLS = ("", "-")


def print_comparison(result: Comparison, title: str, shown: pd.DataFrame) -> None:
    """``compare``: the verdict, the sides and packages, a table per kind (and target), each
    table's rules listed under it, the counts per verdict, the verdict again."""
    verdict(result.verdict_line(), first=True)
    say(title, result.package_line(), *result.warnings)
    if shown.empty:
        say(f"(all {len(result.table)} rows unchanged; --all shows them)")
    several = shown["target"].nunique() > 1
    for (kind, target), group in shown.groupby(["kind", "target"], sort=False):
        gates = "gates" if kind in result.gating_kinds else "informs, does not gate"
        where = f" of {target}" if several else ""
        rows = group.drop(columns=["kind", "target"])
        rows = rows.drop(columns=[c for c in rows.columns
                                  if rows[c].map(cell).isin(EMPTY_CELLS).all()])
        # A measure or rule every row shares is said once, above or below the table; the
        # other rules are numbered and listed under it.
        same = [c for c in ("measure", "rule") if len(rows) > 1 and rows[c].nunique() == 1]
        title = (f"{KIND_TITLES.get(kind, kind)}{where} ({gates}): {len(rows)} rows"
                 + (f", measure {rows['measure'].iloc[0]}" if "measure" in same else ""))
        numbers = {rule: n for n, rule in enumerate(dict.fromkeys(rows["rule"]), start=1)}
        rules = ([f"  rule: {rows['rule'].iloc[0]}"] if "rule" in same else
                 [f"  rule {n}: {rule}" for rule, n in numbers.items()])
        print()
        print_frame(rows.assign(rule=rows["rule"].map(numbers)).drop(columns=same), title,
                    names=["benchmark"], words=["verdict"])
        say(*rules)
    if not shown.empty:
        print()
    say(result.regression_packages_line(), *result.summary().split("; "))
    verdict(result.verdict_line(), first=False)


def print_upgrade(report: UpgradeReport, show_all: bool) -> None:
    """``upgrade``: the verdict (differences per category), the sides, the area table, the
    differing rows by category (breaking first), the verdict again."""
    from reports.markdown import upgrade_sections

    verdict(report.verdict_line(), first=True)
    say(*report.summary[1:])
    print()
    print_frame(report.by_area(), "By area (differences per kind; same = unchanged)",
                names=["area"])
    for title, rows, notes in upgrade_sections(report, show_all):
        print()
        print_frame(rows, title, names=["item"], words=["what"])
        say(*notes)
