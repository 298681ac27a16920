"""Targets: declared once in tox.ini, installed by ``python -m targets``, failures are results."""

from __future__ import annotations

import configparser
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def _tox_set_env() -> dict[str, dict[str, str]]:
    """factor -> {variable: value} from the [testenv] set_env lines of tox.ini."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(REPO_ROOT / "tox.ini")
    by_factor: dict[str, dict[str, str]] = {}
    for line in parser["testenv"]["set_env"].splitlines():
        match = re.match(r"\s*(\w+): (HARNESS_\w+) = (.+)", line)
        if match:
            factor, name, value = match.groups()
            by_factor.setdefault(factor, {})[name] = value.strip()
    return by_factor


def test_every_target_declares_name_requirement_and_import() -> None:
    targets = _tox_set_env()
    assert {"httpx0272", "httpx0281", "httpx0290", "httpx1dev6", "httpx2", "httpxyz",
            "httpxr"} <= set(targets)
    for factor, values in targets.items():
        assert {"HARNESS_TARGET", "HARNESS_REQUIREMENT", "HARNESS_IMPORT"} <= set(values), factor
    gates = [f for f, v in targets.items() if v.get("HARNESS_GATE") == "1"]
    assert gates == ["httpx0290"]  # exactly one pinned target gates the run


def test_the_pinned_target_is_benched_by_default_and_writes_the_requests_snapshot() -> None:
    # Moving HARNESS_GATE alone would leave `tox` benching, and snapshotting requests
    # beside, a target that no longer gates.
    (gate,) = [f for f, v in _tox_set_env().items() if v.get("HARNESS_GATE") == "1"]
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(REPO_ROOT / "tox.ini")
    env_list = parser["tox"]["env_list"].split()
    assert f"bench-{gate}" in env_list
    conformance = next(line for line in env_list if line.startswith("conformance-httpx{"))
    assert gate.removeprefix("httpx") in conformance[len("conformance-httpx{"):-1].split(",")
    (section,) = [s for s in parser.sections() if s.startswith("testenv:conformance-")]
    assert f"{gate}: python -m snapshot --library requests" in parser[section]["commands"]


def _run_targets(tmp_path: Path, requirement: str, gate: bool, *command: str,
                 python: str = sys.executable) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HARNESS_TARGET": "example", "HARNESS_REQUIREMENT": requirement,
           "HARNESS_IMPORT": "example_client", "PYTHONPATH": str(REPO_ROOT)}
    env.pop("HARNESS_GATE", None)
    if gate:
        env["HARNESS_GATE"] = "1"
    return subprocess.run([python, "-m", "targets", "run", "--", *command], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("gate", "code"), [(False, 0), (True, 1)])
def test_a_target_that_cannot_install_is_a_result_not_a_crash(tmp_path: Path, gate: bool,
                                                              code: int) -> None:
    probe = "import os; print('SUITE SAW:', os.environ['HARNESS_NOT_INSTALLED'])"
    run = _run_targets(tmp_path, str(tmp_path / "no-such-package"), gate,
                       sys.executable, "-c", probe)
    assert run.returncode == code
    # The suite still runs, told why, so it can record every claim as not-installed.
    assert "SUITE SAW: could not install" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr


def test_an_installed_target_runs_the_command_and_keeps_its_exit_code(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "uv", "venv", "-q", str(venv)], check=True,
                   timeout=60)
    python = str(venv / "bin" / "python")
    subprocess.run([sys.executable, "-m", "uv", "pip", "install", "-q", "--python", python,
                    "uv"], check=True, timeout=120)
    package = tmp_path / "example-client"
    (package / "example_client").mkdir(parents=True)
    (package / "example_client" / "__init__.py").write_text("VERSION = '1.2.3'\n")
    (package / "pyproject.toml").write_text(textwrap.dedent("""
        [project]
        name = "example-client"
        version = "1.2.3"
        [build-system]
        requires = ["setuptools"]
        build-backend = "setuptools.build_meta"
    """))
    ok = _run_targets(tmp_path, str(package), True, python, "-c",
                      "import example_client, os; print(example_client.VERSION, "
                      "os.environ.get('HARNESS_NOT_INSTALLED'))", python=python)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "1.2.3 None" in ok.stdout
    failing = _run_targets(tmp_path, str(package), True, python, "-c", "raise SystemExit(3)",
                           python=python)
    assert failing.returncode == 3  # the pinned target's failures fail the run
    candidate = _run_targets(tmp_path, str(package), False, python, "-c",
                             "raise SystemExit(3)", python=python)
    assert candidate.returncode == 0  # a candidate informs, never fails the run
    assert "exit code 3 reported" in candidate.stdout
