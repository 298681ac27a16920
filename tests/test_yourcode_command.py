"""``python -m yourcode FROM TO PROJECT`` end to end on the harness's own test project
(tests/data/yourcode_project, yc-shop): httpx 0.27.2 -> 0.28.1 shows exactly its known
changes, 0.28.1 -> 0.28.1 shows none, and what cannot run exits 2 with one line.

The known changes, each from httpx's CHANGELOG for 0.28.0: "JSON request bodies use a
compact representation. (#3363)" (separators; non-ASCII no longer escaped), "Review URL
percent escape sets, based on WHATWG spec. (#3371, #3373)" (a space in params= is now '+'),
"Bugfix: When passing `params={}`, always strictly update rather than merge with an
existing querystring. (#3364)" (a client's params= now replace the URL's own query).
yc-shop's test_ping differs on every run (its id holds time.time(), its request a nonce in
the path and a header and the time in the query): the second run of FROM finds it, and it is
not counted; with --no-baseline it reads as change. Builds two environments from uv's cache
(about 30 s each run): marked with a timeout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
PROJECT = REPO_ROOT / "tests" / "data" / "yourcode_project"
TEST = "tests/test_shop.py::"

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def envs(tmp_path_factory):
    return tmp_path_factory.mktemp("your-code-sides")


def your_code(tmp_path: Path, envs: Path, *arguments: str) -> tuple[int, str, dict | None]:
    results = tmp_path / "results"
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "HARNESS_RESULTS": str(results),
                   "HARNESS_YOURCODE_ENVS": str(envs), "HARNESS_RUN": "yourcode-test"}
    done = subprocess.run([sys.executable, "-m", "yourcode", *arguments], cwd=REPO_ROOT,
                          env=environment, capture_output=True, text=True, timeout=280)
    found = sorted(results.glob("*/your-code*/your-code.json"))
    result = json.loads(found[-1].read_text()) if found else None
    return done.returncode, done.stdout + done.stderr, result


def test_0_27_2_to_0_28_1_shows_exactly_the_known_changes(tmp_path, envs):
    code, output, result = your_code(tmp_path, envs, "httpx==0.27.2", "httpx==0.28.1",
                                     str(PROJECT), "--markdown", str(tmp_path / "pr.md"))
    assert code == 1, output
    comparison = result["comparison"]
    changed = {(c["test"].removeprefix(TEST), tuple(c["areas"]))
               for c in comparison["requests"]}
    json_change = ("header value", "JSON encoding (separators, non-ASCII escaping)")
    assert changed == {("test_create_item", json_change),
                       ("test_create_item_signature_matches_the_recorded_one", json_change),
                       ("test_search", ("query encoding",)),
                       ("test_page", ("query parameters",))}
    assert [(o["test"].removeprefix(TEST), o["before"], o["after"])
            for o in comparison["outcomes"]] == [
        ("test_create_item_signature_matches_the_recorded_one", "passed", "failed")]
    assert comparison["exceptions"] == []
    assert comparison["user_agent"] == "'python-httpx/0.27.2' -> 'python-httpx/0.28.1'"
    assert result["sides"]["FROM"]["requests"] == result["sides"]["TO"]["requests"] == 7
    assert result["sides"]["FROM again"]["requests"] == 7
    assert (comparison["varies"]["requests"], comparison["varies"]["tests"]) == (1, 1)
    assert "varies between runs: 1 request, 1 test (not counted; FROM's second run: " in output
    assert result["baseline"]["mode"] == "parallel" and result["baseline"]["seconds"] > 0
    assert result["declared"] == ["TO: httpx 0.28.1 is outside the project's declared "
                                  "httpx<0.28,>=0.27 (forced by an override)"]
    summary = [line for line in output.splitlines() if not line.startswith("result: ")]
    assert all(len(line) <= 100 for line in summary), max(summary, key=len)
    assert "removed ['page=2']" in output
    assert "| query encoding |" in (tmp_path / "pr.md").read_text()


def test_the_same_version_on_both_sides_changes_nothing(tmp_path, envs):
    code, output, result = your_code(tmp_path, envs, "httpx==0.28.1", "httpx==0.28.1",
                                     str(PROJECT))
    assert code == 0, output
    assert result["verdict"] == "unchanged" and "UNCHANGED: 7 tests" in output


def test_httpx2_answers_import_httpx_on_its_side_and_says_so(tmp_path, envs):
    code, output, result = your_code(tmp_path, envs, "httpx==0.28.1", "httpx2==2.16.2",
                                     str(PROJECT))
    assert code == 0, output
    assert result["sides"]["TO"]["clients"] == {"httpx2": "2.16.2"}
    assert result["sides"]["TO"]["aliases"] == {"httpx": "httpx2"}
    assert result["sides"]["FROM"]["aliases"] == {}
    assert "TO: `import httpx` gave httpx2 in the project's suite (aliased by " \
           "httpx2.alias_httpx())" in output
    assert "TO: httpx2 2.16.2 instead of the project's declared httpx<0.28,>=0.27" in output
    assert result["comparison"]["user_agent"] == \
        "'python-httpx/0.28.1' -> 'python-httpx2/2.16.2'"


def test_without_the_alias_the_project_keeps_httpx_and_nothing_is_recorded(tmp_path, envs):
    code, output, result = your_code(tmp_path, envs, "httpx==0.28.1", "httpx2==2.16.2",
                                     str(PROJECT), "--no-alias", "--no-baseline")
    assert code == 1, output
    assert result["sides"]["TO"]["requests"] == 0 and result["sides"]["TO"]["aliases"] == {}
    assert {c["areas"][0] for c in result["comparison"]["requests"]} == {"request"}


def test_without_the_second_run_what_varies_reads_as_change(tmp_path, envs):
    code, output, result = your_code(tmp_path, envs, "httpx==0.28.1", "httpx==0.28.1",
                                     str(PROJECT), "--no-baseline")
    assert code == 1, output
    comparison = result["comparison"]
    assert {o["test"].partition("[")[0] for o in comparison["outcomes"]} == {TEST + "test_ping"}
    assert comparison["varies"] is None and "not measured (--no-baseline)" in output


@pytest.mark.parametrize(("arguments", "message"), [
    (["httpx==0.28.1", "httpx==0.0.404", str(PROJECT)], "could not resolve"),
    (["httpx==0.28.1", "httpx==0.28.1", "/no/such/project"], "no such directory or file"),
])
def test_what_cannot_run_exits_2_with_one_line(tmp_path, envs, arguments, message):
    code, output, result = your_code(tmp_path, envs, *arguments)
    assert code == 2, output
    assert message in result["reason"] and "Traceback" not in output
    assert "COULD NOT RUN: " in output


def test_a_result_file_is_never_overwritten(tmp_path, envs):
    for _ in range(2):
        your_code(tmp_path, envs, "httpx==0.28.1", "httpx==0.28.1", "/no/such/project")
    found = sorted(p.relative_to(tmp_path / "results") for p in
                   (tmp_path / "results").glob("*/*/your-code.json"))
    assert [p.parent.name for p in found] == ["your-code", "your-code-2"]
