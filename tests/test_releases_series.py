"""``python -m releases.bisect`` and ``python -m releases`` on a local series whose answers
are known: five builds of httpx 0.28.1 published as 0.28.1.post1 to .post5
(upgrade/altered.py's ``build_release``) in a directory the commands install from.

    post1  the release as it is
    post2  does not import (broken-import): must be skipped with one line
    post3  the release as it is
    post4  more-work: a count regression planted (headers rebuilt in Request.__init__)
    post5  more-work and follow-redirects: a behaviour and API change planted

Each build also carries its own version in the User-Agent, so that wire row changes in
every release: its first release after post1 is post2 or post3, and post2 cannot be
measured, so the bisection must name both. Real environments, server, suites and counts,
narrowed to three claims and one count scenario; the timeline reads the bisection's
cache and must measure nothing again but the broken build. Slow (about ten minutes idle):
marked ``slow``; it needs the package index (or uv's cache), valgrind and strace.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from upgrade.altered import build_release

REPO = Path(__file__).resolve().parent.parent
SERIES = {"0.28.1.post1": [], "0.28.1.post2": ["broken-import"], "0.28.1.post3": [],
          "0.28.1.post4": ["more-work"], "0.28.1.post5": ["more-work", "follow-redirects"]}
NARROW = ["--claim", "redirects.not-followed-by-default", "--claim",
          "client.pooled-one-connection", "--claim", "headers.default-user-agent",
          "--count-scenario", "pooled-http"]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400),
              pytest.mark.skipif(not (shutil.which("valgrind") and shutil.which("strace")),
                                 reason="the counts need valgrind and strace")]


def run(results: Path, module: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "HARNESS_RESULTS": str(results), "PYTHONPATH": str(REPO),
                   "HARNESS_RELEASE_ENVS": str(REPO / ".tox" / "release-test-sides")}
    environment.pop("HARNESS_RUN", None)
    return subprocess.run([sys.executable, "-m", module, *arguments], cwd=REPO,
                          env=environment, capture_output=True, text=True, timeout=1800)


@pytest.fixture(scope="module")
def series(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wheels = tmp_path_factory.mktemp("series")
    for version, alterations in SERIES.items():
        build_release("0.28.1", alterations, version, wheels)
    return wheels


def test_bisect_then_timeline_attribute_each_planted_change(series: Path,
                                                            tmp_path: Path) -> None:
    results = tmp_path / "results"
    done = run(results, "releases.bisect", "httpx==0.28.1.post1", "httpx==0.28.1.post5",
               "--find-links", str(series), *NARROW)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    [found] = results.glob("*/bisect/bisect.json")
    bisection = json.loads(found.read_text())
    first = {(row["group"], row["item"]): row for row in bisection["attributions"]}
    count = first[("count", "pooled-http instructions/request")]
    assert (count["kind"], count["first_release"], count["exact"]) == \
        ("regression", "0.28.1.post4", True)
    redirect = first[("claim", "redirects.not-followed-by-default")]
    assert (redirect["first_release"], redirect["exact"]) == ("0.28.1.post5", True)
    assert first[("api", "api: Client(follow_redirects)")]["first_release"] == "0.28.1.post5"
    # Every build names its own version in the User-Agent: TO's value first appears in
    # TO itself (a release "has" a difference once it reaches TO's value).
    agent = first[("claim", "headers.default-user-agent")]
    assert (agent["first_release"], agent["unmeasured_between"]) == ("0.28.1.post5", [])
    # Nothing else was planted: no other claim or count moved.
    # more-work runs more Python lines too: that count regressed with the instructions.
    assert first[("count", "pooled-http python lines/request")]["first_release"] == \
        "0.28.1.post4"
    assert {key for key, row in first.items() if row["group"] in ("claim", "count")} == {
        ("count", "pooled-http instructions/request"),
        ("count", "pooled-http python lines/request"),
        ("claim", "redirects.not-followed-by-default"), ("claim", "headers.default-user-agent")}
    # No difference's first release lies at post2 (it does not import), so the bisection
    # never needs it; every release is measured at most once.
    assert set(bisection["measured"]) <= set(SERIES) - {"0.28.1.post2"}

    done = run(results, "releases", "httpx", "--find-links", str(series), *NARROW)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    [found] = results.glob("*/releases/timeline.json")
    line = json.loads(found.read_text())
    # The timeline needs every release: post2 fails within seconds, with the one line why.
    assert "0.28.1.post2" in done.stdout and "import httpx" in done.stdout
    assert set(line["measured_now"]) <= set(SERIES) - set(bisection["measured"])
    assert line["versions"] == ["0.28.1.post1", "0.28.1.post3", "0.28.1.post4",
                                "0.28.1.post5"]
    changed = {(c["group"], c["item"]): step["version"] for step in line["steps"]
               for c in step["changes"]}
    assert changed[("count", "pooled-http instructions/request")] == "0.28.1.post4"
    assert changed[("claim", "redirects.not-followed-by-default")] == "0.28.1.post5"
    steps = {step["version"]: step for step in line["steps"]}
    assert steps["0.28.1.post4"]["dependencies"] == []  # the lock held everything else
    shown = [row for row in done.stdout.splitlines() if not row.startswith("[")]
    # Progress lines aside, every line fits 100 columns; a path longer than that (this
    # test's results live under a long temporary directory) is printed whole, on a line
    # of its own, so it can be copied (reports/terminal.py).
    wide = [row for row in shown if len(row) > 100 and len(row.split()) > 1]
    assert shown and not wide, wide
