"""``python -m upgrade FROM TO``: can we take this upgrade? (``tox -e upgrade -- FROM TO``)

FROM and TO are pip requirements for httpx or a drop-in fork (``httpx==0.28.1``,
``httpx2==2.16.2``, ``httpxyz``) or local wheels/sdists. Both sides are installed with the
same locked dependencies except what the target itself requires, and measured in this one
job: the API surface and packaging, the conformance suite, the wire snapshot, the work
counts and interleaved timings.
Prints one verdict, writes results/<run>/upgrade/ (verdict.md, verdict.json, upgrade.html,
the locks and both sides' package lists). Exit 0: nothing breaking and no count regression;
1: something breaking or a count regression; 2: could not judge (one line why).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness import schema
from harness.packages import differences
from reports import flaky
from reports.terminal import say
from upgrade.environments import BuildError, Environment, freeze, prepare
from upgrade.requirement import DEFAULT_EXTRAS, SpecError, parse
from upgrade.suites import Side, SuiteError, run_suite
from upgrade.verdict import EXIT_CANNOT_JUDGE, Verdict


def timing_rounds(text: str) -> int:
    """--rounds: below 6 rounds the median has no 95 % interval, so no verdict."""
    rounds = int(text)
    if rounds < 6:
        raise argparse.ArgumentTypeError(f"{rounds}: at least 6 rounds are needed")
    return rounds


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tox -e upgrade --", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", metavar="FROM", help="the requirement you have")
    parser.add_argument("after", metavar="TO", help="the requirement you consider")
    parser.add_argument("--import-from", metavar="NAME", help="FROM's import name")
    parser.add_argument("--import-to", metavar="NAME", help="TO's import name")
    parser.add_argument("--extras", default=",".join(DEFAULT_EXTRAS),
                        help="extras added to a requirement that names none "
                             "(default %(default)s; '' for none)")
    parser.add_argument("--full-counts", action="store_true",
                        help="count the full bench's requests (slower; default: quick)")
    parser.add_argument("--claim", action="append", metavar="PATTERN",
                        help="judge only these claims (repeatable; the conformance "
                             "suite's --claim)")
    parser.add_argument("--count-scenario", action="append", metavar="NAME",
                        help="count only these scenarios (repeatable; bench/counts)")
    parser.add_argument("--rounds", type=timing_rounds, metavar="N",
                        help="timing rounds per scenario (at least 6; default "
                             "upgrade.timing.ROUNDS, imported only when timing)")
    parser.add_argument("--no-timings", action="store_true", help="skip the timed headlines")
    parser.add_argument("--markdown", type=Path, metavar="FILE",
                        help="also write the Markdown verdict here (for a PR comment)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show the suites' output")

    try:
        return parser.parse_args(argv)
    except SystemExit as exit_:
        raise SystemExit(EXIT_CANNOT_JUDGE if exit_.code else 0) from None


def upgrade_directory(kind: str = "upgrade") -> Path:
    """results/<run>/<kind>, or <kind>-2, ... when this run already has one."""
    run = schema.results_root() / schema.run_id()
    run.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        directory = run / (kind if n == 1 else f"{kind}-{n}")
        try:
            directory.mkdir()
        except FileExistsError:
            continue
        return directory
    raise SystemExit(f"{kind}: error: more than 999 {kind} directories in {run}")


def target_name(environment: Environment, packages: dict[str, str], taken: set[str]) -> str:
    """distribution-version, unique in this run (A/A: the second side gets '-again')."""
    distribution = environment.spec.distribution
    name = f"{distribution}-{packages.get(distribution, 'unknown')}"
    run = schema.results_root() / schema.run_id()
    candidate = name
    for n in range(2, 1000):
        if candidate not in taken and not (run / candidate).exists():
            return candidate
        candidate = f"{name}-again" if n == 2 else f"{name}-again{n - 1}"
    return candidate


class Job:
    """The steps of one upgrade, timed, with progress on stdout."""

    def __init__(self, verbose: bool) -> None:
        self.started = time.monotonic()
        self.durations: dict[str, float] = {}
        self.verbose = verbose

    def say(self, line: str) -> None:
        say(f"[{time.monotonic() - self.started:5.0f} s] {line}")
        sys.stdout.flush()

    def step(self, name: str, action: Callable[[], object]) -> object:
        self.say(f"{name} ...")
        began = time.monotonic()
        result = action()
        self.durations[name] = time.monotonic() - began
        return result


def count_tools_unavailable() -> str:
    from bench.counts.runner import instructions_unavailable, syscalls_unavailable

    return "; ".join(why for why in (instructions_unavailable(), syscalls_unavailable()) if why)


def main(argv: list[str] | None = None) -> int:
    args = arguments(sys.argv[1:] if argv is None else argv)
    extras = tuple(e for e in args.extras.split(",") if e)
    try:
        before = parse(args.before, args.import_from, extras)
        after = parse(args.after, args.import_to, extras)
    except SpecError as error:
        print(f"upgrade: error: {error}", file=sys.stderr)
        return EXIT_CANNOT_JUDGE
    from bench.counts.scenarios import BY_NAME

    if unknown := [n for n in args.count_scenario or [] if n not in BY_NAME]:
        print(f"upgrade: error: no count scenario {unknown[0]!r} (there are: "
              f"{', '.join(BY_NAME)})", file=sys.stderr)
        return EXIT_CANNOT_JUDGE
    if unavailable := count_tools_unavailable():
        # No evidence, no pass: without the counts there is nothing to gate on, so say so
        # before building anything.
        print(f"upgrade: could not judge: the work counts cannot be taken here: "
              f"{unavailable}", file=sys.stderr)
        return EXIT_CANNOT_JUDGE
    job = Job(args.verbose)
    directory = upgrade_directory()
    verdict = Verdict(args.before, args.after)
    job.say(f"upgrade {args.before} -> {args.after}: run {schema.run_id()}, "
            f"results in {directory}")
    envs_root = Path(os.environ.get("HARNESS_UPGRADE_ENVS")
                     or schema.REPO_ROOT / ".tox" / "upgrade-sides")
    try:
        environments = job.step("resolve and install both sides",
                                lambda: prepare(before, after, directory, envs_root))
        assert isinstance(environments, tuple)
        measure(job, verdict, directory, environments, args)
    except (BuildError, SuiteError) as error:
        verdict.cannot_judge = str(error)
    except KeyboardInterrupt:
        verdict.cannot_judge = "interrupted"
    verdict.durations = {**job.durations, "total": time.monotonic() - job.started}
    write(verdict, directory, args.markdown)
    say(verdict.text())
    sys.stdout.flush()
    job.say(f"verdict: {directory / 'verdict.md'} (exit {verdict.exit_code})")
    return verdict.exit_code


def measure(job: Job, verdict: Verdict, directory: Path,
            environments: tuple[Environment, Environment], args: argparse.Namespace) -> None:
    from upgrade import judge

    packages = [freeze(environment) for environment in environments]
    (directory / "packages.json").write_text(
        json.dumps({"from": packages[0], "to": packages[1]}, indent=2) + "\n",
        encoding="utf-8")
    taken: set[str] = set()
    sides = []
    for role, environment, installed in zip(("from", "to"), environments, packages,
                                            strict=True):
        name = target_name(environment, installed, taken)
        taken.add(name)
        sides.append(Side(role, name, environment))
    before, after = sides
    verdict.before, verdict.after = f"{args.before} ({before.target})", \
        f"{args.after} ({after.target})"
    verdict.packages = differences(packages[0], packages[1])
    for line in verdict.package_lines():
        job.say(line)
    job.step("API, packaging and environment",
             lambda: judge.surface(job, verdict, before, after, directory))
    # The conformance suite and the snapshot mostly wait: each side's conformance runs
    # beside the other side's snapshot. The count runs use both cores: one side at a time.
    for pair in ([("conformance", before), ("snapshot", after)],
                 [("conformance", after), ("snapshot", before)],
                 [("counts", before)], [("counts", after)]):
        job.step(" and ".join(f"{kind} on {side.target}" for kind, side in pair),
                 lambda pair=pair: run_together(job, pair, args))
    judge.claims_and_wire(job, verdict, before, after, flaky.RERUNS)
    judge.counts(job, verdict, before, after, quick=not args.full_counts)
    if not args.no_timings:
        from upgrade.timing import ROUNDS
        from upgrade.timing import measure as timings

        headlines = job.step("timings, FROM and TO interleaved",
                             lambda: timings(before, after, args.rounds or ROUNDS, job.say))
        assert isinstance(headlines, list)
        verdict.timings = [h.as_dict() for h in headlines]
    judge.upgrade_html(verdict, before, after, directory)


def run_together(job: Job, pair: list[tuple[str, Side]], args: argparse.Namespace) -> None:
    """Run suites at once (each its own process and server); the first error stops."""
    def one(kind: str, side: Side) -> None:
        seconds = run_suite(side, kind, quick_counts=not args.full_counts,
                            claims=args.claim if kind == "conformance" else None,
                            scenarios=args.count_scenario if kind == "counts" else None,
                            echo=args.verbose)
        job.say(f"{kind} on {side.target}: {seconds:.0f} s")

    with ThreadPoolExecutor(max_workers=len(pair)) as pool:
        for future in [pool.submit(one, kind, side) for kind, side in pair]:
            future.result()


def write(verdict: Verdict, directory: Path, markdown: Path | None) -> None:
    """verdict.md and verdict.json (never over an earlier one: the directory is new)."""
    schema.write_json(directory / "verdict.json", json.loads(verdict.as_json()))
    text = verdict.markdown()
    (directory / "verdict.md").write_text(text, encoding="utf-8")
    if markdown is not None:
        markdown.parent.mkdir(parents=True, exist_ok=True)
        markdown.write_text(text, encoding="utf-8")
    stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    (directory / "finished").write_text(stamp + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
