"""The "Release timeline" section of the HTML report, from a run's release timelines.

``tox -e releases`` writes ``results/<run>/releases*/timeline.json`` (releases/timeline.py,
whose Markdown is the PR comment). This module renders each as a table: a row per item that
changed (claim, wire case, API item, packaging, environment, count; items of one kind that
the same releases changed the same way share a row, as the API items one removal took out),
a column per release, each cell the kind of change that release made against the one before
it, its before and after on hover, and a last row with the dependencies that changed with
each release. The
section carries its own style, so the releases command also writes it as ``timeline.html``
beside the JSON.
"""

from __future__ import annotations

import html
import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from harness.packages import describe
from releases.changes import Change
from releases.timeline import Timeline, from_dict, short
from reports.errors import InputError
from reports.readers import written_in

RESULT = "timeline.json"
# Rows per timeline: index.html stays under its size limit beside twelve targets
# (tests/test_reports_release_timeline.py); timeline.md and timeline.json hold every item.
ROW_LIMIT = 50
HOVER = 40  # characters of a before or after value on a cell's hover
LABEL = 160  # characters of a shared row's item list
STYLE = """
section.release-timeline table { border-collapse: collapse; font-size: 0.8em; margin: 0.5em 0; }
section.release-timeline th, section.release-timeline td { border: 1px solid #ccc;
  padding: 2px 6px; text-align: left; vertical-align: top; }
section.release-timeline th { background: #f0f0f0; }
section.release-timeline td[title] { cursor: help; }
section.release-timeline td.breaking, section.release-timeline td.regression
{ background: #fadbd8; }
section.release-timeline td.wire { background: #fdebd0; }
section.release-timeline td.improvement { background: #d5f5e3; }
section.release-timeline td.informational, section.release-timeline td.api,
section.release-timeline td.packaging, section.release-timeline td.environment
{ background: #eaf2f8; }
section.release-timeline code { font-size: 0.95em; word-break: break-all; }
section.release-timeline .note { color: #555; font-size: 0.85em; }
"""


def read(path: Path) -> Timeline:
    try:
        return from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(path, f"not a readable release timeline ({error})") from None
    except (KeyError, TypeError, AttributeError) as error:
        raise InputError(path, f"not a release timeline (no {error} where one was "
                               "expected)") from None


def timelines_in(directories: Iterable[Path]) -> list[tuple[Path, Timeline]]:
    """Every ``releases*/timeline.json`` of a run's directories, in the order written."""
    return [(path, read(path)) for path in written_in(directories, f"releases*/{RESULT}")]


def escape(value: object) -> str:
    return html.escape("" if value is None else str(value))


def kind_class(kind: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in kind)


@dataclass
class Row:
    group: str
    items: list[str]
    kinds: tuple[str, ...]  # per release column, "" where it did not change
    changes: list[list[Change | None]]  # per item, per release column


def merged_rows(timeline: Timeline) -> list[Row]:
    """The timeline's items, those of one group changed the same way by the same releases
    in one row (the 13 API items a removal took out are one change); item order kept."""
    versions = timeline.versions[1:]
    rows: dict[tuple[str, tuple[str, ...]], Row] = {}
    for (group, item), changes in timeline.items().items():
        at = {step.version: change for step, change in changes}
        kinds = tuple(at[v].kind if v in at else "" for v in versions)
        row = rows.setdefault((group, kinds), Row(group, [], kinds, []))
        row.items.append(item)
        row.changes.append([at.get(v) for v in versions])
    return list(rows.values())


def hover(row: Row, column: int) -> str:
    """Before -> after of the row's first item in this release; how many more share it."""
    change = next(changes[column] for changes in row.changes if changes[column])
    assert change is not None
    text = f"{short(change.before, HOVER)} → {short(change.after, HOVER)}"
    if change.group == "count" and change.note:
        text += f" ({short(change.note, HOVER)})"
    return text + (f" (and {len(row.items) - 1} more)" if len(row.items) > 1 else "")


def label(row: Row) -> str:
    if len(row.items) == 1:
        return f"{escape(row.group)}: <code>{escape(row.items[0])}</code>"
    return f"{escape(row.group)} ×{len(row.items)}: {escape(short(', '.join(row.items), LABEL))}"


def cells(row: Row) -> str:
    """A cell per release that changed the row; a run of releases that did not is one
    empty cell spanning them (most cells are empty: the page stays small)."""
    parts = []
    for changed, columns in itertools.groupby(enumerate(row.kinds), key=lambda c: bool(c[1])):
        run = list(columns)
        if not changed:
            parts.append(f'<td colspan="{len(run)}"></td>' if len(run) > 1 else "<td></td>")
            continue
        parts += [f'<td class="{kind_class(kind)}" title="{escape(hover(row, column))}">'
                  f"{escape(kind)}</td>" for column, kind in run]
    return "".join(parts)


def timeline_html(path: Path, timeline: Timeline, number: int) -> str:
    versions = timeline.versions[1:]  # each a step against the release before it
    seconds = timeline.durations.get("total")
    took = f" in {seconds:.0f} s" if seconds is not None else ""
    items = timeline.items()
    rows = merged_rows(timeline)
    parts = [f"<h3>{escape(timeline.package)} {escape(timeline.versions[0])} → "
             f"{escape(timeline.versions[-1])}: {len(timeline.versions)} releases, "
             f"{len(items)} items changed</h3>",
             f'<p class="note">{len(timeline.measured_now)} measured now, the rest read from '
             f"the cache{took}. Each column: what that release changed against the one "
             "before it; items of one kind changed the same way by the same releases share "
             f"a row; hover a cell for before → after. Every item and value: {escape(path)} "
             "and the .md beside it (the PR comment).</p>"]
    if timeline.skipped:
        parts.append("<ul>" + "".join(f"<li>skipped {escape(line)}</li>"
                                      for line in timeline.skipped) + "</ul>")
    if not rows:
        parts.append("<p>No claim, wire case, API item or count changed between these "
                     "releases.</p>")
        return "\n".join(parts)
    body = []
    for row in rows[:ROW_LIMIT]:
        body.append(f"<tr><td>{label(row)}</td>{cells(row)}</tr>")
    dependencies = {step.version: describe(step.dependencies) for step in timeline.steps}
    if any(dependencies.values()):
        body.append("<tr><td>dependencies that changed with it</td>" + "".join(
            f"<td>{escape(dependencies.get(v, ''))}</td>" for v in versions) + "</tr>")
    header = "".join(f"<th>{escape(v)}</th>" for v in versions)
    table_id = f"release-timeline-{number}"
    # The page's script fills the span with the rows shown ("3 of 65"); alone it stays empty.
    parts.append(f'<table class="filterable" id="{table_id}"><thead><tr><th>item <span '
                 f'id="{table_id}-shown" class="note"></span></th>{header}</tr></thead><tbody>'
                 + "".join(body) + "</tbody></table>")
    if len(rows) > ROW_LIMIT:
        parts.append(f'<p class="note">{len(rows) - ROW_LIMIT} more rows in '
                     f"{escape(path)}.</p>")
    return "\n".join(parts)


def section(timelines: list[tuple[Path, Timeline]]) -> str:
    """The section, or '' when the run has no release timeline."""
    if not timelines:
        return ""
    return "\n".join([f"<style>{STYLE}</style>",
                      '<section class="release-timeline" id="release-timeline">',
                      "<h2>Release timeline (which release changed what)</h2>",
                      *(timeline_html(path, timeline, number)
                        for number, (path, timeline) in enumerate(timelines, 1)),
                      "</section>"])


def with_section(page: str, directories: Iterable[Path]) -> str:
    """``page`` with the run's timeline section before ``</body>`` (unchanged if none)."""
    rendered = section(timelines_in(directories))
    if not rendered:
        return page
    at = page.rfind("</body>")
    return page[:at] + rendered + "\n" + page[at:] if at >= 0 else page + rendered


def page(path: Path, timeline: Timeline) -> str:
    """One timeline as a page of its own (beside its JSON)."""
    title = (f"Release timeline: {timeline.package} {timeline.versions[0]} -> "
             f"{timeline.versions[-1]}")
    return "\n".join(["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
                      f"<title>{escape(title)}</title></head>",
                      '<body style="font-family: system-ui, sans-serif; margin: 1.5em">',
                      section([(path, timeline)]), "</body></html>"])
