"""Command line: ``python -m reports [report|compare|upgrade|history|rerun] ...``.

Exit status: 0 done; 1 ``compare`` found a regression; 2 bad input (one line on stderr
naming the file and the problem, and nothing written), or ``compare`` could not judge (its
last line says what evidence is missing and why); 3 ``--screenshot`` could not run
chromium (one line, nothing written).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from harness.schema import results_root
from reports.browser import BrowserError
from reports.errors import InputError
from reports.matrix import PINNED_TARGET

COMMANDS = ("report", "compare", "upgrade", "history", "rerun")


class UsageError(Exception):
    """A command-line mistake; argparse's message, printed as one line."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def add_results_option(parser: argparse.ArgumentParser, run: bool = True) -> None:
    parser.add_argument("--results", action="append", type=Path, metavar="DIR",
                        help="results root to read; repeat to merge roots copied from other "
                             "machines (default: $HARNESS_RESULTS or results/)")
    if run:
        parser.add_argument("--run", help="the run to read (default: the newest that has "
                                          "the results needed)")


def parse(argv: Sequence[str]) -> argparse.Namespace:
    command = argv[0] if argv and argv[0] in COMMANDS else "report"
    rest = list(argv[1:] if argv and argv[0] in COMMANDS else argv)
    parser = Parser(prog="python -m reports" + ("" if command == "report" else f" {command}"))
    if command == "report":
        parser.description = "Write results/<run>/report/: matrix, tables, plots, HTML, CSV."
        parser.epilog = ("Other commands: 'python -m reports compare BASELINE CANDIDATE' and "
                         "'python -m reports upgrade FROM TO' (each has --help).")
        add_results_option(parser)
        parser.add_argument("--pinned", default=PINNED_TARGET,
                            help=f"the target others are compared with (default "
                                 f"{PINNED_TARGET})")
        parser.add_argument("--screenshot", action="store_true",
                            help="also save screenshot.png of index.html (headless chromium)")
        parser.add_argument("--baseline", action="append", type=Path, default=[],
                            metavar="DIR", help="results root of the baseline run (repeat for "
                            "CI artifacts): summary.md then says what changed since it")
        parser.add_argument("--report-url", default="index.html", metavar="URL",
                            help="where summary.md's links point (default: index.html beside "
                                 "it; a hosted copy's URL for a PR comment)")
    elif command == "compare":
        from reports.compare import (
            DEFAULT_ALPHA,
            DEFAULT_INSTRUCTIONS_THRESHOLD,
            DEFAULT_MIN_EFFECT,
            DEFAULT_SYSCALL_TOLERANCE,
        )

        parser.description = ("Compare two bench runs; exit 1 on a count regression or a "
                              "missing benchmark (timings gate only with --gate-timings), "
                              "2 when it cannot judge (counts absent on either side).")
        parser.add_argument("baseline", type=Path, nargs="?",
                            help="bench JSON file, target directory or run directory")
        parser.add_argument("candidate", type=Path, nargs="?",
                            help="the same kinds as baseline")
        parser.add_argument("--previous", action="store_true",
                            help="instead of BASELINE CANDIDATE: the newest run with "
                                 "benchmarks against the run before it")
        add_results_option(parser, run=False)
        parser.add_argument("--instructions-threshold", type=float,
                            default=DEFAULT_INSTRUCTIONS_THRESHOLD,
                            help="instructions/request worse by more than this fail "
                                 "(default 0.005 = 0.5%%)")
        parser.add_argument("--syscall-tolerance", type=float,
                            default=DEFAULT_SYSCALL_TOLERANCE,
                            help="a non-waiting system call kind up by more than this per "
                                 "request fails (default 0.5)")
        parser.add_argument("--min-effect", type=float, default=DEFAULT_MIN_EFFECT,
                            help="timings: smallest relative change of a headline ratio "
                                 "that counts (default 0.05 = 5%%)")
        parser.add_argument("--alpha", type=float, default=DEFAULT_ALPHA,
                            help="timings: significance level after Benjamini-Hochberg "
                                 "(default 0.01)")
        parser.add_argument("--gate-timings", action="store_true",
                            help="a timing regression fails the run too (default: reported)")
        parser.add_argument("--all", action="store_true",
                            help="show unchanged rows too (default: only what changed)")
        parser.add_argument("--markdown", action="store_true", help="print Markdown")
    elif command == "history":
        add_history_arguments(parser, rest)
    elif command == "rerun":
        from reports.rerun import __doc__ as about

        parser.description = about.split("\n\n", 1)[0].split(": ", 1)[1]
        add_results_option(parser)
        parser.add_argument("--pinned", default=PINNED_TARGET,
                            help=f"the target others are compared with (default "
                                 f"{PINNED_TARGET})")
        parser.add_argument("--against-expectations", action="store_true",
                            help="find what may differ from the expectation files, not from "
                                 "the other targets' results (CI: one job per target)")
    else:
        parser.description = ("What changes FROM -> TO: claims whose outcome or observed "
                              "value differs, and every wire-snapshot case that differs; "
                              "breaking first, grouped by area. 'requests' is a target too.")
        parser.add_argument("before", metavar="FROM", help="target name or target directory")
        parser.add_argument("after", metavar="TO", help="target name or target directory")
        add_results_option(parser)
        parser.add_argument("--markdown", action="store_true", help="print Markdown")
        parser.add_argument("--all", action="store_true",
                            help="list every differing row (default: 10 per area and kind)")
        parser.add_argument("--html", type=Path, metavar="FILE",
                            help="also write the report as one self-contained HTML page")
    args = parser.parse_args(rest)
    args.command = command
    if getattr(args, "results", None) is None:
        args.results = [results_root()]
    if command == "compare" and args.previous == (args.candidate is not None):
        parser.error("give BASELINE and CANDIDATE, or --previous")
    return args


def add_history_arguments(parser: argparse.ArgumentParser, rest: list[str]) -> None:
    """``history add RESULTS_DIR... --store DIR`` or ``history --store DIR``."""
    adding = rest[:1] == ["add"]
    if adding:
        del rest[0]
        parser.prog += " add"
        parser.description = ("Append one run's headlines, counts and conformance counts to "
                              "the append-only store DIR/history.csv (a run already there "
                              "is not added again).")
        parser.add_argument("results", type=Path, nargs="+", metavar="RESULTS_DIR",
                            help="results root(s) holding the run (CI: one per job)")
        parser.add_argument("--run", help="the run to add (default: the newest)")
        parser.add_argument("--commit", help="the commit it measured (default: $GITHUB_SHA, "
                                             "else the one its bench.json recorded, else git)")
        parser.add_argument("--gate", choices=["pass", "regression"], default="",
                            help="the regression gate's verdict on this run, if it ran")
    else:
        parser.description = ("Plot every headline and count in the store over time (median "
                              "and quartiles per run; red dashes where the gate fired). "
                              "'history add RESULTS_DIR --store DIR' appends a run.")
        parser.add_argument("--output", type=Path, metavar="PNG",
                            help="where to write the plot (default: DIR/history.png)")
    parser.add_argument("--store", type=Path, required=True, metavar="DIR",
                        help="the history store: a directory holding history.csv")
    parser.set_defaults(history_action="add" if adding else "plot")


def run_history(args: argparse.Namespace) -> int:
    from reports import history

    if args.history_action == "add":
        name, added = history.add(args.results, args.store, args.run, args.commit, args.gate)
        if added:
            print(f"history: run {name}: {added} rows added to {history.store_path(args.store)}")
        else:
            print(f"history: run {name} is already in {history.store_path(args.store)}; "
                  "nothing added")
        return 0
    from reports.history_plot import history_figure, latest_table
    from reports.terminal import print_frame

    frame = history.read(args.store)
    output = args.output or args.store / "history.png"
    if output.parent and not output.parent.is_dir():
        raise InputError(output.parent, "no such directory for the plot")
    path = history_figure(frame, output)
    print_frame(latest_table(frame), f"History: {frame['run'].nunique()} runs")
    print(f"history: {path}" if path else "history: no headlines or counts to plot")
    return 0


def run_report(args: argparse.Namespace) -> int:
    from reports.build import write_report
    from reports.terminal import interactive, plain, print_frame, say, verdict

    path, tables = write_report(args.results, args.run, args.pinned, args.screenshot,
                                args.baseline, args.report_url)
    verdict(plain(tables.verdict), first=True)
    if interactive():
        if not tables.summary.empty:
            print_frame(tables.summary.drop(columns=["not_installed_reason", "harness_error"]),
                        f"Conformance, run {tables.run.name}", names=["target"])
            print()
        if not tables.headlines.empty:
            print_frame(tables.headlines[["target", "headline", "ratio_median", "ideal",
                                          "floor", "unit", "server_bound"]],
                        "Benchmark headlines", names=["headline"])
            print()
    for target, source in sorted(tables.run.sources.items()):
        say(f"report: {target}: conformance from run {source} (newest complete)")
    say(f"report: {path / 'index.html'}")
    verdict(plain(tables.verdict), first=False)
    return 0


def run_compare(args: argparse.Namespace) -> int:
    from reports.compare import EXIT_STATUS, Thresholds, compare, previous_and_newest
    from reports.markdown import markdown_table
    from reports.terminal import print_comparison

    if args.previous:
        args.baseline, args.candidate = previous_and_newest(args.results)
    limits = Thresholds(args.instructions_threshold, args.syscall_tolerance, args.min_effect,
                        args.alpha)
    result = compare(args.baseline, args.candidate, limits, args.gate_timings)
    shown = result.table.drop(columns=["margin"])  # the upgrade's recount rule reads it
    if not args.all:
        shown = shown[shown["verdict"] != "unchanged"]
    shown = shown.assign(p=shown["p"].map(lambda x: "-" if x is None or x != x else f"{x:.2g}"))
    title = f"{args.baseline} -> {args.candidate}"
    if shown["target"].nunique() == 1:  # one target a side: say it once, in the title
        title += f" ({shown['target'].iloc[0]})"
    if not args.markdown:
        print_comparison(result, title, shown)
        return EXIT_STATUS[result.verdict()]
    shown = shown.drop(columns=["target"]) if shown["target"].nunique() <= 1 else shown
    # Markdown: one paragraph per line (GitHub joins adjacent lines, and a table needs a
    # blank line before it).
    def say(line: str) -> None:
        print(line + "\n")

    say(title)
    say(result.package_line())  # first: a dependency release may explain what follows
    for warning in result.warnings:
        say(warning)
    if shown.empty:
        say(f"(all {len(result.table)} rows unchanged; --all shows them)")
    else:
        say(markdown_table(shown, max_rows=len(shown)))
    if result.regression_packages_line():
        say(result.regression_packages_line())
    say(result.summary())
    print(result.verdict_line())  # last: pass, regression, or could not judge and why
    return EXIT_STATUS[result.verdict()]


def run_upgrade(args: argparse.Namespace) -> int:
    import datetime as dt

    from reports import html, markdown
    from reports.output import write_text_atomically
    from reports.terminal import print_upgrade, say, verdict
    from reports.upgrade import upgrade_report

    report = upgrade_report(args.before, args.after, args.results, args.run)
    if args.html is not None:
        generated = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        write_text_atomically(args.html, html.render_upgrade(report, generated))
    if args.markdown:
        print(markdown.render_upgrade(report, args.all))
        if args.html is not None:
            print(f"upgrade report: {args.html}")
        return 0
    print_upgrade(report, args.all)
    if args.html is not None:
        say(f"upgrade report: {args.html}")
    verdict(report.verdict_line(), first=False)
    return 0


def run_rerun(args: argparse.Namespace) -> int:
    from conformance.expectations import ExpectationsError
    from reports.build import choose_run
    from reports.load import load_results
    from reports.rerun import rerun
    from reports.terminal import say

    try:
        runs = load_results(args.results)
    except InputError as error:
        # Nothing measured here (CI's report job reads the other jobs' results, a fresh
        # clone has none): nothing to run again; the report that follows names what it lacks.
        say(f"rerun: nothing to run again: {error}")
        return 0
    try:
        rerun(runs[choose_run(runs, args.run)], args.pinned, say,
              args.against_expectations)
    except KeyboardInterrupt:
        print("reports: rerun: interrupted: the reruns written in full are kept",
              file=sys.stderr)
        return 2
    except ExpectationsError as error:  # --against-expectations read a broken file
        print(f"reports: rerun: error: {error}", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parse(sys.argv[1:] if argv is None else argv)
        handler = {"report": run_report, "compare": run_compare, "upgrade": run_upgrade,
                   "history": run_history, "rerun": run_rerun}
        return handler[args.command](args)
    except (InputError, UsageError) as error:
        print(f"reports: error: {error}", file=sys.stderr)
        return 2
    except BrowserError as error:
        print(f"reports: error: screenshot: {error}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
