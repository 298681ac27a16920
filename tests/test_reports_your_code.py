"""The report's "Will our code break?" section (reports/your_code.py): a run's your-code
result appears in index.html with each changed outcome, request (area and bytes, escaped) and
what varied between runs; a run without one has no such section; a broken one is an error
naming the file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from reports_helpers import NEW_RUN, PINNED, copy_results

from reports.build import write_report
from reports.errors import InputError
from yourcode.compare import compare
from yourcode.noise import baseline
from yourcode.output import SCHEMA, SCHEMA_VERSION
from yourcode.records import Recording

TITLE = "Will our code break?"


def recording(query: str, port: int, outcome: str = "passed") -> Recording:
    body = f"redirect_uri=http%3A%2F%2Flocalhost%3A{port}%2F"
    entry = {"test": "t.py::test_token", "order": 1, "method": "POST", "origin": "https://h.test",
             "target": f"/token?{query}",
             "headers": [["Content-Type", "application/x-www-form-urlencoded"]],
             "body": body, "body_sha256": hashlib.sha256(body.encode()).hexdigest(),
             "status": 200, "exception": None}
    return Recording(requests={("t.py::test_token", 1): entry},
                     outcomes={"t.py::test_token": {"test": "t.py::test_token",
                                                    "outcome": outcome, "crash": "assert <x>"}})


def write_result(directory: Path) -> None:
    first = recording("q=a%20b", 43713)
    comparison = compare(first, recording("q=a+b", 51234, "failed"),
                         baseline(first, recording("q=a%20b", 40361)))
    result = {"schema": SCHEMA, "version": SCHEMA_VERSION, "from": "httpx==0.27.2",
              "to": "httpx==0.28.1", "project": "shop.tar.gz", "dependencies": "extras [test]",
              "unresolved": [], "declared": ["TO: httpx 0.28.1 is outside httpx<0.28"],
              "sides": {"FROM": {"given": "httpx==0.27.2", "last_line": "1 passed",
                                 "seconds": 1.0, "requests": 1, "aliases": {}}},
              "baseline": {"mode": "parallel", "seconds": 3.0, "wall_added_seconds": 0.5},
              "verdict": "changed",
              "comparison": comparison.as_dict(), "seconds": 9.0}
    directory.mkdir(parents=True)
    (directory / "your-code.json").write_text(json.dumps(result))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_results(tmp_path)


def test_a_runs_your_code_result_is_a_section_of_the_report(root):
    write_result(root / NEW_RUN / "your-code")
    path, _ = write_report([root], NEW_RUN, PINNED)
    page = (path / "index.html").read_text()
    section = page[page.index(TITLE):page.index("</body>")]
    assert "<code>httpx==0.27.2</code> → <code>httpx==0.28.1</code>" in section
    assert "<td>query encoding</td>" in section
    assert "form content" not in section  # the port varied between FROM's runs
    assert "Varies between runs (not counted): 1 requests, 0 tests" in section
    assert "<td>passed</td><td>failed</td><td>assert &lt;x&gt;</td>" in section
    assert "TO: httpx 0.28.1 is outside httpx&lt;0.28" in section


def test_a_run_without_one_has_no_such_section(root):
    path, _ = write_report([root], NEW_RUN, PINNED)
    assert TITLE not in (path / "index.html").read_text()


def test_a_broken_result_is_an_error_naming_the_file(root):
    broken = root / NEW_RUN / "your-code-2" / "your-code.json"
    broken.parent.mkdir(parents=True)
    broken.write_text("{not json")
    with pytest.raises(InputError, match=r"your-code-2/your-code\.json: not a readable"):
        write_report([root], NEW_RUN, PINNED)
