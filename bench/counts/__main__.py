"""``python -m bench.counts [--quick] [SCENARIO ...]``: count against a server of its own.

Prints one line per scenario; the bench suite (bench/test_counts.py) records the same
counts into bench.json.
"""

from __future__ import annotations

import argparse
import sys

from bench.counts.runner import count
from bench.counts.scenarios import BY_NAME
from server.process import ServerError, ServerProcess


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.counts", description=__doc__)
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                        help=f"default: all ({', '.join(BY_NAME)})")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--engine", default="granian", choices=("granian", "hypercorn"))
    args = parser.parse_args(argv)
    names = args.scenarios or list(BY_NAME)
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
    try:
        with ServerProcess(engine=args.engine) as info:
            urls = {"http": info.http, "https": info.https}
            results = count(names, urls, info.ca, quick=args.quick,
                            progress=lambda line: print(line, file=sys.stderr))
    except ServerError as error:
        print(f"bench.counts: error: {error}", file=sys.stderr)
        return 2
    for counts in results.values():
        figures = {k: v for k, v in counts.as_dict().items()
                   if k not in ("description", "syscalls_by_kind") and v is not None}
        print(counts.scenario, figures, counts.syscalls_by_kind)
    return 0


if __name__ == "__main__":
    sys.exit(main())
