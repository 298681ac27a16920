"""summary.md: a short Markdown summary for a CI job summary or a pull-request comment.

The first line is the verdict; then only what needs a reviewer's eyes: unexpected
conformance outcomes, what changed since the baseline run (when one is given), benchmark
verdicts that are not "unchanged", failed installs. Counts per target, missing APIs and
the headline ratios sit in collapsed <details> blocks. Every section links into index.html. It stays
under GitHub's comment limit (65,536 characters) by cutting tables, never by cutting
the verdict.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from reports.baseline import BaselineComparison
from reports.tables import ReportTables

MAX_ROWS = 30  # per table: a PR comment is limited in size, the CSVs have everything
MAX_CELL = 160  # characters; assertion messages can run long
COMMENT_LIMIT = 65_536  # GitHub's limit for a comment body, in characters
SIZE_BUDGET = 60_000  # what summary.md aims to stay under, leaving room for a header
# Section anchors in index.html (reports/html.py gives its headings these ids).
ANCHORS = {"summary": "conformance-summary", "matrix": "conformance-matrix",
           "changes": "changes", "headlines": "headlines", "benchmarks": "benchmarks",
           "history": "history"}


def text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    shown = str(value).replace("\n", " ")
    if len(shown) > MAX_CELL:
        shown = shown[:MAX_CELL - 1] + "…"
    return shown.replace("|", "\\|")


def markdown_table(frame: pd.DataFrame, max_rows: int = MAX_ROWS) -> str:
    """A GitHub-flavoured Markdown table (no tabulate dependency); long tables are cut."""
    if frame.empty:
        return "_none_\n"
    shown = frame.head(max_rows)
    lines = ["| " + " | ".join(text(c) for c in shown.columns) + " |",
             "|" + "---|" * len(shown.columns)]
    lines += ["| " + " | ".join(text(v) for v in row) + " |"
              for row in shown.itertuples(index=False)]
    if len(frame) > max_rows:
        lines.append(f"\n_{len(frame) - max_rows} more rows in the CSV._")
    return "\n".join(lines) + "\n"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def verdict_line(tables: ReportTables, comparison: BaselineComparison | None) -> str:
    """Line 1: pass, or what fails: the gated target's benchmark verdict (compare's own
    verdict line, as the gate step prints it) and unexpected outcomes on the pinned target."""
    claims = tables.claims
    pinned_unexpected = int(claims.loc[claims["target"] == tables.pinned, "unexpected"].sum()
                            if not claims.empty else 0)
    benchmarks = comparison.benchmark_verdict() if comparison is not None else None
    failures = []
    if comparison is not None and benchmarks is not None and benchmarks[0] != "pass":
        # regression, or could not judge (no evidence, no pass): the gate exits 1 or 2
        failures.append(f"benchmarks of {comparison.gated}: {benchmarks[1]}")
    if pinned_unexpected:
        failures.append(plural(pinned_unexpected, "unexpected conformance outcome") +
                        f" on {tables.pinned}")
    against = f" against baseline `{comparison.run}`" if comparison is not None else \
        " (no baseline given: conformance checked against the expectations files only)"
    if failures:
        return f"**httpx-harness: ❌ {', '.join(failures)}**: run `{tables.run.name}`{against}"
    judged = (f" (benchmarks of {comparison.gated}: {benchmarks[1]})"
              if comparison is not None and benchmarks is not None else "")
    return (f"**httpx-harness: ✅ pass**: no benchmark regression, no unexpected conformance "
            f"outcome on {tables.pinned}{judged}: run `{tables.run.name}`{against}")


def news_line(tables: ReportTables, comparison: BaselineComparison | None) -> str:
    """Line 2: what informs without failing (candidates' surprises, changes since baseline)."""
    claims = tables.claims
    notes = []
    if not claims.empty:
        unexpected = claims[claims["unexpected"] & (claims["target"] != tables.pinned)]
        for target, count in unexpected.groupby("target", sort=False).size().items():
            notes.append(f"{target}: {plural(int(count), 'unexpected outcome')}")
    if comparison is not None:
        changed = comparison.conformance
        for target, count in changed.groupby("target", sort=False).size().items():
            notes.append(f"{target}: {plural(int(count), 'claim')} changed since baseline")
        timing = len(comparison.timing_regressions)
        if timing:
            notes.append(plural(timing, "informative regression") + " (not gating)")
        improvements = (comparison.benchmarks["verdict"] == "improvement").sum() \
            if not comparison.benchmarks.empty else 0
        if improvements:
            notes.append(plural(int(improvements), "benchmark improvement"))
    if notes:
        return "Informs (does not fail): " + "; ".join(notes) + "."
    since = " since the baseline" if comparison is not None else ""
    return f"Informs: nothing (no claim changed outcome{since}, no candidate surprised)."


def render(tables: ReportTables, report_path: str, comparison: BaselineComparison | None = None,
           report_url: str = "index.html") -> str:
    """summary.md; tables are cut further if the text would not fit in a PR comment."""
    for max_rows in (MAX_ROWS, 10, 3, 0):
        shown = _render(tables, report_path, comparison, report_url, max_rows)
        if len(shown) <= SIZE_BUDGET:
            return shown
    return shown[:SIZE_BUDGET]  # unreachable with the tables above; a guard all the same


def _render(tables: ReportTables, report_path: str, comparison: BaselineComparison | None,
            report_url: str, max_rows: int) -> str:
    def section(key: str, title: str) -> str:
        return f"[{title}]({report_url}#{ANCHORS[key]})"

    def table(frame: pd.DataFrame) -> str:
        return markdown_table(frame, max_rows=max_rows) if max_rows else (
            f"_{plural(len(frame), 'row')}: see the report._\n")

    claims, summary = tables.claims, tables.summary
    lines = [verdict_line(tables, comparison), "", news_line(tables, comparison), ""]
    if not claims.empty:
        unexpected = claims[claims["unexpected"]]
        if not unexpected.empty:
            lines += [f"### Unexpected conformance outcomes ({section('matrix', 'matrix')})",
                      "", "Not what the target's expectations file says:", "",
                      table(unexpected[["target", "claim", "expected", "outcome",
                                        "requests_outcome", "message"]])]
        failed = summary[summary["not_installed_reason"] != ""] if not summary.empty else []
        lines += [f"- **{row.target}** not installed: {text(row.not_installed_reason)}"
                  for row in getattr(failed, "itertuples", list)()]
        if "harness_error" in summary.columns:
            crashed = summary[summary["harness_error"] != ""]
            lines += [f"- **{row.target}** not measured (harness error): "
                      f"{text(row.harness_error)}" for row in crashed.itertuples()]
    if comparison is not None:
        lines += _baseline_sections(comparison, section, table)
    lines += _details(tables, section, table)
    lines += ["", f"Full report: {section('summary', 'index.html')} "
                  f"(matrix: {section('matrix', 'conformance')}, "
                  f"{section('headlines', 'benchmark headlines')}, "
                  f"{section('history', 'history')}); written to `{report_path}`.", ""]
    return "\n".join(lines)


def _baseline_sections(comparison: BaselineComparison, section: Any, table: Any) -> list[str]:
    lines = []
    changed = comparison.conformance
    if not changed.empty:
        lines += [f"### Conformance changes since `{comparison.run}` "
                  f"({section('matrix', 'matrix')})", "",
                  table(changed[["target", "claim", "before_outcome", "after_outcome",
                                 "before_observed", "after_observed"]])]
    if comparison.observed_only:
        lines.append(f"- {plural(comparison.observed_only, 'claim')} kept its outcome with a "
                     "different observed value (`python -m reports upgrade` lists them).")
    if comparison.new_targets:
        lines.append(f"- New targets: {', '.join(comparison.new_targets)}.")
    if comparison.gone_targets:
        lines.append(f"- Targets in the baseline but not in this run: "
                     f"{', '.join(comparison.gone_targets)}.")
    benchmarks = comparison.benchmarks
    if not benchmarks.empty:
        # Only what moved: a timing not shown either way (too few rounds, or an interval
        # wider than the minimum effect) is not a change, so it is counted, not listed.
        moved = benchmarks[benchmarks["verdict"].isin(("regression", "improvement", "missing"))]
        unsure = int(benchmarks["verdict"].isin(("inconclusive", "not significant")).sum())
        still = len(benchmarks) - len(moved) - unsure
        lines += ["", f"### Benchmarks against `{comparison.run}` "
                      f"({section('headlines', 'headlines')})", ""]
        if not moved.empty:
            # compare writes its changes as text already (e.g. "+1.02 %", "0 -> 1")
            shown = moved.assign(change=moved["change"].map(
                lambda x: x if isinstance(x, str) else "" if pd.isna(x) else f"{x:+.1%}"))
            columns = [c for c in ("target", "kind", "benchmark", "measure", "change",
                                   "verdict", "fails") if c in shown.columns]
            lines.append(table(shown[columns]))
        lines.append(f"{plural(still, 'benchmark')} unchanged, {unsure} not shown either "
                     "way (timings with too few rounds or too much spread to judge; they "
                     "inform, never gate). The verdict on line 1 is "
                     f"`python -m reports compare`'s on {comparison.gated}'s bench files, "
                     "the same call and files as the workflow's gate step; `fails` marks "
                     "the rows that fail it, other targets' rows inform.")
    lines += [f"- {text(note)}" for note in comparison.benchmark_notes]
    return [*lines, ""]


def _sources(tables: ReportTables) -> list[str]:
    """Which targets' conformance came from an earlier complete run (this one was partial)."""
    if not tables.run.sources:
        return []
    return ["Conformance taken from the newest complete run of: " + "; ".join(
        f"{target}: run `{run}`" for target, run in sorted(tables.run.sources.items())), ""]


def _details(tables: ReportTables, section: Any, table: Any) -> list[str]:
    """Collapsed blocks: counts per target, missing APIs, headline ratios."""
    lines = []
    summary = tables.summary
    if not summary.empty:
        columns = [c for c in ("target", "claims", "holds", "broken", "missing-api",
                               "setup-failed", "not-installed", "harness-error", "unexpected",
                               "changed_from_pinned") if c in summary.columns]
        lines += ["<details><summary>Conformance per target "
                  f"({plural(len(summary) - 1, 'target')} and requests)</summary>", "",
                  table(summary[columns]), f"{section('summary', 'In the report')}", "",
                  *_sources(tables), "</details>", ""]
    if not tables.missing_api_summary.empty:
        lines += ["<details><summary>Missing APIs (claims each one stopped)</summary>", "",
                  table(tables.missing_api_summary), "", "</details>", ""]
    if not tables.headlines.empty:
        lines += ["<details><summary>Benchmark headlines "
                  f"({plural(len(tables.headlines), 'ratio')})</summary>", "",
                  table(tables.headlines[["target", "headline", "ratio_median", "ratio_q1",
                                          "ratio_q3", "ideal", "floor", "unit",
                                          "server_bound"]]),
                  f"{section('headlines', 'In the report')}", "", "</details>", ""]
    if not tables.crossovers.empty:
        lines += ["<details><summary>HTTP/2 against HTTP/1.1 across round-trip time"
                  "</summary>", "", table(tables.crossovers.drop(columns=["run"])),
                  "", "</details>", ""]
    if not tables.open_loop.empty:
        lines += ["<details><summary>Open-loop latency (ms from the scheduled send)"
                  "</summary>", "", table(tables.open_loop.drop(columns=["run", "errors"])),
                  "", "</details>", ""]
    return lines


# --- the upgrade view ---------------------------------------------------------------------

UPGRADE_COLUMNS = ["area", "item", "what", "before", "after", "source"]


def upgrade_sections(report: Any, show_all: bool = False) -> list[tuple[str, pd.DataFrame,
                                                                       list[str]]]:
    """(title, rows, notes) per section, as reports/upgrade.py orders and cuts them."""
    from reports.upgrade import sections

    return [(title, rows[UPGRADE_COLUMNS], notes)
            for title, rows, notes in sections(report, show_all)]


def render_upgrade(report: Any, show_all: bool = False) -> str:
    """The upgrade report as Markdown: summary, the area table, then rows by category."""
    parts = ["\n".join(f"- {line.strip()}" for line in report.summary) + "\n",
             "**By area** (differences per category; same = compared and unchanged)\n",
             markdown_table(report.by_area(), max_rows=1000)]
    for title, rows, notes in upgrade_sections(report, show_all):
        parts += [f"### {title}\n", markdown_table(rows, max_rows=len(rows))]
        parts += [f"_{note}_\n" for note in notes]
    return "\n".join(parts)
