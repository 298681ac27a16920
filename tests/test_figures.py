"""docs/figures.md is what its sources give, and every number the README quotes is in it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from figures.__main__ import FIGURES_PATH, main, render
from figures.compute import ROOT, sections

README = ROOT / "README.md"
NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?:\.dev\d+)?")
# Numbers in the README that are names, not figures: standards and operating systems.
NOT_FIGURES = {"668",  # PEP 668
               "12", "23.04"}  # Debian 12, Ubuntu 23.04
# Protocol names carry digits too (HTTP/1.1, HTTP/2, TLS 1.3).
PROTOCOL = re.compile(r"HTTP/\d(?:\.\d)?|TLS \d\.\d")


def prose_numbers(markdown: str) -> set[str]:
    """Numbers in the text a reader reads: not in code (commands, paths) nor link targets."""
    text = re.sub(r"```.*?```", " ", markdown, flags=re.DOTALL)
    text = re.sub(r"`[^`\n]*`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = PROTOCOL.sub(" ", text)
    return set(NUMBER.findall(text))


def unsourced_numbers(readme: str, figures: str) -> set[str]:
    return prose_numbers(readme) - set(NUMBER.findall(figures)) - NOT_FIGURES


def claim_count(root: Path) -> int:
    section = next(s for s in sections(root) if s.title == "Conformance claims")
    return int(dict(section.rows)["claims"])  # type: ignore[arg-type]


def test_figures_md_is_what_its_sources_give() -> None:
    assert FIGURES_PATH.read_text(encoding="utf-8") == render(), \
        "docs/figures.md is stale: run `python -m figures` and commit it"


def test_check_goes_red_on_a_stale_file_and_green_on_a_current_one(tmp_path: Path) -> None:
    current, stale = tmp_path / "current.md", tmp_path / "stale.md"
    current.write_text(render(), encoding="utf-8")
    stale.write_text(render().replace("| claims | ", "| claims | 1"), encoding="utf-8")
    assert main(["--check", "--output", str(current)]) == 0
    assert main(["--check", "--output", str(stale)]) == 1
    assert main(["--check", "--output", str(tmp_path / "absent.md")]) == 1


def test_a_changed_source_changes_the_figures(tmp_path: Path) -> None:
    """One claim removed from a copy of the catalogue: the claim count and outcomes follow."""
    shutil.copy(ROOT / "tox.ini", tmp_path)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    expectations = Path("conformance") / "expectations"
    shutil.copytree(ROOT / expectations, tmp_path / expectations)
    catalogue = (ROOT / "conformance" / "claims.toml").read_text(encoding="utf-8")
    head, _first, rest = catalogue.split("[[claim]]", 2)
    (tmp_path / "conformance" / "claims.toml").write_text(head + "[[claim]]" + rest,
                                                          encoding="utf-8")
    assert claim_count(tmp_path) == claim_count(ROOT) - 1
    assert render(tmp_path) != FIGURES_PATH.read_text(encoding="utf-8")


def test_measured_figures_say_how_and_when() -> None:
    measured = {s.title: s for s in sections()}["Measured"]
    assert measured.rows and all(all(cell.strip() for cell in row) for row in measured.rows)


def test_every_number_the_readme_quotes_is_in_figures_md() -> None:
    missing = unsourced_numbers(README.read_text(encoding="utf-8"),
                                FIGURES_PATH.read_text(encoding="utf-8"))
    assert not missing, (f"README quotes {sorted(missing)}, absent from docs/figures.md: "
                         "add the figure's source to figures/, or quote docs/figures.md")


def test_the_readme_check_goes_red_on_a_made_up_figure() -> None:
    readme = README.read_text(encoding="utf-8")
    figures = FIGURES_PATH.read_text(encoding="utf-8")
    altered = readme.replace("## Quick start", "It checks 4242 claims.\n\n## Quick start")
    assert unsourced_numbers(altered, figures) == {"4242"}
    # Commands, paths and links are not figures.
    assert not unsourced_numbers("`tox -e bench-httpx0290` [x](docs/a9.md) HTTP/1.1", figures)
