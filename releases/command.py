"""What the releases and bisect commands share: their options, the setting they measure
in, the checks before anything is built, and writing results that never overwrite."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness import schema
from releases.measure import Machine, Options, Setting
from upgrade.requirement import DEFAULT_EXTRAS
from upgrade.verdict import EXIT_CANNOT_JUDGE

ENVS = "HARNESS_RELEASE_ENVS"  # where the releases' virtualenvs are kept (one per lock)


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pre", action="store_true",
                        help="list pre-releases and development releases too")
    parser.add_argument("--find-links", type=Path, metavar="DIR",
                        help="list releases from this directory of wheels/sdists, and "
                             "install from it (a local series of builds)")
    parser.add_argument("--import", dest="import_name", metavar="NAME",
                        help="the import name (default: the distribution's)")
    parser.add_argument("--extras", default=",".join(DEFAULT_EXTRAS),
                        help="extras installed with each release (default %(default)s)")
    parser.add_argument("--claim", action="append", metavar="PATTERN",
                        help="run only these claims (repeatable; the conformance suite's "
                             "--claim)")
    parser.add_argument("--count-scenario", action="append", metavar="NAME",
                        help="count only these scenarios (repeatable; bench/counts)")
    parser.add_argument("--full-counts", action="store_true",
                        help="count the full bench's requests (default: quick)")


def parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """Arguments, or exit 2 with argparse's one line."""
    try:
        return parser.parse_args(argv)
    except SystemExit as exit_:
        raise SystemExit(EXIT_CANNOT_JUDGE if exit_.code else 0) from None


def problem(args: argparse.Namespace) -> str | None:
    """Why nothing can be measured, before anything is built (one line), or None."""
    from bench.counts.scenarios import BY_NAME
    from upgrade.__main__ import count_tools_unavailable

    if unknown := [n for n in args.count_scenario or [] if n not in BY_NAME]:
        return f"no count scenario {unknown[0]!r} (there are: {', '.join(BY_NAME)})"
    if args.find_links is not None and not args.find_links.is_dir():
        return f"{args.find_links}: no such directory (--find-links)"
    if unavailable := count_tools_unavailable():
        return f"the work counts cannot be taken here: {unavailable}"
    return None


def setting(args: argparse.Namespace, distribution: str, lanes: int, say: Any) -> Setting:
    if args.find_links is not None:
        # uv reads it for every resolve and install this process starts.
        os.environ["UV_FIND_LINKS"] = str(args.find_links.resolve())
    options = Options(tuple(e for e in args.extras.split(",") if e), args.import_name,
                      tuple(args.claim or ()), tuple(args.count_scenario or ()),
                      args.full_counts)
    envs = Path(os.environ.get(ENVS) or schema.REPO_ROOT / ".tox" / "release-sides")
    return Setting(distribution, options, envs, Machine(lanes), say)


def write(directory: Path, name: str, text: str, document: dict[str, Any]) -> None:
    """name.md and name.json in a directory of this run that nothing else writes to."""
    schema.write_json(directory / f"{name}.json", json.loads(json.dumps(document,
                                                                         default=str)))
    (directory / f"{name}.md").write_text(text, encoding="utf-8")


def interruptible(prog: str, main: Callable[[list[str] | None], int],
                  argv: list[str] | None = None) -> int:
    """``main``, with Ctrl-C one line and exit 2 (the suites stop their process groups
    themselves; what was measured in full stays in the cache)."""
    try:
        return main(argv)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted: the releases measured in full are kept in the cache",
              file=sys.stderr)
        return EXIT_CANNOT_JUDGE
