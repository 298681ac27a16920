"""The upgrade view: classification, a target where everything changed, the HTML page."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from harness.schema import SNAPSHOT_SCHEMA, SNAPSHOT_VERSION
from reports import html, markdown
from reports.upgrade import AREA_ROWS, upgrade_report
from snapshot.grid import grid

MAX_PAGE_BYTES = 1024 * 1024


def case(case_id: str, area: str, target: str = "/anything", agent: str = "lib/1",
         body: str = "") -> dict[str, Any]:
    return {"id": case_id, "area": area, "input": f"GET {target}", "outcome": "response",
            "status": 200, "url": f"http://127.0.0.1:PORT{target}", "history": [],
            "warnings": [], "received": {
                "method": "GET", "target": target, "http_version": "1.1", "body": body,
                "headers": [["host", "127.0.0.1:PORT"], ["accept", "*/*"],
                            ["user-agent", agent]]}}


def write(directory: Path, cases: list[dict[str, Any]]) -> str:
    directory.mkdir(parents=True)
    document = {"schema": SNAPSHOT_SCHEMA, "schema_version": SNAPSHOT_VERSION,
                "target": directory.name, "library": "httpx", "version": "0", "cases": cases}
    (directory / "snapshot.json").write_text(json.dumps(document))
    return str(directory)


def baseline() -> list[dict[str, Any]]:
    return [case(c.id, c.area, f"/anything/{c.id}") for c in grid()]


def test_each_difference_is_classified_and_cited(tmp_path: Path) -> None:
    before = baseline()
    after = copy.deepcopy(before)
    after[0]["received"]["target"] += "%7E"  # wire
    after[1].update(outcome="unsupported", reason="params=: no such argument")  # breaking
    after[2]["warnings"] = ["DeprecationWarning"]  # informational
    after[3].update(outcome="exception", exception="ValueError", message="x")  # breaking
    report = upgrade_report(write(tmp_path / "r" / "a", before),
                            write(tmp_path / "r" / "b", after), [])
    rows = report.differences.set_index("item")
    assert rows["category"].to_dict() == {before[0]["id"]: "wire",
                                          before[1]["id"]: "breaking",
                                          before[2]["id"]: "informational",
                                          before[3]["id"]: "breaking"}
    assert rows.loc[before[1]["id"], "after"] == "unsupported: params=: no such argument"
    assert set(rows["source"]) == {"undocumented: found by the wire snapshot"}
    assert "4 differences: 2 breaking, 1 wire, 1 informational" in "\n".join(report.summary)


def test_a_header_every_case_sends_differently_is_one_row(tmp_path: Path) -> None:
    after = [case(c.id, c.area, f"/anything/{c.id}", agent="lib/2") for c in grid()]
    report = upgrade_report(write(tmp_path / "r" / "a", baseline()),
                            write(tmp_path / "r" / "b", after), [])
    assert report.differences[["item", "before", "after"]].values.tolist() == [
        ["(every case) default headers", "user-agent: lib/1", "user-agent: lib/2"]]


def everything_changed(tmp_path: Path) -> Any:
    """Like httpx 1.0.dev6: every case differs, with long bodies."""
    after = [case(c.id, c.area, f"/other/{c.id}", body="é" * 5000) for c in grid()]
    return upgrade_report(write(tmp_path / "r" / "a", baseline()),
                          write(tmp_path / "r" / "b", after), [])


def test_a_target_where_everything_changed_is_summarised_by_area(tmp_path: Path) -> None:
    report = everything_changed(tmp_path)
    assert len(report.differences) == len(grid())
    text = markdown.render_upgrade(report)
    areas = report.by_area().set_index("area")
    assert areas.loc["params", "wire"] == sum(c.area == "params" for c in grid())
    shown = [line for line in text.splitlines() if line.startswith("| params | params.")]
    assert len(shown) == AREA_ROWS
    assert f"{areas.loc['params', 'wire'] - AREA_ROWS} more wire rows in area params" \
        in text
    every = markdown.render_upgrade(report, show_all=True)
    assert sum(line.startswith("| params | params.") for line in every.splitlines()) == \
        areas.loc["params", "wire"]


def test_the_html_page_filters_differing_rows_and_stays_under_1_mb(tmp_path: Path) -> None:
    report = everything_changed(tmp_path)
    page = html.render_upgrade(report, "now")
    assert len(page.encode("utf-8")) < MAX_PAGE_BYTES
    assert 'id="only-differences"' in page and "classList.toggle" in page
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", page)  # nothing external
    assert page.count('<tr class="differs') == len(grid())
    same = upgrade_report(str(tmp_path / "r" / "a"), str(tmp_path / "r" / "a"), [])
    quiet = html.render_upgrade(same, "now")
    assert quiet.count('<tr class="same') == len(grid())
    assert "tr.same { display: none; }" in quiet.replace("body.only-differences ", "")


def test_names_resolve_in_a_root_with_only_snapshots(tmp_path: Path) -> None:
    root = tmp_path / "results"
    write(root / "run-1" / "httpx-a", baseline())
    after = baseline()
    after[0]["status"] = 500
    write(root / "run-1" / "httpx-b", after)
    report = upgrade_report("httpx-a", "httpx-b", [root])
    assert report.differences["item"].tolist() == [after[0]["id"]]


def test_a_target_that_was_not_installed_is_not_compared_case_by_case(tmp_path: Path) -> None:
    root = tmp_path / "results"
    write(root / "run-1" / "httpx-a", baseline())
    missing = root / "run-1" / "httpx-missing"
    write(missing, [])
    document = json.loads((missing / "snapshot.json").read_text())
    document["not_installed"] = "could not install httpx==9"
    (missing / "snapshot.json").write_text(json.dumps(document))
    report = upgrade_report("httpx-a", "httpx-missing", [root])
    assert report.rows.empty
    assert any("not compared" in line and "could not install httpx==9" in line
               for line in report.summary)


def write_claims(directory: Path, claims: list[dict[str, Any]]) -> str:
    from harness.schema import CONFORMANCE_SCHEMA, SCHEMA_VERSION

    directory.mkdir(parents=True)
    document = {"schema": CONFORMANCE_SCHEMA, "schema_version": SCHEMA_VERSION,
                "partial": False, "claims": claims}
    (directory / "conformance.json").write_text(json.dumps(document))
    return str(directory)


def claim(claim_id: str, outcome: str, message: str = "", observed: Any = None) -> dict:
    return {"id": claim_id, "sentence": "s", "source": "docs", "outcome": outcome,
            "expected": "holds", "unexpected": False, "observed": observed,
            "message": message}


ADAPTER = "<conformance.adapter.ApiV0 object at 0x7f0b654bb590>"


def removals_and_changes(tmp_path: Path) -> Any:
    """Twelve APIs removed in one area, listed first in the catalogue, then two behaviour
    changes further down (one in the same area), an API added, and messages with the
    harness's internals in them."""
    removed = [f"auth.api-{n:02}" for n in range(12)]
    before = [claim(name, "holds") for name in removed] + [
        claim("auth.digest", "holds"), claim("faults.close-mid-body.http2", "holds"),
        claim("api.new-thing", "missing-api")]
    after = [claim(name, "missing-api", "conformance.target.MissingAPI: httpx.Auth does not "
                   "exist") for name in removed] + [
        claim("auth.digest", "broken", f"assert False + where {ADAPTER}.DigestAuth"),
        claim("faults.close-mid-body.http2", "broken",
              f"isinstance(ReadError('reset'), {ADAPTER}.RemoteProtocolError)"),
        claim("api.new-thing", "holds")]
    return upgrade_report(write_claims(tmp_path / "r" / "a", before),
                          write_claims(tmp_path / "r" / "b", after), [])


def test_api_removed_is_apart_from_behaviour_changed_and_listed_after_it(
        tmp_path: Path) -> None:
    report = removals_and_changes(tmp_path)
    rows = report.differences
    assert rows["what"].tolist() == ["behaviour changed"] * 2 + ["API removed"] * 12 + [
        "API added"]
    assert rows["category"].tolist() == ["breaking"] * 14 + ["informational"]
    titles = [title for title, _, _ in markdown.upgrade_sections(report)]
    assert titles == ["Behaviour changed (2)", "API removed (breaking) (12)",
                      "Informational changes (1)"]


def test_no_breaking_row_is_hidden_behind_the_area_cap(tmp_path: Path) -> None:
    report = removals_and_changes(tmp_path)
    text = markdown.render_upgrade(report)
    assert all(f"auth.api-{n:02}" in text for n in range(12))  # 12 > AREA_ROWS in area auth
    assert "rows in area auth" not in text  # no cap note: nothing cut


def test_no_object_address_and_no_harness_internals_are_printed(tmp_path: Path) -> None:
    report = removals_and_changes(tmp_path)
    text = markdown.render_upgrade(report, show_all=True)
    assert " at 0x" not in text
    assert "conformance." not in text and "ApiV0" not in text
    rows = report.differences.set_index("item")
    assert rows.loc["faults.close-mid-body.http2", "after"].endswith(
        "(isinstance(ReadError('reset'), <target>.RemoteProtocolError))")
    assert rows.loc["auth.api-00", "after"].endswith(
        "(MissingAPI: httpx.Auth does not exist)")
