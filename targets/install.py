"""Installing a target's requirement into the running environment, and importing it."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

INSTALL_TIMEOUT = 300.0
IMPORT_TIMEOUT = 60.0


@dataclass(frozen=True)
class Target:
    name: str
    requirement: str
    import_name: str
    gate: bool


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    # uv and pip put the reason on the last lines; hints start with "hint:" or "help:".
    reasons = [line for line in lines if not line.lower().startswith(("hint:", "help:"))]
    return (reasons or lines or ["no output"])[-1][:300]


def install(target: Target) -> str | None:
    """Install the requirement with uv into this interpreter; the reason if it failed."""
    command = [sys.executable, "-m", "uv", "pip", "install", "--python", sys.executable,
               target.requirement]
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
    except subprocess.TimeoutExpired:
        return f"could not install {target.requirement}: no answer in {INSTALL_TIMEOUT:g} s"
    if run.returncode != 0:
        return f"could not install {target.requirement}: {_last_line(run.stderr or run.stdout)}"
    return None


def check_import(target: Target) -> str | None:
    """Import the target in a fresh interpreter; the reason if that failed."""
    code = f"import {target.import_name}"
    try:
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=IMPORT_TIMEOUT)
    except subprocess.TimeoutExpired:
        return f"could not import {target.import_name}: no answer in {IMPORT_TIMEOUT:g} s"
    if run.returncode != 0:
        return f"could not import {target.import_name}: {_last_line(run.stderr)}"
    return None
