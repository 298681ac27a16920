"""``python -m reports``: write results/<run>/report/ for one run, all at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from reports import browser, html, markdown, network, plots, release_timeline, your_code
from reports.baseline import compare_runs, load_baseline, previous_baseline
from reports.errors import InputError
from reports.load import Run, load_results, report_run
from reports.output import staged_directory
from reports.tables import ReportTables, build_tables


def choose_run(runs: dict[str, Run], wanted: str | None) -> str:
    """``wanted`` if given, else the run whose files were written last."""
    if wanted is None:
        return next(reversed(runs))
    if wanted not in runs:
        known = ", ".join(runs) or "none"
        raise InputError(wanted, f"no such run with results (runs: {known})")
    return wanted


def write_report(roots: Sequence[Path], run_name: str | None, pinned: str,
                 take_screenshot: bool = False, baseline: Sequence[Path] = (),
                 report_url: str = "index.html") -> tuple[Path, ReportTables]:
    """Read everything, then write ``<first root>/<run>/report/``; return its path and tables.

    With ``take_screenshot``, headless chromium renders index.html to screenshot.png. With
    ``baseline`` roots, summary.md and index.html say what changed since the newest run
    under them; without, since the previous run under ``roots`` with benchmarks of the
    pinned target, if there is one. ``report_url`` is where summary.md's links point
    (index.html beside it by default).
    """
    runs = load_results(roots)
    name = choose_run(runs, run_name)
    tables = build_tables(runs, name, pinned, report_run(runs, name, run_name is not None))
    # The pinned target's benchmarks decide the verdict (the gate step compares it too).
    before = load_baseline(baseline, name) if baseline else previous_baseline(runs, name,
                                                                               pinned)
    comparison = compare_runs(before, runs[name], pinned) if before is not None else None
    final = roots[0] / name / "report"
    with staged_directory(final) as staging:
        tables.plots = {
            "ratios": plots.ratio_plot(tables.headlines, staging / "ratios.png"),
            "memory": plots.memory_plot(tables.bench, staging / "memory.png"),
            "fanout": plots.fanout_plot(tables.speedups, staging / "fanout.png"),
            "history": plots.history_plot(tables.history_headlines, staging / "history.png"),
            "rtt": network.rtt_plot(tables.rtt_speedups, staging / "rtt-speedup.png"),
            "open_loop": network.open_loop_plot(tables.open_loop, staging / "open-loop.png"),
        }
        for file_name, table in tables.csv_tables().items():
            keep_index = table.index.name is not None or table.index.nlevels > 1
            table.to_csv(staging / file_name, index=keep_index)
        generated = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        # index.html shows summary.md's verdict line, as it is (one verdict, one place)
        verdict = markdown.verdict_line(tables, comparison).replace("**", "").replace("`", "")
        tables.verdict = verdict
        page = html.render(tables, generated, verdict, comparison)
        # tox -e your-code's results in this run: a section of its own (reports/your_code.py)
        page = your_code.with_section(page, runs[name].directories)
        # tox -e releases' timelines in this run: a row per change, a column per release
        page = release_timeline.with_section(page, runs[name].directories)
        (staging / "index.html").write_text(page, encoding="utf-8")
        (staging / "summary.md").write_text(
            markdown.render(tables, str(final / "index.html"), comparison, report_url),
            encoding="utf-8")
        if take_screenshot:
            browser.screenshot(staging / "index.html", staging / "screenshot.png")
    # The plots now live in the final directory.
    tables.plots = {key: final / path.name for key, path in tables.plots.items() if path}
    return final, tables
