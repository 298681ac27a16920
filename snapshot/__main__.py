"""``python -m snapshot [--library requests]``: run the request grid, write snapshot.json.

The library is the target under test (``$HARNESS_IMPORT``) unless ``--library`` names
another (requests: written as the pseudo-target ``requests``). Exit status: 0 written
(whatever the library did: differences are findings, not failures); 2 the server could
not start or the library could not be imported and no target install failure explains it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import sys
import time
from typing import Any

from generations import MissingAPI
from harness import schema
from server.process import ServerError, ServerProcess
from snapshot.clients import adapter_for
from snapshot.runner import TOTAL_SECONDS, run_grid

NOT_INSTALLED_ENV = "HARNESS_NOT_INSTALLED"


def document(target: str, import_name: str, cases: list[dict[str, Any]],
             generation: str | None, problem: str | None, started: dt.datetime,
             seconds: float) -> dict[str, Any]:
    return {
        "schema": schema.SNAPSHOT_SCHEMA, "schema_version": schema.SNAPSHOT_VERSION,
        "target": target, "library": import_name,
        "version": None if problem else schema.package_version(import_name),
        "generation": generation,
        "not_installed": problem, "started": started.isoformat(), "seconds": round(seconds, 1),
        "environment": schema.environment(), "cases": cases,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m snapshot", description=__doc__)
    parser.add_argument("--library", help="import name to run (default $HARNESS_IMPORT)")
    parser.add_argument("--target", help="result directory name (default $HARNESS_TARGET, "
                                         "or 'requests' with --library requests)")
    parser.add_argument("--only", metavar="GLOB", action="append",
                        help="run only the cases whose id matches (repeatable)")
    parser.add_argument("--budget", type=float, default=TOTAL_SECONDS,
                        help=f"seconds for the whole grid (default {TOTAL_SECONDS:g})")
    args = parser.parse_args(argv)
    import_name = args.library or schema.target_import()
    own_target = args.library is None or args.library == schema.target_import()
    target = args.target or (schema.target_name() if own_target else import_name)
    started, clock = dt.datetime.now(dt.timezone.utc), time.monotonic()
    problem = os.environ.get(NOT_INSTALLED_ENV) if own_target else None
    cases: list[dict[str, Any]] = []
    generation = None
    if problem is None:
        try:
            module = importlib.import_module(import_name)
            adapter = adapter_for(module)
        except (ImportError, MissingAPI) as error:
            print(f"snapshot: cannot use {import_name}: {error}", file=sys.stderr)
            return 2
        generation = adapter.generation
        try:
            with ServerProcess() as server:
                cases = run_grid(module, adapter, server, args.only, args.budget)
        except ServerError as error:
            print(f"snapshot: {error}", file=sys.stderr)
            return 2
    path = schema.new_result_path("snapshot", target=target)
    schema.write_json(path, document(target, import_name, cases, generation, problem, started,
                                     time.monotonic() - clock))
    counts: dict[str, int] = {}
    for case in cases:
        counts[case["outcome"]] = counts.get(case["outcome"], 0) + 1
    shown = ", ".join(f"{n} {outcome}" for outcome, n in counts.items()) or problem
    print(f"snapshot: {target}: {len(cases)} cases ({shown}) -> {path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
