"""``python -m releases PACKAGE [FROM [TO]]``: every release of a package, measured, and
the releases where each claim, wire case, API item and count changed
(``tox -e releases -- httpx2 2.0.0``).

Lists the package's releases from the index (``--pre`` for pre-releases; yanked releases
are skipped and named), measures each as a side of an upgrade is measured (conformance,
wire snapshot, API surface, quick work counts), keeping each release's results so that a
rerun measures only what is new, and writes the timeline: printed (100 columns), and
``timeline.md`` (the PR comment), ``timeline.json`` and ``timeline.html`` in a new
``results/<run>/releases/``. A release that cannot be installed or run is skipped with one
line. Exit 0: a timeline was written; 2:
nothing could be measured (one line why).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from releases import command, timeline
from releases.index import ListingError, releases
from releases.measure import Failed, Measured, Setting, first_lock, measure, measure_again
from reports import release_timeline
from upgrade.environments import BuildError
from upgrade.requirement import SpecError
from upgrade.suites import stop_all
from upgrade.verdict import EXIT_CANNOT_JUDGE


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tox -e releases --", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("package", metavar="PACKAGE", help="httpx, httpx2, httpxyz ...")
    parser.add_argument("low", metavar="FROM", nargs="?", help="the first release (a version)")
    parser.add_argument("high", metavar="TO", nargs="?", help="the last release (a version)")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="releases measured at once (count runs always run alone; "
                             "default %(default)s)")
    parser.add_argument("--list", action="store_true",
                        help="print the releases to measure as a JSON list, and stop (CI's "
                             "matrix)")
    parser.add_argument("--only", metavar="VERSION",
                        help="measure this one release into the cache, and stop (one CI "
                             "job; the timeline job then reads every release back)")
    command.add_options(parser)
    return command.parse(parser, argv)


def version(text: str | None) -> Version | None:
    if text is None:
        return None
    try:
        return Version(text.split("==")[-1])
    except InvalidVersion:
        raise ListingError(f"{text!r} is not a version (e.g. 0.28.1)") from None


def main(argv: list[str] | None = None) -> int:
    from upgrade.__main__ import Job, upgrade_directory

    args = arguments(sys.argv[1:] if argv is None else argv)
    distribution = canonicalize_name(args.package)
    if args.jobs < 1:
        print("releases: error: --jobs must be at least 1", file=sys.stderr)
        return EXIT_CANNOT_JUDGE
    if not args.list and (why := command.problem(args)):
        print(f"releases: error: {why}", file=sys.stderr)
        return EXIT_CANNOT_JUDGE
    try:
        listed = releases(distribution, args.pre, version(args.low), version(args.high),
                          args.find_links)
        if args.only is not None and version(args.only) not in listed.versions:
            raise ListingError(f"{args.only} is not among the releases listed "
                               f"({', '.join(map(str, listed.versions))})")
    except ListingError as error:
        print(f"releases: error: {error}", file=sys.stderr)
        return EXIT_CANNOT_JUDGE
    if args.list:
        print(json.dumps([str(v) for v in listed.versions]))
        return 0
    job = Job(verbose=False)
    setting = command.setting(args, distribution, args.jobs, job.say)
    job.say(f"{distribution}: {len(listed.versions)} releases "
            f"({', '.join(map(str, listed.versions))}); cache key {setting.key}")
    for line in listed.skipped:
        job.say(f"skipped {line}")
    versions = [str(v) for v in listed.versions]
    if args.only is not None:
        return measure_one(str(version(args.only)), versions[0], setting)
    # The first release's lock is every other release's starting point (measure.py).
    began = time.monotonic()
    results = [measure(versions[0], setting, None)]
    anchor = results[0].lock if isinstance(results[0], Measured) else None
    pool = ThreadPoolExecutor(max_workers=args.jobs)
    try:
        results += list(pool.map(lambda v: measure(v, setting, anchor), versions[1:]))
    except KeyboardInterrupt:
        setting.stopping.set()  # no new release starts; the running suites are ended
        stop_all()  # and none is tried again
        pool.shutdown(cancel_futures=True)
        raise
    pool.shutdown()
    measured = [r for r in results if isinstance(r, Measured)]
    failed = [f"{r.version}: could not be measured: {r.reason}" for r in results
              if isinstance(r, Failed)]
    if not measured:
        print(f"releases: error: no release of {distribution} could be measured "
              f"({failed[0]})", file=sys.stderr)
        return EXIT_CANNOT_JUDGE
    found = timeline.build(distribution, measured, listed.skipped + failed, job.say,
                           lambda release, claims, cases: measure_again(release, setting,
                                                                        claims, cases))
    found.durations = {"measure": round(time.monotonic() - began, 1),
                       "total": round(time.monotonic() - job.started, 1)}
    directory = upgrade_directory("releases")
    command.write(directory, "timeline", timeline.markdown(found), found.as_dict())
    (directory / "timeline.html").write_text(
        release_timeline.page(directory / "timeline.json", found), encoding="utf-8")
    print(timeline.text(found), flush=True)
    job.say(f"timeline: {directory / 'timeline.md'} ({len(found.measured_now)} releases "
            f"measured now, {len(measured) - len(found.measured_now)} from the cache)")
    return 0


def measure_one(wanted: str, first: str, setting: Setting) -> int:
    """One release into the cache, resolved from the first release's lock as in a whole
    run (resolved here, not installed), so a CI job per release keeps the same locks."""
    anchor = None
    if wanted != first:
        try:
            anchor = first_lock(first, setting)
        except (BuildError, SpecError) as error:
            setting.say(f"{first}: could not be resolved ({error}): {wanted} resolved alone")
    found = measure(wanted, setting, anchor)
    if isinstance(found, Failed):
        print(f"releases: error: {wanted} could not be measured: {found.reason}",
              file=sys.stderr)
        return EXIT_CANNOT_JUDGE
    setting.say(f"{wanted}: {'in the cache already' if found.cached else 'measured'}: "
                f"{found.directory}")
    return 0


if __name__ == "__main__":
    sys.exit(command.interruptible("releases", main))
