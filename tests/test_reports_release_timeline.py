"""The report's release timeline section (reports/release_timeline.py, issue 23): a run's
``releases/timeline.json`` appears in index.html as a row per item that changed and a column
per release, each cell the kind of change with before -> after on hover, and the
dependencies that changed with each release; a run without one has no such section; a
broken one is an error naming the file; a long timeline stays within the section's budget
of the page's 1 MB."""

from __future__ import annotations

import itertools
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from releases.changes import Change
from releases.timeline import Step, Timeline, from_dict, markdown
from reports import release_timeline
from reports.build import write_report
from reports.errors import InputError
from tests.reports_helpers import NEW_RUN, PINNED, copy_results

TITLE = "Release timeline (which release changed what)"
COUNT = "pooled-http instructions/request"
# Bytes: twelve targets' page (tests/test_reports_page.py) measured 971 KB at 25ed7f7, under
# its 1 MB with this much to spare for the timeline.
SECTION_BUDGET = 28_000


class Table(HTMLParser):
    """Each row of one table as (text, class, title) per cell, the header row first (a
    cell spanning columns is that many cells, the first with its text)."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.wanted, self.inside = table_id, False
        self.rows: list[list[tuple[str, str, str]]] = []
        self.cell: list[str] | None = None
        self.attributes: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "table":
            self.inside = attributes.get("id") == self.wanted
        if not self.inside:
            return
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self.cell, self.attributes = [], attributes

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        if self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(("".join(self.cell).strip(), self.attributes.get("class", ""),
                                  self.attributes.get("title", "")))
            self.rows[-1] += [("", "", "")] * (int(self.attributes.get("colspan", 1)) - 1)
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def rows_of(page: str, table_id: str = "release-timeline-1") -> list[list[tuple[str, str, str]]]:
    parser = Table(table_id)
    parser.feed(page)
    return parser.rows


def three_steps() -> Timeline:
    """1.0.0 -> 1.3.0: a claim breaks at 1.1.0 with a count regression and a dependency
    change, two API items arrive at 1.2.0, the claim changes again and a wire case at
    1.3.0."""
    claim = "redirects.not-followed-by-default"
    return Timeline("httpx", ["1.0.0", "1.1.0", "1.2.0", "1.3.0"],
                    ["1.0.1: could not be measured: import httpx failed"], [
        Step("1.1.0", "1.0.0", [
            Change("claim", claim, "breaking", "holds: false", "broken: <true>"),
            Change("count", COUNT, "regression", "1500000.0", "1650000.0", "+10.0 %; rule: x")],
            [("httpcore", "1.0.7", "1.0.9")]),
        Step("1.2.0", "1.1.0", [
            Change("api", "api: Client(proxy)", "api", "absent", "default None"),
            Change("api", "api: get(proxy)", "api", "absent", "default None")], []),
        Step("1.3.0", "1.2.0", [
            Change("claim", claim, "informational", "broken: <true>", "holds: true"),
            Change("wire", "urls.path-char.pipe", "wire", "/a%7Cb", "/a|b")], []),
    ], durations={"measure": 700.0, "total": 712.4}, measured_now=["1.2.0", "1.3.0"])


def write_timeline(directory: Path, timeline: Timeline) -> Path:
    directory.mkdir(parents=True)
    path = directory / release_timeline.RESULT
    path.write_text(json.dumps(timeline.as_dict()))
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_results(tmp_path)


def test_a_runs_timeline_is_a_section_with_a_row_per_change_and_a_column_per_release(root):
    write_timeline(root / NEW_RUN / "releases", three_steps())
    path, _ = write_report([root], NEW_RUN, PINNED)
    page = (path / "index.html").read_text()
    section = page[page.index(TITLE):page.index("</body>")]
    assert "httpx 1.0.0 → 1.3.0: 4 releases, 5 items changed" in section
    assert "2 measured now, the rest read from the cache in 712 s" in section
    assert "skipped 1.0.1: could not be measured: import httpx failed" in section
    header, *rows = rows_of(page)
    assert [text for text, _, _ in header][1:] == ["1.1.0", "1.2.0", "1.3.0"]
    cells = [[(text, kind) for text, kind, _ in row] for row in rows]
    assert cells == [
        [("claim: redirects.not-followed-by-default", ""), ("breaking", "breaking"), ("", ""),
         ("informational", "informational")],
        [("wire: urls.path-char.pipe", ""), ("", ""), ("", ""), ("wire", "wire")],
        [("api ×2: api: Client(proxy), api: get(proxy)", ""), ("", ""), ("api", "api"),
         ("", "")],
        [(f"count: {COUNT}", ""), ("regression", "regression"), ("", ""), ("", "")],
        [("dependencies that changed with it", ""), ("httpcore 1.0.7 -> 1.0.9", ""),
         ("", ""), ("", "")]]
    titles = {(row[0][0], header[i][0]): title for row in rows
              for i, (_, _, title) in enumerate(row) if title}
    assert titles == {
        ("claim: redirects.not-followed-by-default", "1.1.0"): "holds: false → broken: <true>",
        ("claim: redirects.not-followed-by-default", "1.3.0"): "broken: <true> → holds: true",
        ("wire: urls.path-char.pipe", "1.3.0"): "/a%7Cb → /a|b",
        ("api ×2: api: Client(proxy), api: get(proxy)", "1.2.0"):
            "absent → default None (and 1 more)",
        (f"count: {COUNT}", "1.1.0"): "1500000.0 → 1650000.0 (+10.0 %; rule: x)"}
    assert "broken: &lt;true&gt;" in section  # values escaped


def test_the_section_shows_what_the_markdown_shows(root):
    """One timeline, two renderings: each row of timeline.md (an item, its kind per
    release) is an item of one row of the section, with the same kinds."""
    timeline = three_steps()
    write_timeline(root / NEW_RUN / "releases", timeline)
    path, _ = write_report([root], NEW_RUN, PINNED)
    shown = []
    for label, *kinds in [[text for text, _, _ in row] for row in rows_of(
            (path / "index.html").read_text())[1:-1]]:  # without the dependencies row
        group, items = label.split(": ", 1)
        shown += [[f"{group.split(' ×')[0]}: {item}", *kinds] for item in (
            items.split(", ") if " ×" in group else [items])]
    assert shown == markdown_rows(markdown(timeline))


def markdown_rows(text: str) -> list[list[str]]:
    """The rows of the Markdown's table of items (the one headed ``| item |``), cells as
    text (backquotes dropped)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| item |")) + 2
    table = lines[start:lines.index("", start)]
    return [[cell.strip().replace("`", "") for cell in line.strip("|").split(" | ")]
            for line in table]


def test_the_json_reads_back_as_the_timeline_it_was() -> None:
    timeline = three_steps()
    assert from_dict(json.loads(json.dumps(timeline.as_dict()))) == timeline


def test_a_run_without_one_has_no_such_section(root):
    path, _ = write_report([root], NEW_RUN, PINNED)
    assert TITLE not in (path / "index.html").read_text()


@pytest.mark.parametrize("text, problem", [
    ("{not json", "not a readable release timeline"),
    ('{"package": "httpx", "versions": ["1.0.0"]}', "not a release timeline \\(no 'steps'"),
])
def test_a_broken_timeline_is_an_error_naming_the_file(root, text, problem):
    broken = root / NEW_RUN / "releases-2" / "timeline.json"
    broken.parent.mkdir(parents=True)
    broken.write_text(text)
    with pytest.raises(InputError, match=rf"releases-2/timeline\.json: {problem}"):
        write_report([root], NEW_RUN, PINNED)


KINDS = ("breaking", "wire", "informational", "api", "packaging", "environment",
         "regression")


def long_timeline(releases: int, items: int) -> Timeline:
    """``items`` items with long names and values, each changed by two of ``releases``
    releases with one of seven kinds: hundreds of rows that no two items share."""
    versions = [f"2.{n}.0" for n in range(releases)]

    def changes_at(column: int) -> list[Change]:
        return [Change("api", f"api: Client.method_{i}(argument_{i})", KINDS[i % 7],
                       "x" * 300, "removed " + "y" * 300)
                for i in range(items)
                if column in (i % (releases - 1), (i // (releases - 1)) % (releases - 1))]

    steps = [Step(version, previous, changes_at(column), [("h2", "4.1.0", "4.2.0")])
             for column, (previous, version) in enumerate(itertools.pairwise(versions))]
    return Timeline("httpx2", versions, [], steps)


def test_a_long_timeline_is_a_section_within_its_budget(root):
    """However many items change, the section stays within SECTION_BUDGET, what index.html
    can take beside twelve targets under its 1 MB (tests/test_reports_page.py keeps the page
    itself under it)."""
    timeline = long_timeline(23, 1000)
    write_timeline(root / NEW_RUN / "releases", timeline)
    report, _ = write_report([root], NEW_RUN, PINNED)
    page = (report / "index.html").read_text()
    rows = rows_of(page)
    assert len(rows) == 1 + release_timeline.ROW_LIMIT + 1  # header, rows, dependencies
    assert len(rows[0]) == 1 + 22
    more = len(release_timeline.merged_rows(timeline)) - release_timeline.ROW_LIMIT
    assert more > 100 and f"{more} more rows in " in page
    section = page[page.index("<style>\nsection.release-timeline"):page.index("</section>",
                   page.index('<section class="release-timeline"'))]
    size = len(section.encode())
    assert size <= SECTION_BUDGET, f"the timeline section is {size} bytes"


def test_the_timeline_page_of_its_own(tmp_path: Path) -> None:
    path = write_timeline(tmp_path / "releases", three_steps())
    page = release_timeline.page(path, release_timeline.read(path))
    assert page.startswith("<!doctype html>") and page.endswith("</body></html>")
    assert "section.release-timeline td.breaking" in page  # its own style
    assert [text for text, _, _ in rows_of(page)[1]][1] == "breaking"
