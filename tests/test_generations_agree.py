"""The conformance suite and the wire snapshot agree where they observe the same thing.

Both reach httpx through one adapter per API generation (generations/), so a claim and a
snapshot case about the same behaviour must not contradict each other: a claim is
``missing-api`` exactly when its case is ``unsupported``, and where the case's record can
say whether the claim's statement holds (params replace the URL's query, json= is compact,
a redirect is not followed), the claim's outcome says the same. The pairs are the grid's
DOCUMENTED table (snapshot/grid.py), the one place that says which case shows which claim.

Real parts: ``python -m pytest conformance --claim ...`` and ``python -m snapshot --only
...`` as subprocesses against the real server, once each per target: httpx 1.0.dev6 in an
environment built with uv from the harness's locked dependencies (cached under
.tox/generations-test-sides; needs the package index or uv's cache), and the installed
httpx 0.28.1 as the control.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from snapshot.grid import DOCUMENTED, REDIRECT_STATUSES, grid
from upgrade.environments import build, check_import, resolve
from upgrade.requirement import parse

pytestmark = pytest.mark.timeout(900)
REPO = Path(__file__).resolve().parent.parent
ENVS = REPO / ".tox" / "generations-test-sides"
RUN_SECONDS = 300


def query_replaced(case_id: str) -> Callable[[dict[str, Any]], bool]:
    """params= on ``/anything?a=1``: the query sent is the params alone."""
    case = next(c for c in grid() if c.id == case_id)
    expected = "/anything" + (f"?{urlencode(case.args['params'])}" if case.args["params"] else "")
    return lambda record: record["received"]["target"] == expected


def compact_json(case_id: str) -> Callable[[dict[str, Any]], bool]:
    """json=: the body is compact UTF-8 JSON (no spaces, no \\u escapes)."""
    case = next(c for c in grid() if c.id == case_id)
    expected = json.dumps(case.args["json"], ensure_ascii=False, separators=(",", ":"))
    return lambda record: record["received"]["body"] == expected


def not_followed(record: dict[str, Any]) -> bool:
    return record["status"] in REDIRECT_STATUSES


# Case id -> does its record show the paired claim's statement holding?
SHOWS: dict[str, Callable[[dict[str, Any]], bool]] = {
    **{f"params.merge-with-url.{name}": query_replaced(f"params.merge-with-url.{name}")
       for name in ("add", "same-key", "empty-dict")},
    **{f"bodies.json.{name}": compact_json(f"bodies.json.{name}")
       for name in ("non-ascii", "nested", "list", "on-get")},
    **{f"redirects.default.{status}": not_followed for status in REDIRECT_STATUSES},
}


def contradictions(claims: dict[str, dict[str, Any]],
                   cases: dict[str, dict[str, Any]]) -> list[str]:
    """One line per paired claim and case whose verdicts contradict each other."""
    found = []
    for case_id, claim_ids in sorted(DOCUMENTED.items()):
        record = cases[case_id]
        for claim_id in claim_ids:
            outcome = claims[claim_id]["outcome"]
            said = f"{claim_id} is {outcome}, {case_id} is {record['outcome']}"
            if outcome not in ("holds", "broken", "missing-api"):
                found.append(f"{said}: the claim was not observed")
            elif (outcome == "missing-api") != (record["outcome"] == "unsupported"):
                found.append(f"{said}: one says the target cannot express it, the other sent it")
            elif outcome != "missing-api" and case_id in SHOWS:
                shows = record["outcome"] == "response" and SHOWS[case_id](record)
                if shows != (outcome == "holds"):
                    found.append(f"{said}: the snapshot shows the statement "
                                 f"{'holding' if shows else 'not holding'} "
                                 f"({json.dumps(record.get('received') or record)[:300]})")
    return found


def run(python: str, target: str, root: Path, name: str, arguments: list[str]) -> dict[str, Any]:
    """One suite run (``name``) in ``python``'s environment; the document it wrote."""
    environment = {**os.environ, "HARNESS_RESULTS": str(root), "HARNESS_RUN": name,
                   "HARNESS_TARGET": target, "HARNESS_IMPORT": "httpx",
                   "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"}
    environment.pop("HARNESS_NOT_INSTALLED", None)
    done = subprocess.run([python, *arguments], cwd=REPO, env=environment,
                          capture_output=True, text=True, timeout=RUN_SECONDS)
    written = sorted((root / name / target).glob(f"{name}*.json"))
    assert written, f"{name} wrote nothing:\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}"
    return json.loads(written[0].read_text())


def verdicts(python: str, target: str, root: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The paired claims' and cases' outcomes on one target, by id."""
    claims = sorted({claim for ids in DOCUMENTED.values() for claim in ids})
    conformance = run(python, target, root, "conformance",
                      ["-m", "pytest", "conformance", "-p", "no:cacheprovider", "-q",
                       *[arg for claim in claims for arg in ("--claim", claim)]])
    snapshot = run(python, target, root, "snapshot",
                   ["-m", "snapshot", *[arg for case in DOCUMENTED for arg in ("--only", case)]])
    return ({c["id"]: c for c in conformance["claims"]},
            {c["id"]: c for c in snapshot["cases"]})


@pytest.fixture(scope="module")
def v1_python() -> str:
    """httpx 1.0.dev6 beside the harness's locked dependencies, built once and kept."""
    spec = parse("httpx==1.0.dev6")
    ENVS.mkdir(parents=True, exist_ok=True)
    lock = resolve(spec, ENVS, "httpx-1.0.dev6", None)
    environment = build(spec, lock, ENVS)
    check_import(environment)
    return str(environment.python)


def test_claims_and_snapshot_agree_on_1_0(v1_python: str, tmp_path: Path) -> None:
    claims, cases = verdicts(v1_python, "httpx-1.0.dev6", tmp_path)
    found = contradictions(claims, cases)
    assert not found, "\n".join(found)
    # What the agreement rests on, on this generation (the pairs are not all one kind).
    assert claims["bodies.data-bytes-deprecated"]["outcome"] == "missing-api"
    assert claims["params.replace-url-query"]["outcome"] == "holds"
    assert claims["redirects.not-followed-by-default"]["outcome"] == "broken"


def test_claims_and_snapshot_agree_on_0x(tmp_path: Path) -> None:
    claims, cases = verdicts(sys.executable, "httpx-0.28.1", tmp_path)
    found = contradictions(claims, cases)
    assert not found, "\n".join(found)
    assert claims["bodies.data-bytes-deprecated"]["outcome"] == "holds"


def test_a_contradiction_is_named() -> None:
    """The check itself goes red: each kind of contradiction, on records that disagree."""
    claims = {claim: {"outcome": "holds"} for ids in DOCUMENTED.values() for claim in ids}
    cases = {case: {"outcome": "response", "status": 200, "received": {}} for case in DOCUMENTED}
    cases.update({case: {"outcome": "response", "status": 200,
                         "received": {"target": "/anything?a=1&b=2", "body": "{}"}}
                  for case in SHOWS})
    claims["bodies.data-bytes-deprecated"] = {"outcome": "broken"}
    cases["bodies.data.bytes"] = {"outcome": "unsupported"}
    found = "\n".join(contradictions(claims, cases))
    assert "bodies.data-bytes-deprecated is broken, bodies.data.bytes is unsupported" in found
    assert "params.replace-url-query is holds, params.merge-with-url.add is response" in found
    assert "redirects.not-followed-by-default is holds, redirects.default.302" in found
    assert "bodies.json-compact-bytes is holds, bodies.json.list is response" in found
