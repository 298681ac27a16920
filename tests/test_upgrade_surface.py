"""upgrade/surface.py: the API, packaging and environment an upgrade changes.

The rules on hand-made descriptions; then known answers on real wheels: the released httpx
0.28.1 against itself (nothing), and against upgrade/altered.py's builds, each of which must
show its own changed default and nothing else (or nothing at all where the alteration is
inside a function body). Needs the package index (or uv's cache) for the real wheels.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from upgrade.altered import ALTERATIONS, FetchError, build, fetch
from upgrade.surface import findings

REPO = Path(__file__).resolve().parent.parent
VERSION = "0.28.1"


def description(**api: Any) -> dict[str, Any]:
    base_api = {
        "Client": {"kind": "class", "bases": [],
                   "members": {"get": [["url", "POSITIONAL_OR_KEYWORD", None]]},
                   "signature": [["timeout", "KEYWORD_ONLY", "Timeout(timeout=5.0)"],
                                 ["follow_redirects", "KEYWORD_ONLY", "False"]]},
        "HTTPStatusError": {"kind": "exception", "bases": ["HTTPError"], "members": {},
                            "signature": [["message", "POSITIONAL_OR_KEYWORD", None]]},
        "codes": {"kind": "enum", "names": {"NOT_FOUND": "404 Not Found"}},
        "get": {"kind": "function", "signature": [["url", "POSITIONAL_OR_KEYWORD", None],
                                                  ["params", "KEYWORD_ONLY", "None"]]},
    }
    base_api.update(api)
    return {"import": "httpx", "api": base_api,
            "packaging": {"requires_python": ">=3.8", "requires": ["anyio", "certifi"],
                          "extras": ["http2"]},
            "environment": {"modules_on_import": ["idna"], "loggers": ["httpx"],
                            "trust": {"context": "ssl.SSLContext", "ca_certificates": 144,
                                      "modules": ["certifi"]}}}


def kinds(before: dict[str, Any], after: dict[str, Any]) -> dict[str, str]:
    return {f.item: f.kind for f in findings(before, after)}


def test_the_same_description_has_no_finding() -> None:
    assert findings(description(), description()) == []


def test_what_a_caller_trips_on_is_breaking_and_additions_are_not() -> None:
    old = description()
    new = copy.deepcopy(old)
    del new["api"]["HTTPStatusError"]  # a public name removed
    new["api"]["Client"]["signature"][1][2] = "True"  # a default changed
    new["api"]["get"]["signature"].append(["trust", "KEYWORD_ONLY", "None"])  # optional added
    new["api"]["Client"]["members"]["post"] = [["url", "POSITIONAL_OR_KEYWORD", None]]
    new["api"]["codes"]["names"] = {"NOT_FOUND_2": "404 Not Found"}  # a name renamed
    new["api"]["FunctionAuth"] = {"kind": "class", "bases": [], "members": {},
                                  "signature": []}
    assert kinds(old, new) == {
        "api: HTTPStatusError": "breaking",
        "api: Client(follow_redirects)": "breaking",
        "api: get(trust)": "api",
        "api: Client.post": "api",
        "api: codes.NOT_FOUND": "breaking",
        "api: codes.NOT_FOUND_2": "api",
        "api: FunctionAuth": "api",
    }


def test_required_reordered_and_rebased_are_breaking() -> None:
    old = description()
    new = copy.deepcopy(old)
    new["api"]["get"]["signature"] = [["params", "POSITIONAL_OR_KEYWORD", None],
                                      ["url", "POSITIONAL_OR_KEYWORD", None]]
    new["api"]["HTTPStatusError"]["bases"] = ["Exception"]
    found = kinds(old, new)
    assert found == {"api: get(params)": "breaking", "api: get": "breaking",
                     "api: HTTPStatusError bases": "breaking"}


def test_packaging_and_environment_are_listed_not_breaking() -> None:
    old = description()
    new = copy.deepcopy(old)
    new["packaging"] = {"requires_python": ">=3.10", "requires": ["anyio", "truststore"],
                        "extras": ["http2", "ws"]}
    new["environment"]["loggers"] = ["httpx", "httpx.sse"]
    new["environment"]["trust"]["modules"] = ["truststore"]
    assert kinds(old, new) == {
        "Requires-Python": "packaging", "dependency: certifi": "packaging",
        "dependency: truststore": "packaging", "extra: ws": "packaging",
        "logger: httpx.sse": "environment",
        "default Client() trust: modules": "environment"}


def test_a_fork_s_own_name_is_not_a_difference() -> None:
    fork = description()
    fork["import"] = "httpx2"
    fork["environment"]["loggers"] = ["httpx2"]
    assert findings(description(), fork) == []


# Real wheels: the release and upgrade/altered.py's builds, unpacked side by side.

def describe(directory: Path) -> dict[str, Any]:
    environment = {**os.environ, "PYTHONPATH": f"{directory}{os.pathsep}{REPO}"}
    done = subprocess.run([sys.executable, "-m", "upgrade.surface", "httpx", "httpx"],
                          capture_output=True, text=True, timeout=120, env=environment,
                          cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    assert " at 0x" not in done.stdout  # no object address in any repr
    document = json.loads(done.stdout)
    assert document["api"]["Client"]["signature"], "the unpacked httpx was not the one read"
    return document


@pytest.fixture(scope="module")
def described(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    root = tmp_path_factory.mktemp("surface")
    try:
        fetch(VERSION, root / "release")
        wheels = {name: build(VERSION, name, root / "wheels") for name in ALTERATIONS}
    except FetchError as error:
        pytest.skip(f"httpx {VERSION} cannot be fetched from the package index: {error}")
    for name, wheel in wheels.items():
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(root / name)
    return {name: describe(root / name) for name in ("release", *wheels)}


# What each alteration changes in a signature a user reads: (item prefix, before, after).
EXPECTED = {
    "follow-redirects": ("follow_redirects", "default False", "default True"),
    "no-keepalive": ("limits", "max_keepalive_connections=20", "max_keepalive_connections=0"),
    "default-timeout": ("timeout", "Timeout(timeout=5.0)", "Timeout(timeout=10.0)"),
}


def test_the_release_against_itself_has_no_finding(
        described: dict[str, dict[str, Any]]) -> None:
    assert findings(described["release"], described["release"]) == []
    release = described["release"]
    assert release["packaging"]["requires_python"] == ">=3.8"
    assert release["api"]["codes"]["names"]["NOT_FOUND"] == "404 Not Found"
    assert release["environment"]["trust"]["modules"] == ["certifi"]


@pytest.mark.parametrize("alteration", sorted(ALTERATIONS))
def test_an_altered_default_is_breaking_and_nothing_else_moves(
        alteration: str, described: dict[str, dict[str, Any]]) -> None:
    found = findings(described["release"], described[alteration])
    if alteration not in EXPECTED:  # the change is inside a function body: no API moved
        assert found == [], [f.line() for f in found]
        return
    parameter, before, after = EXPECTED[alteration]
    assert found, f"{alteration}: no finding"
    for finding in found:
        assert finding.kind == "breaking", finding.line()
        assert finding.item.endswith(f"({parameter})"), finding.line()
        assert before in finding.before and after in finding.after, finding.line()
    assert f"api: Client({parameter})" in {f.item for f in found}
