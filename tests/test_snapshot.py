"""The wire snapshot: A/A is clean, and an altered httpx that no claim covers shows up.

Real parts: each snapshot is ``python -m snapshot`` in a subprocess against the real
server, with the installed httpx (0.28.1 in the tests environment) or requests. The
altered httpx is a test-only shim (tests/snapshot_shim/httpx_altered.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reports.__main__ import main as reports_main
from reports.upgrade import upgrade_report
from snapshot.grid import grid

# Seven full snapshots (about 10 s each on an idle machine) are taken by the first test.
pytestmark = pytest.mark.timeout(900)
REPO = Path(__file__).resolve().parent.parent
SHIM = Path(__file__).resolve().parent / "snapshot_shim"
# Alteration -> the rows its diff must name (item, a text in "before", a text in "after").
ALTERED = {
    "extra-header": {("(every case) default headers", "(none)", "x-altered: 1")},
    "pipe-escaped-in-path": {("urls.path-char.pipe", "/anything/a|b", "/anything/a%7Cb")},
    "basic-auth-latin1": {("auth.basic-non-ascii", "Basic dXPDqXI6cMOkc3M=",
                           "Basic dXPpcjpw5HNz")},
    "303-keeps-method": {("redirects.same-origin.post.303", "GET", "POST"),
                         ("redirects.cross-origin.post.303", "GET", "POST")},
}


def take_snapshot(root: Path, name: str, *args: str, **env: str) -> Path:
    environment = {**os.environ, "HARNESS_RESULTS": str(root), "HARNESS_RUN": name,
                   "HARNESS_TARGET": name,
                   "PYTHONPATH": os.pathsep.join([str(REPO), str(SHIM)]), **env}
    environment.pop("HARNESS_NOT_INSTALLED", None)
    result = subprocess.run([sys.executable, "-m", "snapshot", *args], cwd=REPO,
                            env=environment, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return root / name / name


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("snapshots")
    taken = {name: take_snapshot(root, name) for name in ("first", "second")}
    for alteration in ALTERED:
        taken[alteration] = take_snapshot(root, alteration, "--library", "httpx_altered",
                                          "--target", alteration,
                                          HARNESS_ALTERATION=alteration)
    taken["requests"] = take_snapshot(root, "requests", "--library", "requests",
                                      "--target", "requests")
    return taken


def test_the_grid_is_fixed_and_covers_every_area() -> None:
    cases = grid()
    assert [case.id for case in cases] == [case.id for case in grid()]
    assert {case.area for case in cases} == {"params", "urls", "bodies", "headers", "cookies",
                                             "redirects", "base-url", "auth"}


def test_a_snapshot_records_what_the_server_received(snapshots: dict[str, Path]) -> None:
    document = json.loads((snapshots["first"] / "snapshot.json").read_text())
    cases = {case["id"]: case for case in document["cases"]}
    assert len(cases) == len(grid())
    posted = cases["bodies.content.bytes"]
    assert posted["received"]["method"] == "POST" and posted["received"]["body"] == "raw bytes"
    assert ["content-length", "9"] in posted["received"]["headers"]
    upload = cases["bodies.files.one"]["received"]
    assert "--BOUNDARY\r\n" in upload["body"]  # the random boundary is normalised
    assert "127.0.0.1:PORT" in cases["headers.defaults"]["url"]  # and the ephemeral port


def test_a_a_gives_an_empty_diff(snapshots: dict[str, Path]) -> None:
    report = upgrade_report(str(snapshots["first"]), str(snapshots["second"]), [])
    assert len(report.rows) == len(grid())
    assert report.differences.empty, report.differences.to_string()


@pytest.mark.parametrize("alteration", list(ALTERED))
def test_an_alteration_no_claim_covers_shows_up_naming_the_case(
        snapshots: dict[str, Path], alteration: str) -> None:
    report = upgrade_report(str(snapshots["first"]), str(snapshots[alteration]), [])
    differences = report.differences.set_index("item")
    assert set(differences.index) == {item for item, _, _ in ALTERED[alteration]}
    for item, before, after in ALTERED[alteration]:
        row = differences.loc[item]
        assert before in row["before"] and after in row["after"], row.to_dict()
        assert row["category"] == "wire"
        assert row["source"] == "undocumented: found by the wire snapshot"


def test_requests_runs_the_same_grid_and_says_what_it_cannot_express(
        snapshots: dict[str, Path]) -> None:
    document = json.loads((snapshots["requests"] / "snapshot.json").read_text())
    unsupported = {case["id"]: case["reason"] for case in document["cases"]
                   if case["outcome"] == "unsupported"}
    assert set(unsupported) == {case.id for case in grid() if case.base_url is not None}
    assert set(unsupported.values()) == {"requests has no base_url"}
    report = upgrade_report(str(snapshots["requests"]), str(snapshots["first"]), [])
    rows = report.differences.set_index("item")
    assert rows.loc["base-url.slash.x", "category"] == "breaking"
    assert "python-requests/" in rows.loc["(every case) default headers", "before"]


def test_a_broken_snapshot_file_is_one_line_and_exit_2(snapshots: dict[str, Path],
                                                       tmp_path: Path, capsys) -> None:
    broken = tmp_path / "run" / "httpx-broken"
    broken.mkdir(parents=True)
    text = (snapshots["first"] / "snapshot.json").read_text()
    (broken / "snapshot.json").write_text(text[: len(text) // 2])  # cut mid-write
    code = reports_main(["upgrade", str(snapshots["first"]), str(broken)])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err.count("\n") == 1
    assert str(broken / "snapshot.json") in captured.err and "not valid JSON" in captured.err
