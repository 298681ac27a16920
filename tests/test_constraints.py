"""One constraints file, shared by every tox environment, limits the packages whose
private APIs the harness uses to the major version it was written against."""

from __future__ import annotations

import configparser
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parent.parent
# package -> where the harness uses its private or experimental API
PRIVATE_API_USERS = {"granian": "server/granian_engine.py",
                     "pytest-benchmark": "bench/recording.py"}


def constraints() -> dict[str, Requirement]:
    lines = (REPO / "constraints.txt").read_text().splitlines()
    found = [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]
    return {requirement.name: requirement for requirement in found}


@pytest.mark.parametrize("package", PRIVATE_API_USERS)
def test_a_package_used_privately_is_held_to_one_major_version(package: str) -> None:
    requirement = constraints()[package]
    lower = [s for s in requirement.specifier if s.operator == ">="]
    upper = [s for s in requirement.specifier if s.operator == "<"]
    assert lower and upper, f"{package}: needs >=X and <X+1"
    assert int(upper[0].version.split(".")[0]) == int(lower[0].version.split(".")[0]) + 1
    installed = metadata.version(package)
    assert requirement.specifier.contains(installed), (package, installed)


def test_every_tox_environment_uses_the_constraints() -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(REPO / "tox.ini")
    assert "UV_CONSTRAINT = {tox_root}/constraints.txt" in parser["testenv"]["set_env"]
    for section in parser.sections():
        if section.startswith("testenv:"):
            own = parser[section].get("set_env", "UV_CONSTRAINT")
            # Either the section keeps [testenv]'s set_env, inherits it, or names the file.
            assert "UV_CONSTRAINT" in own or "{[testenv]set_env}" in own, (
                f"{section} replaces [testenv] set_env without the constraints")
