"""Where each release's results are kept, so that a rerun only runs what is new.

A release's results (conformance, snapshot, counts, API surface, package list) live in
``results/.releases-<digest>/<distribution>-<version>/``, written there by the suites
themselves (the directory is their run). The digest covers the harness code that shapes a
result (the suites, the server, the counts, the surface description, the constraints), the
Python that runs them, and the options that narrow a run: change any of them and every
release is measured again; keep them and a release measured once is read back. The
directory starts with a dot, so the reports' run listings leave the cache out.
``release.json`` is written last: a directory without it is measured again.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from harness import schema

# What a release's results depend on, besides the release and its dependencies.
RELEVANT = ("conformance", "generations", "snapshot", "server", "bench", "harness", "targets",
            "upgrade/surface.py", "upgrade/suites.py", "constraints.txt", "pyproject.toml")
DONE = "release.json"


def code_files(root: Path = schema.REPO_ROOT) -> Iterable[Path]:
    for name in RELEVANT:
        path = root / name
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file()
                              and "__pycache__" not in p.parts and p.suffix != ".pyc")


def digest(options: dict[str, Any], root: Path = schema.REPO_ROOT) -> str:
    """12 hex digits naming the code, the interpreter and the options."""
    hashed = hashlib.sha256()
    for path in code_files(root):
        hashed.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    hashed.update(sys.version.encode())
    hashed.update(json.dumps(options, sort_keys=True).encode())
    return hashed.hexdigest()[:12]


def run_name(key: str) -> str:
    """The cache's run directory name (under the results root)."""
    return f".releases-{key}"


def target(distribution: str, version: str) -> str:
    return f"{distribution}-{version}"


def directory(key: str, distribution: str, version: str) -> Path:
    return schema.results_root() / run_name(key) / target(distribution, version)


def read(key: str, distribution: str, version: str) -> dict[str, Any] | None:
    """The release's record when it was measured in full with this digest, else None."""
    path = directory(key, distribution, version) / DONE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write(key: str, distribution: str, version: str, record: dict[str, Any]) -> None:
    schema.write_json(directory(key, distribution, version) / DONE, record)
