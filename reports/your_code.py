"""The "Will our code break?" section of the HTML report, from a run's your-code results.

``tox -e your-code`` writes ``results/<run>/your-code*/your-code.json`` (schema
``httpx-harness/your-code`` 1, yourcode/output.py). This module reads them and renders one
self-contained HTML section (its own style, standard library only, so the your-code command
can also write it as a page of its own): per result, the verdict, each suite's line, what
varied between FROM's two runs, and tables of the changed outcomes, requests (each
difference with its area and bytes) and exception classes.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from reports.errors import InputError
from reports.readers import written_in

SCHEMA = "httpx-harness/your-code"
RESULT = "your-code.json"
ROW_LIMIT = 200  # request differences shown per result; the JSON holds them all
STYLE = """
section.your-code table { border-collapse: collapse; font-size: 0.8em; margin: 0.5em 0; }
section.your-code th, section.your-code td { border: 1px solid #ccc; padding: 2px 6px;
  text-align: left; vertical-align: top; }
section.your-code th { background: #f0f0f0; }
section.your-code .verdict-changed { color: #a93226; } section.your-code .verdict-unchanged
{ color: #1e8449; } section.your-code .verdict-could-not-run { color: #7d3c98; }
section.your-code code { font-size: 0.95em; word-break: break-all; }
section.your-code .note { color: #555; font-size: 0.85em; }
"""


def read(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(path, f"not a readable your-code result ({error})") from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise InputError(path, f"not a your-code result (schema is not {SCHEMA!r})")
    return document


def results_in(directories: Iterable[Path]) -> list[tuple[Path, dict[str, Any]]]:
    """Every ``your-code*/your-code.json`` of a run's directories, in the order written."""
    return [(path, read(path)) for path in written_in(directories, f"your-code*/{RESULT}")]


def escape(value: object) -> str:
    return html.escape("" if value is None else str(value))


def table(head: list[str], rows: list[list[str]]) -> str:
    """Cells are already escaped."""
    header = "".join(f"<th>{escape(name)}</th>" for name in head)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


def code(value: object) -> str:
    return f"<code>{escape(value)}</code>"


def varies_text(result: dict[str, Any]) -> str:
    varies = (result.get("comparison") or {}).get("varies")
    if varies is None:
        return "Not measured (run with --no-baseline): what varies between runs reads as change."
    baseline = result.get("baseline", {})
    return (f"Varies between runs (not counted): {varies['requests']} requests, "
            f"{varies['tests']} tests; FROM's second run took {baseline.get('seconds', 0):.0f} s"
            f" ({baseline.get('mode', '?')}).")


def result_html(path: Path, result: dict[str, Any]) -> str:
    verdict = str(result.get("verdict", "?"))
    parts = [f"<h3>{code(result.get('from'))} → {code(result.get('to'))} on "
             f"{code(result.get('project'))}: <span class=\"verdict-{verdict.replace(' ', '-')}"
             f"\">{escape(verdict)}</span></h3>",
             f'<p class="note">{escape(path)}; test dependencies: '
             f"{escape(result.get('dependencies'))}; {escape(result.get('seconds'))} s.</p>"]
    lines = [*result.get("declared", [])]
    lines += [f"{name} {side.get('given')}: {side.get('last_line')} ({side.get('seconds')} s, "
              f"{side.get('requests')} requests recorded)"
              for name, side in result.get("sides", {}).items()]
    lines += [f"{name}: import {alias} resolved to {module} (aliased)"
              for name, side in result.get("sides", {}).items()
              for alias, module in side.get("aliases", {}).items()]
    parts.append("<ul>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>")
    comparison = result.get("comparison")
    if comparison is None:
        parts.append(f"<p>Could not run: {escape(result.get('reason'))}</p>")
        return "\n".join(parts)
    parts.append(f"<p>{escape(varies_text(result))}</p>")
    if comparison.get("user_agent"):
        parts.append(f"<p>User-Agent on every request: {code(comparison['user_agent'])} "
                     "(not counted).</p>")
    if comparison["outcomes"]:
        parts.append(table(["test", "FROM", "TO", "failure"], [
            [code(o["test"]), escape(o["before"]), escape(o["after"]), escape(o["crash"])]
            for o in comparison["outcomes"]]))
    rows = [[code(c["test"]), escape(c["order"]), code(c["request"]), escape(d["area"]),
             code(d["detail"])]
            for c in comparison["requests"] for d in c["differences"]]
    if rows:
        parts.append(table(["test", "#", "request", "area", "bytes"], rows[:ROW_LIMIT]))
        if len(rows) > ROW_LIMIT:
            parts.append(f'<p class="note">{len(rows) - ROW_LIMIT} more differences in '
                         f"{escape(path)}.</p>")
    if comparison["exceptions"]:
        parts.append(table(["test", "#", "request", "FROM raised", "TO raised"], [
            [code(e["test"]), escape(e["order"]), code(e["request"]), escape(e["before"]),
             escape(e["after"])] for e in comparison["exceptions"]]))
    if not (comparison["outcomes"] or rows or comparison["exceptions"]):
        parts.append(f"<p>Unchanged: {escape(comparison['tests'])} tests, same outcomes and "
                     "the same requests byte for byte.</p>")
    return "\n".join(parts)


def section(results: list[tuple[Path, dict[str, Any]]]) -> str:
    """The section, or '' when the run has no your-code result."""
    if not results:
        return ""
    return "\n".join([f"<style>{STYLE}</style>", '<section class="your-code">',
                      "<h2>Will our code break? (the project's own test suite)</h2>",
                      *(result_html(path, result) for path, result in results), "</section>"])


def with_section(page: str, directories: Iterable[Path]) -> str:
    """``page`` with the run's your-code section before ``</body>`` (unchanged if none)."""
    rendered = section(results_in(directories))
    if not rendered:
        return page
    at = page.rfind("</body>")
    return page[:at] + rendered + "\n" + page[at:] if at >= 0 else page + rendered


def page(path: Path, result: dict[str, Any]) -> str:
    """One result as a page of its own (beside its JSON)."""
    title = f"Will our code break? {result.get('from')} -> {result.get('to')}"
    return "\n".join(["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
                      f"<title>{escape(title)}</title></head>",
                      '<body style="font-family: system-ui, sans-serif; margin: 1.5em">',
                      section([(path, result)]), "</body></html>"])
