"""index.html: one self-contained page (inline CSS, plots embedded as base64 PNG)."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

import pandas as pd

from reports.matrix import REQUESTS_COLUMN
from reports.tables import ReportTables

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; font-size: 0.8em; margin: 0.5em 0; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.holds { background: #d5f5e3; } td.broken { background: #fadbd8; }
td.missing-api { background: #fdebd0; } td.not-installed { background: #e5e7e9; }
td.setup-failed { background: #e8daef; }
td.absent { color: #999; } td.unexpected { outline: 2px solid #c0392b; }
td[title] { cursor: help; }
img { max-width: 100%; border: 1px solid #eee; margin: 0.5em 0; }
.note { color: #555; font-size: 0.85em; }
"""

# Records on <body> how many images decoded, so a headless browser check can read it.
IMAGE_CHECK = """
window.addEventListener("load", () => {
  const images = Array.from(document.images);
  const loaded = images.filter((image) => image.complete && image.naturalWidth > 0);
  document.body.dataset.imagesLoaded = loaded.length + "/" + images.length;
});
"""


def cell(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def frame_html(frame: pd.DataFrame, index: bool = False) -> str:
    if frame.empty:
        return '<p class="note">No data.</p>'
    return frame.to_html(index=index, na_rep="", border=0, escape=True,
                         float_format=lambda x: f"{x:.4g}")


def matrix_html(tables: ReportTables) -> str:
    """The claims x targets matrix; hovering a cell shows the observed value and message."""
    if tables.matrix.empty:
        return '<p class="note">No conformance results in this run.</p>'
    claims = tables.claims.set_index(["claim", "target"])
    sentences = tables.claims.drop_duplicates("claim").set_index("claim")
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in tables.matrix.columns)
    rows = []
    for claim, outcomes in tables.matrix.iterrows():
        info = sentences.loc[claim]
        title = html.escape(f"{info['sentence']}\nsource: {info['source']}", quote=True)
        cells = [f'<th title="{title}">{html.escape(str(claim))}</th>']
        for target, outcome in outcomes.items():
            outcome = cell(outcome)
            if target == REQUESTS_COLUMN:
                observed = cell(tables.observed.loc[claim, REQUESTS_COLUMN])
                hover, classes = f"observed: {observed}" if observed else "", outcome
            elif (claim, target) in claims.index:
                row = claims.loc[(claim, target)]
                hover = f"observed: {row['observed']}"
                if row["message"]:
                    hover += f"\nmessage: {row['message']}"
                if row["expected"]:
                    hover += f"\nexpected: {row['expected']}"
                classes = f"{outcome} unexpected" if row["unexpected"] else outcome
            else:
                hover, classes = "", outcome
            mark = " !" if "unexpected" in classes else ""
            cells.append(f'<td class="{html.escape(classes)}" '
                         f'title="{html.escape(hover, quote=True)}">'
                         f"{html.escape(outcome)}{mark}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<table><thead><tr><th>claim</th>{head}</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def image_html(path: Path | None, alt: str) -> str:
    if path is None:
        return f'<p class="note">No data for: {html.escape(alt)}.</p>'
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def headline_view(headlines: pd.DataFrame) -> pd.DataFrame:
    """Headlines for the page: numerator and denominator folded into one column."""
    if headlines.empty:
        return headlines
    ratio_of = headlines["numerator"].astype(str) + " / " + headlines["denominator"].astype(str)
    return headlines.drop(columns=["numerator", "denominator"]).assign(ratio_of=ratio_of)


def sources_text(sources: dict[str, str]) -> str:
    return "; ".join(f"{target}: run {run}" for target, run in sorted(sources.items()))


def link(name: str) -> str:
    return f'<a href="{html.escape(name)}">{html.escape(name)}</a>'


def render(tables: ReportTables, generated: str, verdict: str = "") -> str:
    """The whole page as one string; ``verdict``: summary.md's first line (the verdict
    reports.compare decides), shown under the title."""
    run = tables.run.name
    pinned = tables.pinned
    plots = tables.plots
    environment = json.dumps(sorted(tables.run.targets))
    parts = [
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>httpx-harness report {html.escape(run)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>httpx-harness report: run {html.escape(run)}</h1>",
        *([f'<p id="verdict"><b>{html.escape(verdict)}</b></p>'] if verdict else []),
        f'<p class="note">Generated {html.escape(generated)}. Targets: '
        f"{html.escape(environment)}. Pinned target: {html.escape(pinned)}. "
        "Every table is also a CSV file next to this page.</p>",
        *(['<p class="note">Conformance taken from the newest complete run of: '
           + html.escape(sources_text(tables.run.sources)) + "</p>"]
          if tables.run.sources else []),
        '<h2 id="conformance-summary">Conformance summary</h2>',
        frame_html(tables.summary), f'<p class="note">{link("conformance-summary.csv")}</p>',
        '<h2 id="conformance-matrix">Conformance matrix</h2>',
        '<p class="note">Hover a cell for the observed value and message; a claim name for '
        "its sentence and source. <b>!</b> marks an outcome its expectations file did not "
        f"expect. Observed values: {link('conformance-observed.csv')}, every field: "
        f"{link('conformance-claims.csv')}.</p>",
        matrix_html(tables),
        f'<h2 id="changes">Changes from {html.escape(pinned)}</h2>',
        '<p class="note">Claims whose outcome or observed value differs from the pinned '
        f"target. {link(f'changes-from-{pinned}.csv')}</p>",
        frame_html(tables.changes.drop(columns=["before_message", "after_message"],
                                       errors="ignore")),
        "<h2>Missing APIs</h2>",
        '<p class="note">Claims a target could not even try: the name or argument does not '
        "exist there. One row per distinct message, with how many claims it stopped; every "
        f"claim: {link('missing-apis.csv')}</p>",
        frame_html(tables.missing_api_summary),
        '<h2 id="headlines">Benchmark headlines</h2>',
        '<p class="note">Ratios taken within one run, beside their ideal and the floor '
        "measured by a raw-socket client on the same server. of_ideal = ratio / ideal. "
        f"{link('headlines.csv')}</p>",
        frame_html(headline_view(tables.headlines)),
        image_html(plots.get("ratios"), "headline ratios per target"),
        "<h2>Async fan-out</h2>", frame_html(tables.speedups),
        image_html(plots.get("fanout"), "speedup against N for gather"),
        "<h2>Round-trip time</h2>",
        '<p class="note">Each scenario through a delaying proxy at every RTT; speedup = the '
        "slower variant's time / the faster's, per round, median. The crossover is the RTT "
        f"from which HTTP/2 stays ahead. {link('rtt-speedups.csv')}, "
        f"{link('rtt-crossovers.csv')}</p>",
        image_html(plots.get("rtt"), "speedup against round-trip time"),
        frame_html(tables.crossovers.drop(columns=["run"], errors="ignore")),
        "<h2>Open-loop load</h2>",
        '<p class="note">Requests sent at a fixed rate (a share of the capacity measured '
        "in the same run), latency from each request's scheduled send time (no coordinated "
        f"omission). {link('open-loop.csv')}</p>",
        image_html(plots.get("open_loop"), "latency percentiles against offered load"),
        frame_html(tables.open_loop.drop(columns=["run"], errors="ignore")),
        "<h2>Streaming memory</h2>",
        image_html(plots.get("memory"), "memory against body size"),
        '<h2 id="benchmarks">Benchmarks</h2>',
        '<p class="note">Median and IQR in seconds per round; cv = coefficient of variation; '
        f"server_bound marks a result whose server was the bottleneck. "
        f"{link('benchmarks.csv')}</p>",
        frame_html(tables.benchmarks),
        '<h2 id="history">History</h2>',
        f'<p class="note">Median per benchmark across every run. {link("history.csv")}</p>',
        image_html(plots.get("history"), "headline ratios across runs"),
        frame_html(tables.history, index=True),
        "<h2>Environment</h2>", frame_html(tables.environment),
        f"<script>{IMAGE_CHECK}</script>",
        "</body></html>",
    ]
    return "\n".join(parts)


# --- the upgrade page ---------------------------------------------------------------------

UPGRADE_STYLE = """
tr.same { color: #777; } body.only-differences tr.same { display: none; }
td.breaking { background: #fadbd8; } td.wire { background: #fdebd0; }
td.informational { background: #eaf2f8; }
td.value { font-family: ui-monospace, monospace; white-space: pre-wrap; max-width: 40em;
           word-break: break-all; }
details { margin: 0.4em 0; } summary { cursor: pointer; font-weight: 600; }
"""
# The one control: show only differing rows. Inline, no external script or CDN.
ONLY_DIFFERENCES = """
const box = document.getElementById("only-differences");
const apply = () => document.body.classList.toggle("only-differences", box.checked);
box.addEventListener("change", apply); apply();
"""
OPEN_AREA_LIMIT = 25  # an area with more differing rows starts folded


def upgrade_rows_html(rows: pd.DataFrame) -> str:
    body = []
    for row in rows.itertuples(index=False):
        kind = row.category if row.differs else "same"
        cells = [f'<td class="{html.escape(row.category)}">{html.escape(row.category or "same")}'
                 "</td>",
                 f'<td title="{html.escape(str(row.input), quote=True)}">'
                 f"{html.escape(str(row.item))}</td>",
                 f"<td>{html.escape(str(row.what))}</td>",
                 f'<td class="value">{html.escape(str(row.before))}</td>',
                 f'<td class="value">{html.escape(str(row.after))}</td>',
                 f"<td>{html.escape(str(row.source))}</td>"]
        body.append(f'<tr class="{"differs" if row.differs else "same"} {kind}">'
                    + "".join(cells) + "</tr>")
    return ("<table><thead><tr><th>change</th><th>claim or case</th><th>what</th>"
            "<th>before</th><th>after</th><th>source</th></tr></thead><tbody>"
            + "".join(body) + "</tbody></table>")


def render_upgrade(report: Any, generated: str) -> str:
    """The upgrade report as one self-contained page: summary, areas, every row."""
    title = f"Upgrade {report.before.label} → {report.after.label}"
    parts = [
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{STYLE}{UPGRADE_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="note">Generated {html.escape(generated)}. Hover a claim or case for its '
        "sentence or input. Breaking: an exception, outcome or status differs, or an input "
        "can no longer be expressed. Wire: what the server received differs. Informational: "
        "what the client reports (URL, history, warnings).</p>",
        "<pre>" + html.escape("\n".join(report.summary)) + "</pre>",
        '<p><label><input type="checkbox" id="only-differences" checked> '
        "show only differing rows</label></p>",
        "<h2>By area</h2>", frame_html(report.by_area()),
    ]
    for area, rows in report.rows.groupby("area", sort=False):
        differing = int(rows["differs"].sum())
        folded = "" if differing <= OPEN_AREA_LIMIT else " (folded: open to read)"
        state = " open" if 0 < differing <= OPEN_AREA_LIMIT else ""
        parts.append(f"<details{state}><summary>{html.escape(str(area))}: {differing} of "
                     f"{len(rows)} differ{folded}</summary>{upgrade_rows_html(rows)}</details>")
    parts += [f"<script>{ONLY_DIFFERENCES}</script>", "</body></html>"]
    return "\n".join(parts)
