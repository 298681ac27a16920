"""summary.md: a short Markdown summary for a CI job summary or a pull-request comment."""

from __future__ import annotations

import pandas as pd

from reports.tables import ReportTables

MAX_ROWS = 30  # per table: a PR comment is limited in size, the CSVs have everything
MAX_CELL = 160  # characters; assertion messages can run long


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


def render(tables: ReportTables, report_path: str) -> str:
    summary = tables.summary
    sections = [f"## httpx-harness: run `{tables.run.name}`\n"]
    if tables.run.sources:
        sections.append("Conformance taken from the newest complete run of: " + "; ".join(
            f"{target}: run `{run}`" for target, run in sorted(tables.run.sources.items()))
            + "\n")
    if not summary.empty:
        columns = ["target", "claims", "holds", "broken", "missing-api", "not-installed",
                   "harness-error", "unexpected", "changed_from_pinned"]
        sections += ["### Conformance\n", markdown_table(summary[columns])]
        unexpected = tables.claims[tables.claims["unexpected"]]
        if not unexpected.empty:
            sections += ["**Unexpected outcomes** (not what the target's expectations file "
                         "says):\n",
                         markdown_table(unexpected[["target", "claim", "expected", "outcome",
                                                    "requests_outcome", "message"]])]
        if not tables.missing_api_summary.empty:
            sections += ["**Missing APIs** (claims each one stopped):\n",
                         markdown_table(tables.missing_api_summary)]
        failed = summary[summary["not_installed_reason"] != ""]
        sections += [f"- **{row.target}** not installed: {row.not_installed_reason}"
                     for row in failed.itertuples()]
        crashed = summary[summary["harness_error"] != ""]
        sections += [f"- **{row.target}** not measured (harness error): {row.harness_error}"
                     for row in crashed.itertuples()] + [""]
    if not tables.changes.empty:
        shown = tables.changes[["target", "claim", "change", "before_outcome",
                                "after_outcome", "before_observed", "after_observed"]]
        sections += [f"### Changes from {tables.pinned}\n", markdown_table(shown)]
    if not tables.headlines.empty:
        sections += ["### Benchmark headlines\n",
                     markdown_table(tables.headlines[["target", "headline", "ratio_median",
                                                      "ratio_q1", "ratio_q3", "ideal",
                                                      "floor", "unit", "server_bound"]])]
    sections.append(f"Full report: `{report_path}`\n")
    return "\n".join(sections)
