"""A run with a proxy, CA bundle or netrc configured gives the results of a run without.

httpx and requests read them from the environment (tox passes some through); the suites
clear them for the client under test and record which were present.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.environment import clear_client_variables, client_variables_present
from harness.schema import package_version

REPO = Path(__file__).resolve().parent.parent
# A corporate laptop, exaggerated: every proxy points at a closed port, every CA bundle
# and the netrc file at nothing.
CONFIGURED = {
    "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
    "ALL_PROXY": "socks5://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
    "SSL_CERT_FILE": "/nonexistent/ca.pem", "SSL_CERT_DIR": "/nonexistent",
    "REQUESTS_CA_BUNDLE": "/nonexistent/ca.pem", "CURL_CA_BUNDLE": "/nonexistent/ca.pem",
    "NETRC": "/nonexistent/netrc",
}
CLAIMS = ["status.*", "auth.*", "redirects.*", "http2.negotiated-client", "headers.*"]


def run_suite(tmp_path: Path, name: str, extra: dict[str, str]) -> dict:
    results = tmp_path / name
    env = {key: value for key, value in os.environ.items()
           if key.lower() not in {k.lower() for k in CONFIGURED}}
    env.update({"HARNESS_RESULTS": str(results), "HARNESS_TARGET": "httpx-0.28.1",
                "HARNESS_RUN": name, "PYTHONPATH": str(REPO), **extra})
    selection = [arg for claim in CLAIMS for arg in ("--claim", claim)]
    done = subprocess.run([sys.executable, "-m", "pytest", "conformance", "-q", "-p",
                           "no:cacheprovider", *selection], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=200)
    found = list(results.glob("*/*/conformance.json"))
    assert len(found) == 1, done.stdout[-3000:] + done.stderr[-2000:]
    return json.loads(found[0].read_text())


@pytest.mark.timeout(420)
def test_a_configured_proxy_changes_no_result(tmp_path: Path) -> None:
    clean = run_suite(tmp_path, "clean", {})
    proxied = run_suite(tmp_path, "proxied", CONFIGURED)

    def outcomes(document: dict) -> dict[str, tuple[str, str | None]]:
        return {claim["id"]: (claim["outcome"], (claim["requests"] or {}).get("outcome"))
                for claim in document["claims"]}

    assert len(outcomes(clean)) > 20
    assert outcomes(proxied) == outcomes(clean)
    assert proxied["environment"]["client_variables_cleared"] == sorted(CONFIGURED)
    assert clean["environment"]["client_variables_cleared"] == []
    # and the server engine that served the run, with its version
    assert clean["environment"]["engine"] == "hypercorn"
    assert clean["environment"]["engine_version"] == package_version("hypercorn")


def test_clearing_names_what_was_set_in_either_case(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in client_variables_present():  # monkeypatch puts them back afterwards
        monkeypatch.delenv(name)
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")
    monkeypatch.setenv("NETRC", "/nonexistent")
    monkeypatch.setenv("HARNESS_KEEP", "1")
    assert clear_client_variables() == ["NETRC", "https_proxy"]
    assert "https_proxy" not in os.environ and "NETRC" not in os.environ
    assert os.environ["HARNESS_KEEP"] == "1"
