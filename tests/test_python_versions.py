"""One cheap check on every supported Python (3.10 to 3.13), on whichever are installed.

The harness claims Python 3.10+; on 3.10 ``importlib.metadata.packages_distributions()``
reads only top_level.txt, so a wheel without it (httpx's) had "no installed distribution"
and the pinned target's gate failed there. The check runs the harness's own lookup on
each interpreter against a distribution installed the way such a wheel is: no
top_level.txt, a RECORD listing the package's files. An interpreter that is not installed
is skipped, and the skip says which.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SUPPORTED = ("3.10", "3.11", "3.12", "3.13")
PYENV = Path.home() / ".pyenv" / "versions"

CHECK = """
import sys
sys.path[:0] = [{site!r}, {repo!r}]
from conformance.target import distribution_of
found = distribution_of("wheelpkg")
assert found == ("wheel-pkg", "1.2.3"), found
print("ok", sys.version_info[:2])
"""


def interpreter(version: str) -> str | None:
    """The newest pyenv build of python3.X, else one on PATH (not a pyenv shim, which
    fails for a version pyenv has not activated)."""
    builds = sorted(PYENV.glob(f"{version}.*/bin/python{version}")) if PYENV.is_dir() else []
    if builds:
        return str(builds[-1])
    found = shutil.which(f"python{version}")
    return found if found and "/shims/" not in found else None


def fake_wheel_install(site: Path) -> None:
    """What installing a hatchling-built wheel leaves: no top_level.txt."""
    (site / "wheelpkg").mkdir(parents=True)
    (site / "wheelpkg" / "__init__.py").write_text("")
    info = site / "wheel_pkg-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: wheel-pkg\nVersion: 1.2.3\n")
    (info / "RECORD").write_text("wheelpkg/__init__.py,,\nwheel_pkg-1.2.3.dist-info/METADATA"
                                 ",,\nwheel_pkg-1.2.3.dist-info/RECORD,,\n")


@pytest.mark.parametrize("version", SUPPORTED)
def test_the_target_lookup_works_on(version: str, tmp_path: Path) -> None:
    python = interpreter(version)
    if python is None:
        pytest.skip(f"Python {version} is not installed here (PATH or ~/.pyenv)")
    fake_wheel_install(tmp_path)
    done = subprocess.run([python, "-I", "-c", CHECK.format(site=str(tmp_path),
                                                            repo=str(REPO))],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("ok")
