"""Headless Debian chromium: a screenshot of the report page, and its DOM after load."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

TIMEOUT = 120.0
# Quiet, offline, stateless: no sync, no updates, no first-run pages, a throw-away profile.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--hide-scrollbars"]


class BrowserError(RuntimeError):
    """chromium is missing or failed; the message is one line."""


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise BrowserError("chromium not found (Debian: apt-get install -y chromium)")
    return path


def run_chromium(page: Path, *arguments: str) -> str:
    """Open ``page`` with the extra ``arguments``; return stdout."""
    with tempfile.TemporaryDirectory(prefix="reports-chromium-") as profile:
        command = [chromium(), *FLAGS, f"--user-data-dir={profile}", *arguments,
                   page.resolve().as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT,
                                  check=False)
        except subprocess.TimeoutExpired:
            raise BrowserError(f"chromium did not finish within {TIMEOUT:.0f} s") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise BrowserError(f"chromium exited with {done.returncode}: {last}")
    return done.stdout


def screenshot(page: Path, png: Path, width: int = 1280, height: int = 3000) -> Path:
    """A PNG of the rendered page (the first ``height`` pixels)."""
    run_chromium(page, f"--window-size={width},{height}", f"--screenshot={png.resolve()}")
    if not png.is_file():
        raise BrowserError(f"chromium wrote no screenshot to {png}")
    return png


def rendered_dom(page: Path) -> str:
    """The DOM after the page's load event (scripts run, images decoded)."""
    return run_chromium(page, "--virtual-time-budget=10000", "--dump-dom")
