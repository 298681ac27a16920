"""Command line: ``python -m reports [report|compare|upgrade] ...``.

Exit status: 0 done; 1 ``compare`` found a regression; 2 bad input (one line on stderr
naming the file and the problem, and nothing written); 3 ``--screenshot`` could not run
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

COMMANDS = ("report", "compare", "upgrade")


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
    elif command == "compare":
        from reports.compare import DEFAULT_ALPHA, DEFAULT_MIN_EFFECT

        parser.description = ("Compare benchmarks on raw samples; exit 1 on a regression "
                              "(median worse by more than --min-effect AND one-sided "
                              "Mann-Whitney U p < --alpha).")
        parser.add_argument("baseline", type=Path, nargs="?",
                            help="bench JSON file, target directory or run directory")
        parser.add_argument("candidate", type=Path, nargs="?",
                            help="the same kinds as baseline")
        parser.add_argument("--previous", action="store_true",
                            help="instead of BASELINE CANDIDATE: the newest run with "
                                 "benchmarks against the run before it")
        add_results_option(parser, run=False)
        parser.add_argument("--min-effect", type=float, default=DEFAULT_MIN_EFFECT,
                            help="smallest relative change that counts (default 0.05 = 5%%)")
        parser.add_argument("--alpha", type=float, default=DEFAULT_ALPHA,
                            help="significance level of the one-sided test (default 0.01)")
        parser.add_argument("--markdown", action="store_true", help="print Markdown")
    else:
        parser.description = "Claims whose outcome or observed value differs FROM -> TO."
        parser.add_argument("before", metavar="FROM", help="target name or target directory")
        parser.add_argument("after", metavar="TO", help="target name or target directory")
        add_results_option(parser)
        parser.add_argument("--markdown", action="store_true", help="print Markdown")
    args = parser.parse_args(rest)
    args.command = command
    if getattr(args, "results", None) is None:
        args.results = [results_root()]
    if command == "compare" and args.previous == (args.candidate is not None):
        parser.error("give BASELINE and CANDIDATE, or --previous")
    return args


def run_report(args: argparse.Namespace) -> int:
    from reports.build import write_report
    from reports.terminal import interactive, print_frame

    path, tables = write_report(args.results, args.run, args.pinned, args.screenshot)
    if interactive():
        if not tables.summary.empty:
            print_frame(tables.summary.drop(columns=["not_installed_reason", "harness_error"]),
                        f"Conformance, run {tables.run.name}")
        if not tables.headlines.empty:
            print_frame(tables.headlines[["target", "headline", "ratio_median", "ideal",
                                          "floor", "unit", "server_bound"]],
                        "Benchmark headlines")
    for target, source in sorted(tables.run.sources.items()):
        print(f"report: {target}: conformance from run {source} (newest complete)")
    print(f"report: {path / 'index.html'}")
    return 0


def run_compare(args: argparse.Namespace) -> int:
    from reports.compare import compare, previous_and_newest
    from reports.markdown import markdown_table
    from reports.terminal import print_frame

    if args.previous:
        args.baseline, args.candidate = previous_and_newest(args.results)
    table = compare(args.baseline, args.candidate, args.min_effect, args.alpha)
    regressions = int((table["verdict"] == "regression").sum())
    rule = (f"regression = median worse by > {args.min_effect:.0%} AND one-sided "
            f"Mann-Whitney U p < {args.alpha:g}")
    shown = table.assign(change=table["change"].map(lambda x: f"{x:+.1%}"))
    title = f"{args.baseline} -> {args.candidate}"
    if shown["target"].nunique() == 1:  # one target a side: say it once, in the title
        title += f" ({shown['target'].iloc[0]})"
        shown = shown.drop(columns=["target"])
    shown = shown.drop(columns=["unit"])
    if args.markdown:
        print(f"**{title}**\n")
        print(markdown_table(shown, max_rows=len(shown)))
    else:
        print_frame(shown, title)
    print(f"{regressions} regression(s) in {len(table)} benchmarks ({rule})")
    return 1 if regressions else 0


def run_upgrade(args: argparse.Namespace) -> int:
    from reports.markdown import markdown_table
    from reports.terminal import print_frame
    from reports.upgrade import upgrade

    summary, changes = upgrade(args.before, args.after, args.results, args.run)
    shown = changes.drop(columns=["before_message", "after_message"])
    if args.markdown:
        print("\n".join(f"- {line.strip()}" for line in summary) + "\n")
        print(markdown_table(shown, max_rows=len(shown)))
    else:
        print("\n".join(summary))
        print_frame(shown, "")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parse(sys.argv[1:] if argv is None else argv)
        handler = {"report": run_report, "compare": run_compare, "upgrade": run_upgrade}
        return handler[args.command](args)
    except (InputError, UsageError) as error:
        print(f"reports: error: {error}", file=sys.stderr)
        return 2
    except BrowserError as error:
        print(f"reports: error: screenshot: {error}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
