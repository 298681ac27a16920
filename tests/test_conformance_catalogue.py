"""The conformance suite's own machinery: catalogue, coverage, expectations, no httpx import."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conformance import expectations
from conformance.catalogue import (
    CatalogueError,
    coverage_problems,
    load_catalogue,
)

REPO = Path(__file__).resolve().parent.parent
SUITE = REPO / "conformance"
# The forks' own documents start with the fork's name (claims forks.*).
KNOWN_SOURCES = ("seed cheatsheet", "seed base_url note", "docs/", "CHANGELOG.md", "httpx/",
                 "httpx2 ", "httpxyz ", "httpxr ")


def test_catalogue_is_large_and_well_formed():
    claims = load_catalogue()
    assert len(claims) > 100
    for claim in claims.values():
        assert claim.source.startswith(KNOWN_SOURCES), claim.id
        assert claim.sentence.rstrip().endswith((".", ")")), claim.id


def test_every_claim_has_a_test_and_every_marker_a_claim():
    """Collect the suite (no server is started) and let its recorder check coverage."""
    done = subprocess.run([sys.executable, "-m", "pytest", "conformance", "--collect-only",
                           "-q", "-p", "no:cacheprovider"], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "catalogue problems" not in done.stdout


def test_coverage_problems_names_both_directions():
    problems = coverage_problems({"a.one", "a.two"}, {"a.one", "a.three"})
    assert problems == ["claim a.two has no test", "a test is marked with unknown claim a.three"]


def test_duplicate_claim_id_is_rejected(tmp_path):
    entry = '[[claim]]\nid = "a.b"\nsentence = "s."\nsource = "docs/x.md"\nhttpx = "h"\n'
    path = tmp_path / "claims.toml"
    path.write_text(entry * 2)
    with pytest.raises(CatalogueError, match="appears twice"):
        load_catalogue(path)


def test_tests_never_import_the_target():
    pattern = re.compile(r"^(import httpx|from httpx\b|import requests\b)", re.MULTILINE)
    offenders = [p.name for p in SUITE.glob("*.py") if pattern.search(p.read_text())]
    assert offenders == []


def test_expectation_files_name_known_claims():
    claims = load_catalogue()
    files = list(expectations.EXPECTATIONS_DIR.glob("*.toml"))
    assert files
    for path in files:
        known = expectations.load_expectations(path.stem, path)
        assert set(known) <= set(claims), path.name
        assert all(e.note for e in known.values()), f"{path.name}: every deviation has a note"


def test_writer_keeps_notes_and_accepts_new_outcomes(tmp_path, monkeypatch):
    monkeypatch.setattr(expectations, "EXPECTATIONS_DIR", tmp_path)
    (tmp_path / "t-1.toml").write_text(
        '[claims."a.kept"]\noutcome = "broken"\nnote = "reviewed"\n'
        '[claims."a.fixed"]\noutcome = "broken"\nnote = "old"\n')
    run = {"environment": {"target": "t-1"}, "claims": [
        {"id": "a.kept", "outcome": "broken", "message": "x", "requests": None},
        {"id": "a.fixed", "outcome": "holds", "message": "", "requests": None},
        {"id": "a.new", "outcome": "missing-api", "message": "no AsyncClient",
         "requests": {"outcome": "holds"}}]}
    result = tmp_path / "conformance.json"
    result.write_text(json.dumps(run))
    assert expectations.main(["write", str(result)]) == 0
    written = expectations.load_expectations("t-1")
    assert written == {
        "a.kept": expectations.Expectation("broken", "reviewed"),
        "a.new": expectations.Expectation("missing-api", "observed: no AsyncClient")}


def test_writer_rejects_a_foreign_file_in_one_line(tmp_path, capsys):
    bad = tmp_path / "bench.json"
    bad.write_text('{"benchmarks": []}')
    assert expectations.main(["write", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(bad) in err


def test_sources_are_cited_by_name_not_by_a_path_on_one_machine():
    """A fresh clone must be able to trace every citation: no absolute paths."""
    from conformance.catalogue import CATALOGUE_PATH

    text = CATALOGUE_PATH.read_text(encoding="utf-8")
    assert not re.findall(r"(?<![\w.])/(?:work|home|root|tmp|Users)/\S*", text)
    assert "the httpx cheatsheet" in text and "the NVCF base_url note" in text
