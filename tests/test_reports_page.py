"""index.html, verdict first (issue 21): the first section answers "did it regress?" with
the gate's own verdict and rows, and "what changes?" with per-target counts; below it only
differing rows show by default; twelve targets and the whole catalogue stay under 1 MB."""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from conformance.catalogue import load_catalogue
from reports.build import write_report
from reports.compare import compare
from tests.reports_helpers import DATA, NEW_RUN, OLD_RUN, PINNED, add_counts, copy_results

PAGE_LIMIT = 1_000_000  # bytes (issue 21)


class Page(HTMLParser):
    """The first section's verdict and tables (rows of cell texts), and every row of the
    filterable tables with its class and data-* attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # >0 inside <section id="first-screen">
        self.verdict = ""
        self.in_verdict = False
        self.first: dict[str, list[list[str]]] = {}  # table after <h2 id=...> -> rows
        self.heading = ""
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.table_rows: dict[str, list[dict[str, str]]] = {}  # filterable table id -> rows
        self.table = ""
        self.in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "section" and attributes.get("id") == "first-screen":
            self.depth = 1
        elif tag == "section" and self.depth:
            self.depth += 1
        if tag == "p" and attributes.get("id") == "verdict":
            self.in_verdict = True
        if tag == "h2" and self.depth:
            self.heading = attributes.get("id", "")
        if tag == "table":
            self.rows = []
            self.table = attributes.get("id", "") if "filterable" in attributes.get(
                "class", "") else ""
            if self.table:
                self.table_rows[self.table] = []
        if tag == "tr":
            self.rows.append([])
            if self.table and self.in_body:
                self.table_rows[self.table].append(attributes)
        if tag in ("td", "th"):
            self.cell = []
        self.in_body = self.in_body or tag == "tbody"

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self.depth:
            self.depth -= 1
        self.in_body = self.in_body and tag != "tbody"
        if tag == "p":
            self.in_verdict = False
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None
        if tag == "table":
            if self.depth and self.heading:
                self.first[self.heading] = self.rows
            self.table = ""

    def handle_data(self, data: str) -> None:
        if self.in_verdict:
            self.verdict += data
        if self.cell is not None:
            self.cell.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def table(rows: list[list[str]]) -> pd.DataFrame:
    """A first-section table; a row with a spanning cell ("not installed") fills its row."""
    head = rows[0]
    body = [row + [row[-1]] * (len(head) - len(row)) for row in rows[1:]]
    return pd.DataFrame(body, columns=head).set_index(head[0])


def with_counts(tmp_path: Path, factor: float) -> Path:
    """The hand-made results with count entries for the pinned target in both runs, the
    newer run's instructions/request multiplied by ``factor``."""
    root = copy_results(tmp_path)
    add_counts(root / OLD_RUN / PINNED / "bench.json")
    add_counts(root / NEW_RUN / PINNED / "bench.json",
               instructions_per_request=1_500_000.0 * factor)
    return root


@pytest.mark.parametrize("factor", [1.0, 1.10])
def test_the_first_section_holds_the_gates_verdict_and_its_rows(tmp_path: Path,
                                                                 factor: float) -> None:
    """No --baseline: the previous run with benchmarks of the pinned target is the
    baseline. The first section says compare's own verdict line on those two directories,
    and its instructions row counts exactly the rows compare fails."""
    root = with_counts(tmp_path, factor)
    report, _ = write_report([root], NEW_RUN, PINNED)
    gate = compare(root / OLD_RUN / PINNED, root / NEW_RUN / PINNED)
    page = parse(report / "index.html")
    assert gate.verdict_line() in page.verdict
    assert ("❌" in page.verdict) == gate.failed()
    rows = table(page.first["regressed"])
    failing = gate.failing()
    instructions = failing[failing["measure"] == "instructions/request"]
    assert int(rows.loc["instructions/request", "worse"]) == len(instructions)
    assert (rows.loc["instructions/request", "verdict"] == "FAILS") == (len(instructions) > 0)
    assert "worse by > " in rows.loc["instructions/request", "rule"]
    assert factor == 1.0 or len(instructions) > 0  # the altered input does go red


def test_the_first_section_counts_what_changes_per_target(tmp_path: Path) -> None:
    """Per target, the breaking count is the claims whose outcome differs from the pinned
    target's, counted here from conformance-claims.csv; each count links to its rows."""
    report, _ = write_report([copy_results(tmp_path)], NEW_RUN, PINNED)
    page = parse(report / "index.html")
    counts = table(page.first["what-changes"])
    claims = pd.read_csv(report / "conformance-claims.csv")
    outcomes = claims.pivot(index="claim", columns="target", values="outcome")
    installed = [t for t in outcomes.columns if t != PINNED
                 and not (outcomes[t] == "not-installed").all()]
    assert installed  # the fixture has targets to compare
    for target in installed:
        expected = int((outcomes[target] != outcomes[PINNED]).sum())
        assert int(counts.loc[target, "breaking"] or 0) == expected, target
        missing = int(((outcomes[target] == "missing-api")
                       & (outcomes[PINNED] != "missing-api")).sum())
        assert int(counts.loc[target, "missing API"] or 0) == missing, target
    assert counts.loc["httpxr-0.1.0", "breaking"] == "not installed"
    text = (report / "index.html").read_text(encoding="utf-8")
    assert 'href="#changes?target=httpx-1.0.dev6&amp;kind=breaking"' in text


def test_only_differing_rows_show_by_default(tmp_path: Path) -> None:
    """Matrix rows where every target has the pinned outcome are of class "same" (hidden by
    the page's CSS until "show rows that do not differ" is ticked); the others are not."""
    report, _ = write_report([copy_results(tmp_path)], NEW_RUN, PINNED)
    page = parse(report / "index.html")
    rows = page.table_rows["matrix-table"]
    matrix = pd.read_csv(report / "conformance-matrix.csv", index_col="claim")
    targets = [t for t in matrix.columns if t not in (PINNED, "requests")
               and not (matrix[t] == "not-installed").all()]
    differs = [(matrix[targets].ne(matrix[PINNED], axis=0)).loc[claim].any()
               for claim in matrix.index]
    assert [row["class"] for row in rows] == ["differs" if d else "same" for d in differs]
    assert "same" in [row["class"] for row in rows] and "differs" in [r["class"] for r in rows]
    style = (report / "index.html").read_text(encoding="utf-8")
    assert "body:not(.show-same) tr.same { display: none; }" in style
    assert all(row.get("data-kind") for row in page.table_rows["changes-table"])


TWELVE = ["httpx-0.23.3", "httpx-0.24.1", "httpx-0.25.2", "httpx-0.26.0", "httpx-0.27.2",
          "httpx-0.28.1", "httpx-0.28.1u1", "httpx-0.29.0", "httpx-1.0.dev6", "httpx2",
          "httpxyz", "httpxr"]


def twelve_targets(root: Path) -> Path:
    """Twelve targets over the real claim catalogue (tox.ini's conformance targets), each
    breaking a different share of claims with assertion-sized messages and observed values,
    1.0.dev6 missing most APIs; bench files with counts for six targets, and a baseline run."""
    template = json.loads((DATA / NEW_RUN / PINNED / "conformance.json").read_text())
    catalogue = list(load_catalogue().values())
    run = root / NEW_RUN
    for number, target in enumerate(TWELVE):
        claims = []
        for index, claim in enumerate(catalogue):
            agent = number if index % 8 == 1 else 0  # one claim in eight observes the version
            observed = {"status": 200, "url": f"https://127.0.0.1:8443/{claim.id}",
                        "headers": [["user-agent", f"python-httpx/{agent}"],
                                    ["accept", "*/*"]]}
            outcome, message = "holds", ""
            if target == "httpx-1.0.dev6" and index % 10:
                outcome, message = "missing-api", f"module 'httpx' has no attribute 'x{index}'"
            elif target != "httpx-0.28.1" and index % (number + 3) == 0:
                outcome = "broken"
                message = ("AssertionError: assert " + json.dumps(observed) + " == expected "
                           "value from the documentation, with the diff pytest prints")[:400]
            claims.append({"id": claim.id, "sentence": claim.sentence, "source": claim.source,
                           "outcome": outcome, "expected": outcome, "unexpected": False,
                           "observed": observed, "message": message, "duration": 0.01,
                           "requests": {"outcome": "holds", "observed": observed,
                                        "message": ""}})
        document = {**template, "claims": claims,
                    "environment": {**template["environment"], "target": target}}
        (run / target).mkdir(parents=True, exist_ok=True)
        (run / target / "conformance.json").write_text(json.dumps(document))
    for target in TWELVE[4:10]:
        bench = json.loads((DATA / NEW_RUN / PINNED / "bench.json").read_text())
        bench["machine_info"].setdefault("harness", {})["target"] = target
        (run / target / "bench.json").write_text(json.dumps(bench))
        add_counts(run / target / "bench.json")
    baseline = root / OLD_RUN / PINNED
    baseline.mkdir(parents=True)
    shutil.copy(DATA / OLD_RUN / PINNED / "bench.json", baseline / "bench.json")
    add_counts(baseline / "bench.json")
    return root


def test_twelve_targets_stay_under_one_megabyte(tmp_path: Path) -> None:
    root = twelve_targets(tmp_path / "results")
    report, tables = write_report([root], NEW_RUN, PINNED)
    page = parse(report / "index.html")
    assert len(table(page.first["what-changes"])) == len(TWELVE) - 1
    assert len(tables.matrix) == len(load_catalogue())
    assert len(page.table_rows["changes-table"]) > 1000  # a heavy fixture, not a tiny one
    size = (report / "index.html").stat().st_size
    assert size < PAGE_LIMIT, f"index.html is {size} bytes"
