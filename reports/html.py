"""index.html: one page, verdict first.

The first screen answers "did it regress?" (the gate's verdict and its rows per measure,
each with its rule: reports/first_screen.py reads them from reports/compare.py) and "what
changes?" (per target, moving from the pinned one: breaking, missing-API, wire,
informational, API and packaging rows, each count a link to those rows). Below, only rows
that differ are shown until asked; one filter bar (target, area, kind, search) serves every
table. Plots are PNG files beside the page (``<img src="ratios.png">``), not inlined, which
keeps the page small; every table is also a CSV file beside it.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from reports import first_screen
from reports.matrix import REQUESTS_COLUMN, same_observed
from reports.page_assets import SCRIPT, STYLE
from reports.tables import ReportTables

if TYPE_CHECKING:
    from reports.baseline import BaselineComparison

VALUE_SHOWN = 70  # characters of a before/after value in a row; the CSV has every one
TITLE_SHOWN = 80  # characters of an observed value or message on a matrix cell's hover
CITATION_SHOWN = 300
# Rows per target in the changes table: a target where nearly everything changed (a
# rewrite) would otherwise fill the page; its counts stay whole on the first screen.
ROWS_PER_TARGET = 200  # characters of a claim's sentence and source on hover
KIND_LABELS = {"breaking": "breaking", "missing-api": "missing API", "wire": "wire",
               "informational": "informational", "flaky": "flaky (not a change)",
               "api": "API added", "packaging": "packaging"}


def cell(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def escape(value: object) -> str:
    """For an attribute value."""
    return html.escape(cell(value), quote=True)


def hover_attribute(value: object) -> str:
    """`` title='...'``: single-quoted, so the double quotes of JSON values stay one byte
    each (``&quot;`` is six)."""
    escaped = html.escape(cell(value), quote=False).replace("'", "&#x27;")
    return f" title='{escaped}'"


def text(value: object) -> str:
    """For element text: quotes stay as they are (observed values are JSON, full of them)."""
    return html.escape(cell(value), quote=False)


def cut(value: object, limit: int = VALUE_SHOWN) -> str:
    text = cell(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def frame_html(frame: pd.DataFrame, index: bool = False) -> str:
    if frame.empty:
        return '<p class="note">No data.</p>'
    return frame.to_html(index=index, na_rep="", border=0, escape=True,
                         float_format=lambda x: f"{x:.4g}")


def link(name: str, text: str | None = None) -> str:
    return f'<a href="{html.escape(name)}">{html.escape(text or name)}</a>'


def filter_link(text: object, table: str, **wanted: str) -> str:
    """A link that filters ``table`` to ``wanted`` (page_assets.SCRIPT reads the hash)."""
    query = "&".join(f"{key}={value}" for key, value in wanted.items())
    return f'<a href="#{table}?{html.escape(query, quote=True)}">{html.escape(str(text))}</a>'


def image_html(path: Path | None, alt: str) -> str:
    """A plot beside the page, by relative name: it loads from a copied or served report
    directory alike, and the page stays small."""
    if path is None:
        return f'<p class="note">No data for: {html.escape(alt)}.</p>'
    return f'<img alt="{html.escape(alt)}" src="{html.escape(path.name)}">'


def headline_ratios(headlines: pd.DataFrame) -> pd.DataFrame:
    """One row per headline: its median ratio per target, its unit and ideal."""
    if headlines.empty:
        return headlines
    table = headlines.pivot_table(index="headline", columns="target", values="ratio_median",
                                  aggfunc="last", sort=False)
    table.columns.name = None
    about = headlines.drop_duplicates("headline").set_index("headline")[["unit", "ideal"]]
    targets = list(dict.fromkeys(headlines["target"]))
    return table.reindex(columns=targets).join(about)


def sources_text(sources: dict[str, str]) -> str:
    return "; ".join(f"{target}: run {run}" for target, run in sorted(sources.items()))


# --- the first screen ---------------------------------------------------------------------

def verdict_state(verdict: str) -> str:
    return "pass" if "✅" in verdict else "unjudged" if "could not judge" in verdict else "fail"


def regressed_html(comparison: BaselineComparison | None, pinned: str) -> str:
    """"Did it regress?": the gated target's verdict rows per measure, each with its rule."""
    title = '<h2 id="regressed">Did it regress?</h2>'
    if comparison is None:
        return (title + '<p class="note">Not judged: no baseline run with benchmarks of '
                f"{html.escape(pinned)} (give --baseline DIR; by default the previous run "
                "under the same results root is the baseline). Conformance is checked "
                "against the expectations files only.</p>")
    head = (f'{title}<p class="note">Benchmarks of <b>{html.escape(comparison.gated)}</b> '
            f"against run <b>{html.escape(comparison.run)}</b>, judged by "
            "<code>python -m reports compare</code>'s rules (the gate step's call).</p>")
    if comparison.verdict is None:
        return head + f'<p class="note">{html.escape(comparison.unjudged or "no bench files")}</p>'
    rows = first_screen.verdict_rows(comparison.verdict)
    body = []
    for row in rows.itertuples(index=False):
        gates = "gates" if row.gates else "informs"
        numbers = "".join(
            f'<td class="number{" zero" if not value else ""}">{value}</td>'
            for value in (row.scenarios, row.regressed, row.improved, row.missing))
        body.append(f'<tr class="{"fails" if row.fails else ""}"><th>{escape(row.measure)}</th>'
                    f'<td class="rule" title="{escape(row.all_rules)}">{text(row.rule)}</td>'
                    f"{numbers}"
                    f"<td>{'FAILS' if row.fails else gates}</td></tr>")
    failing = comparison.regressions
    listed = ""
    if not failing.empty:
        names = [f"{r.benchmark.split('::')[-1]} {r.measure} {r.change}"
                 for r in failing.head(5).itertuples(index=False)]
        more = f" and {len(failing) - 5} more" if len(failing) > 5 else ""
        listed = (f'<p class="note">Failing: {html.escape("; ".join(names))}{more} '
                  f'({link("#verdict-rows", "every row")}).</p>')
    return (head + "<table><thead><tr><th>measure</th><th>rule</th><th>scenarios</th>"
            "<th>worse</th><th>better</th><th>absent</th><th>verdict</th></tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>{listed}")


def changes_summary_html(tables: ReportTables) -> str:
    """"What changes?": per target, moving from the pinned one, counts linking to rows."""
    pinned = tables.pinned
    title = f'<h2 id="what-changes">What changes moving from {html.escape(pinned)}?</h2>'
    targets = [t for t in tables.summary["target"] if t not in (pinned, REQUESTS_COLUMN)] \
        if not tables.summary.empty else []
    if not targets:
        return title + '<p class="note">No other target with conformance results.</p>'
    counts = first_screen.change_counts(tables.target_changes, targets, tables.described)
    reasons = tables.summary.set_index("target")["not_installed_reason"]
    head = "".join(f"<th>{html.escape(KIND_LABELS[k])}</th>" for k in first_screen.CHANGE_KINDS)
    body = []
    for row in counts.to_dict("records"):
        target = row["target"]
        if reasons.get(target):
            body.append(f'<tr><th>{html.escape(target)}</th><td colspan="'
                        f'{len(first_screen.CHANGE_KINDS)}" title="{escape(reasons[target])}">'
                        f"not installed</td></tr>")
            continue
        cells = []
        for kind in first_screen.CHANGE_KINDS:
            value = row[kind]
            if value is None:
                cells.append('<td class="zero" title="not described: tox -e upgrade -- '
                             f'{escape(pinned)} {escape(target)} describes it">-</td>')
            elif value:
                cells.append(f'<td class="number {kind}">'
                             f"{filter_link(value, 'changes', target=target, kind=kind)}</td>")
            else:
                cells.append('<td class="number zero">0</td>')
        body.append(f"<tr><th>{filter_link(target, 'changes', target=target)}</th>"
                    f"{''.join(cells)}</tr>")
    return (title + f"<table><thead><tr><th>target</th>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>"
            '<p class="note">Breaking: an exception, outcome or status differs, or an input '
            "can no longer be expressed (missing API: the name or argument does not exist). "
            "Wire: what the server received differs. Informational: what the client reports. "
            "Flaky: varied between runs of one target (python -m reports rerun), not a change. "
            "API added and packaging: from an upgrade run's description (<code>tox -e upgrade"
            "</code>), else -. A different pinned target: <code>--pinned</code>.</p>")


# --- the rows below -----------------------------------------------------------------------

def filter_bar(tables: ReportTables) -> str:
    changes = tables.target_changes
    targets = list(dict.fromkeys(changes["target"])) if not changes.empty else []
    areas = sorted(set(changes["area"]) if not changes.empty else set()
                   | {str(c).split(".")[0] for c in tables.matrix.index})

    def select(name: str, values: list[str], labels: dict[str, str] | None = None) -> str:
        options = "".join(f'<option value="{escape(v)}">{escape((labels or {}).get(v, v))}'
                          "</option>" for v in values)
        return (f'<label>{name} <select id="filter-{name}"><option value="">any</option>'
                f"{options}</select></label>")

    return ('<div id="filters">' + select("target", targets) + select("area", areas)
            + select("kind", list(first_screen.CHANGE_KINDS), KIND_LABELS)
            + '<label>search <input id="filter-search" type="search" size="18"></label>'
            '<label><input type="checkbox" id="show-same"> show rows that do not differ'
            "</label></div>")


def shown_changes(changes: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """At most ROWS_PER_TARGET rows per target, breaking first; notes for the rest."""
    order = {kind: rank for rank, kind in enumerate(first_screen.CHANGE_KINDS)}
    ranked = changes.assign(rank=changes["category"].map(order).fillna(len(order)))
    ranked = ranked.sort_values(["rank"], kind="stable")
    kept = ranked.groupby("target", sort=False).head(ROWS_PER_TARGET)
    sizes = changes.groupby("target", sort=False).size()
    notes = [f"{target}: the first {ROWS_PER_TARGET} of {count} rows (breaking first)"
             for target, count in sizes.items() if count > ROWS_PER_TARGET]
    return changes.loc[sorted(kept.index)], notes


def target_changes_html(tables: ReportTables) -> str:
    changes, notes = shown_changes(tables.target_changes)
    if changes.empty:
        return '<p class="note">No row differs from the pinned target.</p>'
    kinds = first_screen.row_kinds(changes)
    body = []
    for row, kind in zip(changes.itertuples(index=False), kinds, strict=True):
        body.append(
            f'<tr data-target="{escape(row.target)}" data-area="{escape(row.area)}" '
            f'data-kind="{escape(kind)}"><td>{text(row.target)}</td>'
            f'<td class="{escape(row.category)}">{text(row.category)}</td>'
            f'<td class="cited">{text(row.item)}</td><td>{text(row.what)}</td>'
            f'<td class="value">{text(cut(row.before))}</td>'
            f'<td class="value">{text(cut(row.after))}</td></tr>')
    cut_note = (f'<p class="note">Shown here: {html.escape("; ".join(notes))}. Every row: '
                f"{link('changes-by-target.csv')}.</p>" if notes else "")
    return (cut_note + '<table id="changes-table" class="filterable"><thead><tr><th>target</th>'
            "<th>change</th><th>claim or case</th><th>what</th>"
            f"<th>{escape(tables.pinned)}</th><th>target</th></tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


def matrix_html(tables: ReportTables) -> tuple[str, int]:
    """The claims x targets matrix. A row where every target has the pinned target's
    outcome is class "same" (hidden until asked); a cell that differs from the pinned one
    says why on hover (observed value, message, expectation); an equal one says so."""
    if tables.matrix.empty:
        return '<p class="note">No conformance results in this run.</p>', 0
    pinned = tables.pinned
    claims = tables.claims.set_index(["claim", "target"])
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in tables.matrix.columns)
    rows = []
    for claim, outcomes in tables.matrix.iterrows():
        reference = claims.loc[(claim, pinned)] if (claim, pinned) in claims.index else None
        cells, differing, kinds = [f'<th class="cited">{escape(claim)}</th>'], [], set()
        for target, outcome in outcomes.items():
            outcome = cell(outcome)
            if target == REQUESTS_COLUMN:
                observed = cell(tables.observed.loc[claim, REQUESTS_COLUMN])
                hover, classes = f"observed: {cut(observed)}" if observed else "", outcome
            elif (claim, target) in claims.index:
                row = claims.loc[(claim, target)]
                alike = (reference is not None and target != pinned
                         and row["outcome"] == reference["outcome"]
                         and same_observed(row["observed"], reference["observed"])
                         and not row["unexpected"])
                # One line: the message where there is one, else the observed value (the
                # changes table and conformance-claims.csv hold both, whole).
                hover = ("" if alike else f"message: {cut(row['message'], TITLE_SHOWN)}"
                         if row["message"] else f"observed: {cut(row['observed'], TITLE_SHOWN)}")
                if row["unexpected"] and row["expected"]:
                    hover += f"\nexpected: {row['expected']}"
                classes = f"{outcome} unexpected" if row["unexpected"] else outcome
                if (reference is not None and target != pinned and outcome != "not-installed"
                        and row["outcome"] != reference["outcome"]):
                    differing.append(target)
                    kinds.add("breaking")
                    if outcome == "missing-api":
                        kinds.add("missing-api")
            else:
                hover, classes = "", outcome
            mark = " !" if "unexpected" in classes else ""
            about = hover_attribute(hover) if hover else ""
            cells.append(f'<td class="{escape(classes)}"{about}>'
                         f"{html.escape(outcome)}{mark}</td>")
        state = "differs" if differing else "same"
        rows.append(f'<tr class="{state}" data-target="{escape(" ".join(differing))}" '
                    f'data-area="{escape(str(claim).split(".")[0])}" '
                    f'data-kind="{escape(" ".join(sorted(kinds)))}">' + "".join(cells) + "</tr>")
    differing = sum(1 for row in rows if row.startswith('<tr class="differs"'))
    return ('<table id="matrix-table" class="filterable"><thead><tr><th>claim</th>'
            f"{head}</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"), differing


def benchmark_medians(tables: ReportTables) -> pd.DataFrame:
    """One row per benchmark, its median seconds per target (the rest: benchmarks.csv)."""
    bench = tables.bench
    if bench.empty:
        return pd.DataFrame()
    table = bench.pivot_table(index="fullname", columns="target", values="median",
                              aggfunc="last")
    table.columns.name = None
    return table.reindex(columns=[t for t in dict.fromkeys(bench["target"])])


def upgrades_html(tables: ReportTables) -> str:
    """Each upgrade of this run (``tox -e upgrade``): its verdict and findings."""
    if not tables.upgrades:
        return ('<p class="note">No upgrade in this run (<code>tox -e upgrade -- FROM TO'
                "</code> writes one; each target against the pinned one is in the changes "
                "above).</p>")
    parts = []
    for verdict in tables.upgrades:
        rows = pd.DataFrame(verdict.get("findings") or [],
                            columns=["kind", "item", "before", "after", "note"])
        here = (filter_link(f"every row {verdict['from']} -> {verdict['to']}", "changes",
                            target=verdict["to"]) if verdict["from"] == tables.pinned else
                f"rows against {html.escape(verdict['from'])}: <code>--pinned "
                f"{html.escape(verdict['from'])}</code>")
        parts += [f"<p><b>{escape(verdict.get('headline'))}</b> (exit "
                  f"{escape(verdict.get('exit_code'))})</p>",
                  frame_html(rows.assign(before=rows["before"].map(cut),
                                         after=rows["after"].map(cut))),
                  f'<p class="note">{here}; the upgrade\'s own page: '
                  f"{link('../upgrade/upgrade.html', 'upgrade/upgrade.html')}</p>"]
    return "".join(parts)


def render(tables: ReportTables, generated: str, verdict: str = "",
           comparison: BaselineComparison | None = None) -> str:
    """The whole page as one string; ``verdict``: summary.md's first line (the verdict
    reports.compare decides), shown first."""
    run, pinned, plots = tables.run.name, tables.pinned, tables.plots
    environment = json.dumps(sorted(tables.run.targets))
    matrix, differing = matrix_html(tables)
    parts = [
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width">',
        f"<title>httpx-harness report {html.escape(run)}</title>",
        f"<style>{STYLE}</style></head><body>",
        '<section id="first-screen">',
        f"<h1>httpx-harness report: run {html.escape(run)}</h1>",
        *([f'<p id="verdict" class="{verdict_state(verdict)}"><b>{html.escape(verdict)}</b>'
           "</p>"] if verdict else []),
        '<div class="answers"><div>', regressed_html(comparison, pinned), "</div><div>",
        changes_summary_html(tables), "</div></div>",
        f'<p class="note">Generated {html.escape(generated)}. Targets: '
        f"{html.escape(environment)}. Pinned target: {html.escape(pinned)}. "
        "Every table is also a CSV file next to this page.</p>",
        *(['<p class="note">Conformance taken from the newest complete run of: '
           + html.escape(sources_text(tables.run.sources)) + "</p>"]
          if tables.run.sources else []),
        "<nav>" + "".join(link(f"#{anchor}", text) for anchor, text in (
            ("changes", "changes"), ("conformance-matrix", "matrix"),
            ("conformance-summary", "conformance"), ("headlines", "headlines"),
            ("verdict-rows", "verdict rows"), ("benchmarks", "benchmarks"),
            ("upgrade", "upgrade"), ("history", "history"))) + "</nav>",
        "</section>",
        filter_bar(tables),
        f'<h2 id="changes">Changes from {html.escape(pinned)} '
        '(<span id="changes-table-shown"></span> rows)</h2>',
        '<p class="note">Every claim or wire case that differs moving from the pinned target '
        "to each other target, classified as the upgrade report does; hover a claim for its "
        f"sentence and source. Full values: {link('changes-by-target.csv')}, "
        f"{link(f'changes-from-{pinned}.csv')}.</p>",
        target_changes_html(tables),
        '<h2 id="conformance-matrix">Conformance matrix '
        '(<span id="matrix-table-shown"></span> claims)</h2>',
        f'<p class="note">{differing} of {len(tables.matrix)} claims have an outcome that '
        "differs from the pinned target on some target; the others show with \"show rows "
        "that do not differ\". Hover a cell for the observed value and message; a claim "
        "name for its sentence and source. <b>!</b> marks an outcome its expectations file "
        f"did not expect. Observed values: {link('conformance-observed.csv')}, every field: "
        f"{link('conformance-claims.csv')}.</p>",
        matrix,
        '<h2 id="conformance-summary">Conformance summary</h2>',
        frame_html(tables.summary), f'<p class="note">{link("conformance-summary.csv")}</p>',
        "<h2>Missing APIs</h2>",
        '<p class="note">Claims a target could not even try: the name or argument does not '
        "exist there. One row per distinct message, with how many claims it stopped; every "
        f"claim: {link('missing-apis.csv')}</p>",
        frame_html(tables.missing_api_summary),
        '<h2 id="headlines">Benchmark headlines</h2>',
        '<p class="note">Median ratio per target, each taken within one run, beside its '
        "ideal. Quartiles, the floor measured by a raw-socket client on the same server, "
        f"of_ideal and server_bound: {link('headlines.csv')}</p>",
        frame_html(headline_ratios(tables.headlines), index=True),
        image_html(plots.get("ratios"), "headline ratios per target"),
        '<h2 id="verdict-rows">Verdict rows</h2>',
        verdict_rows_html(comparison),
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
        '<p class="note">Median seconds per round, per target. IQR, cv (coefficient of '
        "variation), rounds and server_bound (the server was the bottleneck) per row: "
        f"{link('benchmarks.csv')}</p>",
        frame_html(benchmark_medians(tables), index=True),
        '<h2 id="upgrade">Upgrade</h2>', upgrades_html(tables),
        '<h2 id="history">History</h2>',
        '<p class="note">Median per benchmark of the pinned target across every run; every '
        f"target: {link('history.csv')}</p>",
        image_html(plots.get("history"), "headline ratios across runs"),
        frame_html(pinned_history(tables), index=True),
        "<h2>Environment</h2>", frame_html(tables.environment),
        citations_json(tables),
        f"<script>{SCRIPT}</script>",
        "</body></html>",
    ]
    return "\n".join(parts)


def citations_json(tables: ReportTables) -> str:
    """Each claim's sentence and source once (cells of class "cited" get it on hover)."""
    claims = tables.claims.drop_duplicates("claim")
    cited = {str(row.claim): cut(f"{row.sentence}\nsource: {row.source}", CITATION_SHOWN)
             for row in claims.itertuples(index=False)}
    if not tables.target_changes.empty:
        rows = tables.target_changes.drop_duplicates("item")
        cited.update({str(row.item): cut(f"{row.input}\nsource: {row.source}" if row.input
                                         else row.source, CITATION_SHOWN)
                      for row in rows.itertuples(index=False) if str(row.item) not in cited})
    text = json.dumps(cited, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/json" id="citations">{text}</script>'


def pinned_history(tables: ReportTables) -> pd.DataFrame:
    history = tables.history
    if history.empty or tables.pinned not in history.index.get_level_values(0):
        return history
    return history.xs(tables.pinned, level=0)


def verdict_rows_html(comparison: BaselineComparison | None) -> str:
    """Every row of every compared target that did not stay unchanged."""
    if comparison is None or comparison.benchmarks.empty:
        return '<p class="note">No baseline compared.</p>'
    rows = comparison.benchmarks
    moved = rows[rows["verdict"].isin(("regression", "improvement", "missing", "changed"))]
    columns = [c for c in ("target", "kind", "benchmark", "measure", "baseline", "candidate",
                           "change", "rule", "verdict", "fails") if c in rows.columns]
    return (f'<p class="note">{len(moved)} of {len(rows)} rows regressed, improved, '
            "changed or lack evidence (every row: <code>python -m reports compare</code>); "
            "fails marks the rows that fail the verdict (the gated target's only).</p>"
            + frame_html(moved[columns]))


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
