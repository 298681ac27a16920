"""The conformance matrix, its summary and the upgrade report, from the hand-made results."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from reports.load import load_results
from reports.matrix import (
    claim_differences,
    conformance_summary,
    missing_api_summary,
    observed_text,
    outcome_matrix,
    run_claims,
    same_observed,
)
from reports.upgrade import upgrade
from tests.reports_helpers import DATA, NEW_RUN, PINNED, copy_results, run_main

TARGETS = ["httpx-0.27.2", "httpx-0.28.1", "httpx-1.0.dev6", "httpxr-0.1.0", "requests"]
EXPECTED_MATRIX = {
    "sync.top-level-get": ["holds", "holds", "missing-api", "not-installed", "holds"],
    "bodies.json-compact": ["broken", "holds", "holds", "not-installed", "broken"],
    "params.merge-with-query": ["holds", "holds", "holds", "not-installed", "holds"],
    "redirects.not-followed-by-default": ["holds", "holds", "broken", "not-installed",
                                          "broken"],
    "http2.one-connection": ["holds", "holds", "missing-api", "not-installed", None],
    "base-url.trailing-slash": ["holds", "holds", "holds", "not-installed", None],
}


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    return run_claims(load_results([DATA])[NEW_RUN])


def test_matrix_has_exactly_the_expected_cells(claims: pd.DataFrame) -> None:
    matrix = outcome_matrix(claims, PINNED)
    assert list(matrix.columns) == TARGETS
    assert list(matrix.index) == list(EXPECTED_MATRIX)  # catalogue order
    actual = {claim: [None if pd.isna(v) else v for v in row]
              for claim, row in matrix.iterrows()}
    assert actual == EXPECTED_MATRIX


def test_observed_matrix_holds_the_json_of_each_observed_value(claims: pd.DataFrame) -> None:
    observed = outcome_matrix(claims, PINNED, value="observed")
    assert json.loads(observed.loc["bodies.json-compact", "httpx-0.27.2"]) == \
        '{"a": 1, "b": [1, 2]}'
    assert json.loads(observed.loc["bodies.json-compact", "httpx-0.28.1"]) == \
        '{"a":1,"b":[1,2]}'
    assert json.loads(observed.loc["http2.one-connection", "httpx-0.28.1"]) == \
        {"connections": 1}
    assert json.loads(observed.loc["redirects.not-followed-by-default", "requests"]) == 200


def test_summary_counts_changes_and_missing_apis(claims: pd.DataFrame) -> None:
    summary = conformance_summary(claims, PINNED).set_index("target")
    assert summary.loc["httpx-0.28.1", ["holds", "broken", "changed_from_pinned"]].tolist() \
        == [6, 0, 0]
    assert summary.loc["httpx-0.27.2", ["holds", "broken", "changed_from_pinned"]].tolist() \
        == [5, 1, 2]
    assert summary.loc["httpx-1.0.dev6", "missing-api"] == 2
    missing = missing_api_summary(claims)
    assert missing.values.tolist() == [
        ["httpx-1.0.dev6", "module 'httpx' has no attribute 'get'", 1, "sync.top-level-get"],
        ["httpx-1.0.dev6", "Client() got an unexpected keyword argument 'http2'", 1,
         "http2.one-connection"]]
    assert summary.loc["requests", ["claims", "holds", "broken"]].tolist() == [4, 2, 2]


def test_a_target_whose_install_failed_is_not_installed_with_its_reason(
        claims: pd.DataFrame) -> None:
    summary = conformance_summary(claims, PINNED).set_index("target")
    assert summary.loc["httpxr-0.1.0", "not-installed"] == 6
    assert summary.loc["httpxr-0.1.0", "not_installed_reason"].startswith(
        "could not install: No solution found")
    assert pd.isna(summary.loc["httpxr-0.1.0", "changed_from_pinned"])


def test_upgrade_lists_exactly_the_claims_that_differ() -> None:
    summary, changes = upgrade("httpx-0.27.2", "httpx-0.28.1", [DATA])
    assert changes[["claim", "change", "before_outcome", "after_outcome"]].values.tolist() == [
        ["bodies.json-compact", "outcome", "broken", "holds"],
        ["params.merge-with-query", "observed", "holds", "holds"],
    ]
    params = changes.set_index("claim").loc["params.merge-with-query"]
    assert (json.loads(params["before_observed"]), json.loads(params["after_observed"])) == \
        ("a=1&b=2", "b=2")
    assert params["source"] == "002_41fb3d32e4fe5cbe.txt § Sync Requests"
    assert "2 claims differ: 1 outcome, 1 observed value only" in "\n".join(summary)


def test_upgrade_to_a_target_missing_apis_names_them() -> None:
    summary, changes = upgrade("httpx-0.28.1", "httpx-1.0.dev6", [DATA])
    assert changes["claim"].tolist() == ["sync.top-level-get",
                                         "redirects.not-followed-by-default",
                                         "http2.one-connection"]
    assert summary[-1].strip() == ("missing APIs after: sync.top-level-get, "
                                   "http2.one-connection")


def test_upgrade_between_identical_results_lists_nothing() -> None:
    _, changes = upgrade("httpx-0.28.1", str(DATA / NEW_RUN / "httpx-0.28.1"), [DATA])
    assert changes.empty


def test_upgrade_of_claims_only_one_side_has(tmp_path) -> None:
    root = copy_results(tmp_path)
    path = root / NEW_RUN / "httpx-0.28.1" / "conformance.json"
    document = json.loads(path.read_text())
    document["claims"] = document["claims"][1:]  # an older catalogue without the first claim
    path.write_text(json.dumps(document))
    _, changes = upgrade("httpx-0.28.1", "httpx-0.27.2", [root])
    rows = changes.set_index("claim")
    assert rows.loc["sync.top-level-get", ["change", "before_outcome", "after_outcome"]] \
        .tolist() == ["only-after", "absent", "holds"]


def test_upgrade_command_prints_summary_and_rows_by_directory(tmp_path) -> None:
    result = run_main("upgrade", DATA / NEW_RUN / "httpx-0.27.2", DATA / NEW_RUN / "httpx-0.28.1",
                     "--markdown")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"- Upgrade httpx-0.27.2 (run {NEW_RUN}) -> httpx-0.28.1 (run {NEW_RUN})"
    # The rows under "### Behaviour changed", "### Wire changes", ...: area | item | what
    rows = [line.split(" | ") for line in lines[lines.index("### Behaviour changed (1)"):]
            if line.startswith("| ") and not line.startswith(("| area", "|---"))]
    assert [(row[1], row[2]) for row in rows] == [("bodies.json-compact", "behaviour changed"),
                                                  ("params.merge-with-query", "observed")]


def test_ephemeral_server_ports_are_not_changes(tmp_path) -> None:
    root = copy_results(tmp_path)
    observed = {"httpx-0.27.2": ["http://127.0.0.1:1111/get", "http://127.0.0.1:1111/a"],
                "httpx-0.28.1": ["http://127.0.0.1:2222/get", "http://127.0.0.1:2222/b"]}
    for target, (same, different) in observed.items():
        path = root / NEW_RUN / target / "conformance.json"
        document = json.loads(path.read_text())
        document["claims"][0]["observed"] = {"url": same}
        document["claims"][5]["observed"] = different
        path.write_text(json.dumps(document))
    _, changes = upgrade("httpx-0.27.2", "httpx-0.28.1", [root])
    assert changes["claim"].tolist() == ["bodies.json-compact", "params.merge-with-query",
                                         "base-url.trailing-slash"]
    shown = changes.set_index("claim").loc["base-url.trailing-slash"]
    assert (shown["before_observed"], shown["after_observed"]) == (
        '"http://127.0.0.1:1111/a"', '"http://127.0.0.1:2222/b"')  # shown as observed


@pytest.mark.parametrize(("before", "after", "tolerance", "same"), [
    # a measured value compares exactly unless its claim states a tolerance: a default that
    # moves from 5.0 to 7.5 s is a change (the 50 % rule called it the same)
    ({"seconds": 5.0}, {"seconds": 7.5}, None, False),
    ({"result": "ReadTimeout", "seconds": 5.04}, {"result": "ReadTimeout", "seconds": 5.65},
     None, False),
    ({"result": "ReadTimeout", "seconds": 5.04}, {"result": "ReadTimeout", "seconds": 5.65},
     0.75, True),  # within the claim's stated tolerance
    ({"seconds after timeout=5": 0.02}, {"seconds after timeout=5": 2.5}, 0.75, False),
    ({"seconds after timeout=5": 2.5}, {"seconds after timeout=5": 0.02}, 0.75, False),
    ({"seconds": 5.0}, {"seconds": 5.75}, 0.75, True),
    ({"seconds": 5.0}, {"seconds": 5.8}, 0.75, False),
    ({"result": "ReadTimeout", "seconds": 5.04}, {"result": "ConnectError", "seconds": 5.04},
     0.75, False),
    ({"num_bytes_downloaded": 317}, {"num_bytes_downloaded": 318}, 0.75, False),  # counts
    ([200, 302], [200, 302, 200], None, False),
    (True, 1, None, False),
    ("http://127.0.0.1:1111/get", "http://127.0.0.1:2222/get", None, True),
    ("http://127.0.0.1:1111/get", "http://127.0.0.1:1111/anything", None, False),
])
def test_observed_values_compare_by_behaviour(before, after, tolerance, same) -> None:
    assert same_observed(observed_text(before), observed_text(after), tolerance) is same


def test_a_claims_stated_tolerance_travels_with_its_results() -> None:
    """claim_differences reads the tolerance each run's conformance.json states."""
    def side(seconds: float, tolerance: float | None) -> pd.DataFrame:
        return pd.DataFrame([{"claim": "timeouts.default-observed", "outcome": "holds",
                              "observed": observed_text({"seconds after timeout=5": seconds}),
                              "tolerance": tolerance, "message": "", "sentence": "s",
                              "source": "d"}]).set_index("claim")

    assert claim_differences(side(0.1, 0.75), side(0.6, 0.75)).empty
    assert len(claim_differences(side(0.1, None), side(0.6, None))) == 1
