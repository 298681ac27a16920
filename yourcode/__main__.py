"""``python -m yourcode FROM TO PROJECT``: will our code break? (``tox -e your-code -- ...``)

Installs PROJECT (a directory, an sdist or a wheel) with the test dependencies it declares
into two environments identical but for the client (FROM vs TO, written as for
``tox -e upgrade``), runs the project's own test suite in each with yourcode.recorder, and
compares: tests whose outcome changed, requests that changed (byte-level, the area named),
exceptions that changed class. Writes results/<run>/your-code/ (your-code.json and .html,
the locks, all suites' output and records). FROM's suite runs twice (the second time alongside TO):
what differs between those two runs is noise, normalised and reported as such rather than
as change (yourcode.noise). Exit 0: nothing changed; 1: something changed; 2: could not run
(one line why).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from harness import schema
from reports import your_code
from upgrade.environments import BuildError, Environment
from upgrade.requirement import SpecError, parse
from yourcode import noise, records, sides, suite
from yourcode import project as projects
from yourcode.compare import Comparison, compare
from yourcode.output import SCHEMA, SCHEMA_VERSION, markdown, terminal

EXIT_UNCHANGED, EXIT_CHANGED, EXIT_CANNOT_RUN = 0, 1, 2
ENVS_ENV = "HARNESS_YOURCODE_ENVS"
AGAIN = "FROM again"  # the second run of FROM: what differs from the first is noise


class CannotRun(RuntimeError):
    """The comparison could not be made: the message is the one line the user sees."""


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tox -e your-code --", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", metavar="FROM", help="the requirement you have")
    parser.add_argument("after", metavar="TO", help="the requirement you consider")
    parser.add_argument("project", metavar="PROJECT", help="a directory, sdist or wheel")
    parser.add_argument("--import-from", metavar="NAME", help="FROM's import name")
    parser.add_argument("--import-to", metavar="NAME", help="TO's import name")
    parser.add_argument("--timeout", type=float, default=900.0,
                        help="seconds each suite may take (default %(default)g)")
    parser.add_argument("--pytest-args", default="", metavar="ARGS",
                        help="extra arguments for the project's pytest (one string)")
    parser.add_argument("--allow-network", action="store_true",
                        help="run the suites outside a loopback-only network namespace")
    parser.add_argument("--no-alias", dest="alias", action="store_false",
                        help="a fork's side keeps `import httpx` as httpx (no alias)")
    parser.add_argument("--no-baseline", dest="baseline", action="store_false",
                        help="run FROM once: what varies between runs then reads as change")
    parser.add_argument("--serial", action="store_true",
                        help="run FROM's second run after TO rather than alongside it")
    parser.add_argument("--markdown", type=Path, metavar="FILE",
                        help="also write the Markdown summary here (for a PR comment)")
    try:
        return parser.parse_args(argv)
    except SystemExit as exit_:
        raise SystemExit(EXIT_CANNOT_RUN if exit_.code else 0) from None


def result_directory() -> Path:
    """results/<run>/your-code, or your-code-2, ... when this run already has one."""
    run = schema.results_root() / schema.run_id()
    run.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        directory = run / ("your-code" if n == 1 else f"your-code-{n}")
        try:
            directory.mkdir()
        except FileExistsError:
            continue
        return directory
    raise CannotRun(f"more than 999 your-code results in {run}")


def envs_root() -> Path:
    return Path(os.environ.get(ENVS_ENV) or schema.REPO_ROOT / ".tox" / "your-code-sides")


def say(started: float, line: str) -> None:
    print(f"[{time.monotonic() - started:5.0f} s] {line}", flush=True)


def judge(args: argparse.Namespace, out: Path, result: dict[str, Any],
          started: float) -> Comparison:
    try:
        before = parse(args.before, args.import_from, extras=())
        after = parse(args.after, args.import_to, extras=())
        project = projects.read(args.project, envs_root() / "projects")
    except (SpecError, projects.ProjectError) as error:
        raise CannotRun(str(error)) from None
    result["dependencies"] = projects.describe(project)
    result["unresolved"] = project.unresolved
    isolate = not args.allow_network
    if isolate and (why := suite.namespace_unavailable()):
        raise CannotRun(f"no loopback-only namespace for the suites ({why}); "
                        "--allow-network runs them without one")
    result["network"] = "loopback-only namespace" if isolate else "not isolated"
    say(started, f"resolving and installing {project.name or project.source.name} "
                 f"with {before.given} and {after.given} ...")
    try:
        side_from, side_to = sides.prepare(project, before, after, out, envs_root(),
                                           aliased=args.alias)
    except BuildError as error:
        raise CannotRun(str(error)) from None
    result["declared"] = [line for name, side in (("FROM", side_from), ("TO", side_to))
                          if (line := sides.outside_line(name, side, project))]
    plan = [("FROM", side_from), ("TO", side_to)]
    if args.baseline:
        plan.insert(1, (AGAIN, side_from))
    parallel = args.baseline and isolate and not args.serial
    runs: dict[str, tuple[suite.SuiteRun, records.Recording]] = {}

    def run(name: str, side: Environment) -> None:
        done = suite.run(name.lower().replace(" ", "-"), side, project.source, out,
                         args.timeout, args.pytest_args.split(), isolate)
        runs[name] = (done, records.load(done.records))

    def announce(name: str, side: Environment) -> None:
        say(started, f"running the project's suite on {name} ({side.spec.given}) ...")

    announce(*plan[0])
    run(*plan[0])
    began = time.monotonic()
    if parallel:  # each suite has its own tree and network namespace: nothing is shared
        for step in plan[1:]:
            announce(*step)
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda step: run(*step), plan[1:]))
    else:
        for step in plan[1:]:
            announce(*step)
            run(*step)
    second_phase = time.monotonic() - began
    for name, _ in plan:
        done, recording = runs[name]
        result["sides"][name] = {"given": dict(plan)[name].spec.given,
                                 "returncode": done.returncode,
                                 "seconds": round(done.seconds, 1), "last_line": done.last_line,
                                 "requests": len(recording.requests),
                                 "clients": recording.clients, "problems": recording.problems,
                                 "aliases": recording.aliases,
                                 "log": str(done.log.relative_to(out))}
        if done.returncode is None:
            raise CannotRun(f"{name}'s suite did not finish in {args.timeout:g} s "
                            "(--timeout)")
        if recording.problems and not recording.clients:
            raise CannotRun(f"the recorder could not hook {name}: {recording.problems[0]}")
    (from_run, from_recording), (to_run, to_recording) = runs["FROM"], runs["TO"]
    if from_run.returncode not in suite.RAN:
        raise CannotRun(f"FROM's suite did not run (pytest exit {from_run.returncode}: "
                        f"{from_run.last_line})")
    if to_run.returncode not in (*suite.RAN, 2):  # 2: interrupted, e.g. collection errors
        raise CannotRun(f"TO's suite did not run (pytest exit {to_run.returncode}: "
                        f"{to_run.last_line})")
    for name, (done, recording) in runs.items():
        if from_recording.outcomes and not recording.outcomes:  # stopped before any test
            raise CannotRun(f"{name}'s suite ran no test (pytest exit {done.returncode}: "
                            f"{done.last_line})")
    if not args.baseline:
        result["baseline"] = {"mode": "off"}
        return compare(from_recording, to_recording)
    again = runs[AGAIN][1]
    # What the second run costs: its own time; run beside TO, the wall time it added beyond
    # TO's run (small), though sharing the cores slows TO too (docs/your-code.md measures it).
    added = second_phase - runs["TO"][0].seconds if parallel else runs[AGAIN][0].seconds
    result["baseline"] = {"mode": "parallel" if parallel else "serial",
                          "seconds": round(runs[AGAIN][0].seconds, 1),
                          "wall_added_seconds": round(max(0.0, added), 1)}
    return compare(from_recording, to_recording, noise.baseline(from_recording, again))


def main(argv: list[str] | None = None) -> int:
    args = arguments(sys.argv[1:] if argv is None else argv)
    started = time.monotonic()
    result: dict[str, Any] = {
        "schema": SCHEMA, "version": SCHEMA_VERSION, "from": args.before, "to": args.after,
        "project": args.project, "dependencies": "", "unresolved": [], "sides": {},
        "started": dt.datetime.now(dt.timezone.utc).isoformat(),
    }
    comparison: Comparison | None = None
    try:
        out = result_directory()
    except (CannotRun, OSError) as error:
        print(f"your-code: error: {error}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    try:
        comparison = judge(args, out, result, started)
        result["verdict"] = "changed" if comparison.changed else "unchanged"
        result["comparison"] = comparison.as_dict()
    except CannotRun as error:
        result["verdict"], result["reason"] = "could not run", str(error)
    result["seconds"] = round(time.monotonic() - started, 1)
    path = schema.new_result_path("your-code", run=schema.run_id(), target=out.name)
    schema.write_json(path, result)
    (path.parent / "your-code.html").write_text(your_code.page(path, result), encoding="utf-8")
    print("\n".join(terminal(result, comparison)))
    print(f"result: {path}")
    if args.markdown:
        try:
            args.markdown.write_text(markdown(result, comparison), encoding="utf-8")
        except OSError as error:
            print(f"your-code: error: cannot write {args.markdown}: {error}", file=sys.stderr)
            return EXIT_CANNOT_RUN
    if comparison is None:
        return EXIT_CANNOT_RUN
    return EXIT_CHANGED if comparison.changed else EXIT_UNCHANGED


if __name__ == "__main__":
    sys.exit(main())
