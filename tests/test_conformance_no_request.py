"""docs/conformance.md names the claims whose tests make no request: keep that list true.

A test makes a request when it uses the server (``server``, ``server_ssl_context``,
``server_stats``, ``background``) or opens a socket of its own (``free_port_url``,
``silent_listener``, ``accepting_sink``). The rest check API shape only; the list
between the markers in docs/conformance.md must be exactly their claims.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONFORMANCE = REPO / "conformance"
DOC = REPO / "docs" / "conformance.md"
SERVER_FIXTURES = {"server", "server_ssl_context", "server_stats", "server_ca", "background",
                   "wire_server"}
SOCKET_HELPERS = {"free_port_url", "silent_listener", "accepting_sink"}


COLLECT = """
import json, sys
import pytest

class Collect:
    def pytest_collection_modifyitems(self, items):
        for item in items:
            marker = item.get_closest_marker("claim")
            print("ITEM " + json.dumps([marker.args[0] if marker else None,
                                        item.path.name, item.function.__name__,
                                        sorted(item.fixturenames)]))

sys.exit(pytest.main(["conformance", "--collect-only", "-q", "-p", "no:cacheprovider"],
                     plugins=[Collect()]))
"""


def collected() -> list[tuple[str, str, str, list[str]]]:
    """(claim, file, function, fixtures) of every conformance test, as pytest collects it."""
    done = subprocess.run([sys.executable, "-c", COLLECT], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    items = [json.loads(line[5:]) for line in done.stdout.splitlines()
             if line.startswith("ITEM ")]
    assert items, done.stdout[-2000:] + done.stderr[-2000:]
    return items


def functions_opening_sockets() -> set[tuple[str, str]]:
    """(file, function) of tests that call a socket helper themselves."""
    found = set()
    for path in CONFORMANCE.glob("test_*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and any(
                    isinstance(name, ast.Name) and name.id in SOCKET_HELPERS
                    for name in ast.walk(node)):
                found.add((path.name, node.name))
    return found


def claims_without_a_request() -> set[str]:
    """Claims none of whose tests makes a request."""
    sockets = functions_opening_sockets()
    every, requesting = set(), set()
    for claim, file, function, fixtures in collected():
        every.add(claim)
        if set(fixtures) & SERVER_FIXTURES or (file, function) in sockets:
            requesting.add(claim)
    return every - requesting


def documented() -> set[str]:
    text = DOC.read_text()
    block = text.split("<!-- no-request claims -->")[1].split("<!-- end -->")[0]
    return set(re.findall(r"`([a-z0-9.-]+)`", block))


def test_the_documented_list_is_the_claims_that_make_no_request() -> None:
    found = claims_without_a_request()
    assert documented() == found, {"undocumented": sorted(found - documented()),
                                   "not so": sorted(documented() - found)}
