"""Version claims: since/until in the catalogue, and the expectations derived from them."""

from __future__ import annotations

import json

import pytest
from packaging.version import Version

from conformance import expectations
from conformance.catalogue import CatalogueError, Claim, load_catalogue

CLAIM = '[[claim]]\nid = "a.b"\nsentence = "s."\nsource = "CHANGELOG.md § 0.28.0"\nhttpx = "h"\n'


def claim(**fields: str) -> Claim:
    return Claim(id="a.b", sentence="s.", source="CHANGELOG.md", httpx="h", **fields)


@pytest.mark.parametrize(("fields", "version", "outcome"), [
    ({"since": "0.28.0"}, "0.27.2", "broken"),
    ({"since": "0.28.0"}, "0.28.0", "holds"),
    ({"since": "0.28.0"}, "1.0.dev6", "holds"),
    ({"since": "0.28.0", "before": "missing-api"}, "0.26.0", "missing-api"),
    ({"until": "0.28.0"}, "0.27.2", "holds"),
    ({"until": "0.28.0"}, "0.28.1", "broken"),
    ({"since": "0.26.0", "until": "0.28.0", "after": "missing-api"}, "0.25.2", "broken"),
    ({"since": "0.26.0", "until": "0.28.0", "after": "missing-api"}, "0.27.2", "holds"),
    ({"since": "0.26.0", "until": "0.28.0", "after": "missing-api"}, "0.28.1", "missing-api"),
    ({}, "0.23.3", "holds"),
])
def test_expected_outcome_follows_the_version_range(fields, version, outcome):
    assert claim(**fields).expected_on(Version(version)) == outcome


@pytest.mark.parametrize(("extra", "problem"), [
    ('since = "soon"\n', "is not a version"),
    ('since = "0.28.0"\nuntil = "0.27.0"\n', "is not before until"),
    ('after = "missing-api"\n', "after without until"),
    ('since = "0.28.0"\nbefore = "holds"\n', "is not one of"),
])
def test_bad_version_fields_are_rejected_in_one_line(tmp_path, extra, problem):
    path = tmp_path / "claims.toml"
    path.write_text(CLAIM + extra)
    with pytest.raises(CatalogueError, match=problem):
        load_catalogue(path)


@pytest.mark.parametrize(("target", "version"), [
    ("httpx-0.27.2", "0.27.2"), ("httpx-1.0.dev6", "1.0.dev6"),
    ("httpx-0.28.1-urllib3-1.26", "0.28.1"), ("httpx2", None), ("httpxyz", None),
    ("httpxr", None), ("httpx-next", None)])
def test_only_httpx_version_targets_get_a_version(target, version):
    found = expectations.httpx_version(target)
    assert (str(found) if found else None) == version


def test_derived_expectations_and_file_lines_over_them(tmp_path):
    catalogue = {"a.new": claim(since="0.28.0"), "a.gone": claim(until="0.28.0"),
                 "a.plain": claim()}
    old = expectations.derived_expectations("httpx-0.27.2", catalogue)
    assert {cid: e.outcome for cid, e in old.items()} == {"a.new": "broken"}
    assert "from 0.28.0" in old["a.new"].note
    new = expectations.derived_expectations("httpx-0.28.1", catalogue)
    assert {cid: e.outcome for cid, e in new.items()} == {"a.gone": "broken"}
    assert expectations.derived_expectations("httpx2", catalogue) == {}
    path = tmp_path / "httpx-0.27.2.toml"
    path.write_text('[claims."a.new"]\noutcome = "holds"\nnote = "backported"\n')
    merged = expectations.load_expectations("httpx-0.27.2", path, catalogue)
    assert merged["a.new"] == expectations.Expectation("holds", "backported")


def test_writer_writes_only_where_a_run_differs_from_the_derived_outcome(tmp_path,
                                                                          monkeypatch):
    monkeypatch.setattr(expectations, "EXPECTATIONS_DIR", tmp_path)
    catalogue = {"a.new": claim(since="0.28.0"), "a.early": claim(since="0.28.0"),
                 "a.plain": claim()}
    monkeypatch.setattr(expectations, "load_catalogue", lambda: catalogue)
    run = {"environment": {"target": "httpx-0.27.2"}, "claims": [
        {"id": "a.new", "outcome": "broken", "message": "old bytes", "requests": None},
        {"id": "a.early", "outcome": "holds", "message": "", "requests": None},
        {"id": "a.plain", "outcome": "holds", "message": "", "requests": None}]}
    result = tmp_path / "conformance.json"
    result.write_text(json.dumps(run))
    assert expectations.main(["write", str(result)]) == 0
    lines = expectations.load_file("httpx-0.27.2")
    assert list(lines) == ["a.early"]  # a.new is broken as derived: no line for it
    assert lines["a.early"].outcome == "holds"


def test_catalogue_version_claims_cite_their_changelog_entry():
    versioned = [c for c in load_catalogue().values() if c.since or c.until]
    assert versioned
    for c in versioned:
        assert "CHANGELOG" in c.source, c.id
        bounds = [v for v in (c.since, c.until) if v]
        assert any(v in c.source for v in bounds), f"{c.id}: source names no bound version"


def test_expectation_files_do_not_repeat_derived_outcomes():
    """A line for a version claim exists only where the target departs from its range."""
    catalogue = load_catalogue()
    for path in expectations.EXPECTATIONS_DIR.glob("*.toml"):
        derived = expectations.derived_expectations(path.stem, catalogue)
        for claim_id, line in expectations.load_file(path.stem, path).items():
            if claim_id in derived:
                assert (line.outcome, line.requests) != (derived[claim_id].outcome, "holds"), (
                    f"{path.name}: {claim_id} repeats its derived outcome")
            elif catalogue[claim_id].since or catalogue[claim_id].until:
                assert line.outcome != "holds" or line.requests != "holds", (path.name, claim_id)
