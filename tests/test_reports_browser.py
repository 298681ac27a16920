"""index.html in a real headless browser (Debian's chromium): it renders, tables and images load."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.image
import pytest

from reports import browser
from tests.reports_helpers import NEW_RUN, PINNED, copy_results, run_main

INSTALL_TIMEOUT = 900


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, installed with apt-get when missing and we are root."""
    if shutil.which("chromium") is None:
        if shutil.which("apt-get") is None:
            pytest.skip("chromium is not installed and cannot be: no apt-get here")
        if os.geteuid() == 0:
            prefix: list[str] = []
        elif shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"],
                                                     capture_output=True).returncode == 0:
            prefix = ["sudo", "-n", "-E"]  # a CI runner: password-less sudo
        else:
            pytest.skip("chromium is not installed and cannot be: not root, no sudo")
        environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in ([*prefix, "apt-get", "update", "-qq"],
                        [*prefix, "apt-get", "install", "-y", "-qq", "chromium"]):
            done = subprocess.run(command, capture_output=True, text=True, env=environment,
                                  timeout=INSTALL_TIMEOUT, check=False)
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["no output"])[-1]
                pytest.skip(f"could not install chromium ({' '.join(command)}): {last}")
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("apt-get installed chromium but it is not on PATH")
    return path


class PageParts(HTMLParser):
    """Counts tables and collects image sources and the body's attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tables = 0
        self.images: list[str] = []
        self.body: dict[str, str | None] = {}
        self.outcome_cells = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table":
            self.tables += 1
        elif tag == "img":
            self.images.append(attributes.get("src") or "")
        elif tag == "body":
            self.body = attributes
        elif tag == "td" and (attributes.get("class") or "").split()[:1] in (
                ["holds"], ["broken"], ["missing-api"], ["not-installed"]):
            self.outcome_cells += 1


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Path:
    root = copy_results(tmp_path_factory.mktemp("browser"))
    result = run_main("--results", root, "--screenshot", "--pinned", PINNED)
    assert result.returncode == 0, result.stderr
    return root / NEW_RUN / "report"


def test_the_page_renders_to_a_non_trivial_screenshot(report: Path) -> None:
    png = report / "screenshot.png"
    assert png.stat().st_size > 50_000
    pixels = matplotlib.image.imread(png)
    height, width = pixels.shape[:2]
    assert (width, height) == (1280, 3000)
    # Not a blank page: many distinct colours, and ink in the top and the bottom halves.
    assert pixels[:, :, :3].std() > 0.1
    assert pixels[: height // 2, :, :3].min() < 0.2 and pixels[height // 2:, :, :3].min() < 0.2


def test_tables_are_present_and_every_image_loads(report: Path) -> None:
    parts = PageParts()
    parts.feed(browser.rendered_dom(report / "index.html"))
    assert parts.tables >= 9  # summary, matrix, changes, missing APIs, headlines, fan-out ...
    assert parts.outcome_cells == 6 * 4 + 4  # 6 claims x 4 targets, 4 requests outcomes
    assert len(parts.images) == 4
    # The page's own load handler counts images the browser decoded (naturalWidth > 0).
    assert parts.body.get("data-images-loaded") == "4/4"
    for source in parts.images:
        if source.startswith("data:image/png;base64,"):
            data = base64.b64decode(source.split(",", 1)[1], validate=True)
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
        else:
            assert (report / source).is_file(), source

