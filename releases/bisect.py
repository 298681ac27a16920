"""``python -m releases.bisect FROM TO``: the first release where each difference appeared
(``tox -e bisect -- httpx==0.23.3 httpx==0.28.1``).

FROM and TO are two releases of one package (``NAME==VERSION``). Both are measured as the
releases command measures a release (results shared through its cache); their differences
are those an upgrade would list (claims, wire cases, API, counts); then each is looked for
in the releases between them by bisection (releases/search.py): about log2 of the range per
difference, a release measured once for all of them. A release that cannot be installed or
run, or whose default ``Client()`` cannot be built with the range's lock, is skipped with one
line, and its neighbours are measured instead. Prints a table, and
writes ``bisect.md`` and ``bisect.json`` in a new ``results/<run>/bisect/``. Exit 0: every
difference attributed (to one release, or to a named run of releases where some could not
be measured); 2: FROM or TO could not be measured, or bad input (one line why).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from packaging.requirements import Requirement
from packaging.version import Version

from harness.packages import describe
from releases import command
from releases.changes import Change, between, dependencies
from releases.index import ListingError, releases
from releases.measure import Failed, Measured, Setting, measure, measure_again
from releases.search import Attribution, first_releases
from releases.timeline import short
from upgrade.requirement import SpecError
from upgrade.requirement import parse as parse_requirement
from upgrade.verdict import EXIT_CANNOT_JUDGE

WIDTH = 100


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tox -e bisect --", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", metavar="FROM", help="NAME==VERSION, the release you have")
    parser.add_argument("after", metavar="TO", help="NAME==VERSION, a later release")
    parser.add_argument("--cached-only", action="store_true",
                        help="measure nothing: bracket each difference with the releases "
                             "the cache already has (an interrupted or running bisection)")
    command.add_options(parser)
    return command.parse(parser, argv)


def pinned(given: str) -> tuple[str, str]:
    """(distribution, version) of ``NAME==VERSION``, or SpecError saying why not."""
    spec = parse_requirement(given, extras=())
    specifiers = list(Requirement(given).specifier)
    if spec.is_path or len(specifiers) != 1 or specifiers[0].operator != "==":
        raise SpecError(f"{given!r}: name one release (NAME==VERSION)")
    return spec.distribution, specifiers[0].version


class Bisection:
    """The releases of the range, each measured at most once, and the search over them."""

    def __init__(self, versions: list[str], setting: Setting) -> None:
        self.versions = versions
        self.setting = setting
        self.measured: dict[int, Measured | Failed] = {}

    def release(self, index: int, anchor: Measured | None) -> Measured | Failed:
        if index not in self.measured:
            self.setting.say(f"measuring {self.versions[index]} "
                             f"({index} of {len(self.versions) - 1})")
            self.measured[index] = measure(self.versions[index], self.setting,
                                           anchor.lock if anchor else None)
        return self.measured[index]

    def changes_at(self, index: int) -> list[Change] | None:
        first = self.measured[0]
        assert isinstance(first, Measured)
        found = self.release(index, first)
        if isinstance(found, Failed) or found.unusable:
            return None  # stepped around: what failed there says nothing of the change
        return between(first, found, self.again)[0]

    def again(self, release: Measured, claims: list[str], cases: list[str]) -> str | None:
        """A differing claim or case run again on both releases before it counts."""
        return measure_again(release, self.setting, claims, cases)


def attribution_row(found: Attribution, bisection: Bisection,
                    distribution: str) -> dict[str, Any]:
    versions, measured = bisection.versions, bisection.measured
    change = found.difference
    assert isinstance(change, Change)
    before, first = measured[found.last_without], measured[found.first]
    deps = (dependencies(before, first, distribution)
            if isinstance(before, Measured) and isinstance(first, Measured) else [])
    return {"group": change.group, "item": change.item, "kind": change.kind,
            "from": change.before, "to": change.after,
            "first_release": versions[found.first],
            "last_release_without": versions[found.last_without],
            "unmeasured_between": [versions[i] for i in found.unmeasured],
            "exact": found.exact,
            "dependencies_with_it": describe(deps) if change.group == "count" else ""}


def where(row: dict[str, Any]) -> str:
    if row["exact"]:
        return row["first_release"]
    return " or ".join([*row["unmeasured_between"], row["first_release"]]) + " (not measured)"


def text(rows: list[dict[str, Any]], header: list[str]) -> str:
    """The terminal table: a difference's first release, then its values indented."""
    lines = list(header)
    for row in rows:
        lines.append(short(f"{where(row)}  {row['group']}: {row['item']} ({row['kind']})",
                           WIDTH))
        lines.append("    " + short(f"{row['from']} -> {row['to']}", WIDTH - 4))
        if row["dependencies_with_it"]:
            lines.append("    " + short(f"with {row['dependencies_with_it']}", WIDTH - 4))
    return "\n".join(lines)


def markdown(rows: list[dict[str, Any]], header: list[str]) -> str:
    lines = [f"### Bisection: {header[0]}", ""] + [f"- {line}" for line in header[1:]]
    lines += ["", "| first release | item | kind | FROM | TO | dependencies with it |",
              "|---|---|---|---|---|---|"]
    lines += [f"| {where(r)} | {r['group']}: `{short(r['item'], 80)}` | {r['kind']} | "
              f"{short(r['from'], 60)} | {short(r['to'], 60)} | {r['dependencies_with_it']} |"
              .replace("\n", " ") for r in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    from upgrade.__main__ import Job, upgrade_directory

    args = arguments(sys.argv[1:] if argv is None else argv)
    try:
        (name, low), (other, high) = pinned(args.before), pinned(args.after)
        if name != other:
            raise SpecError(f"FROM and TO must be releases of one package ({name}, {other})")
        if why := command.problem(args):
            raise SpecError(why)
        if Version(low) >= Version(high):
            raise SpecError(f"FROM {low} is not older than TO {high}")
        listed = releases(name, args.pre, Version(low), Version(high), args.find_links)
    except (SpecError, ListingError) as error:
        print(f"bisect: error: {error}", file=sys.stderr)
        return EXIT_CANNOT_JUDGE
    job = Job(verbose=False)
    setting = command.setting(args, name, 1, job.say)
    setting.cached_only = args.cached_only
    versions = [str(v) for v in listed.versions]
    job.say(f"{name} {low} -> {high}: {len(versions)} releases in range; cache key "
            f"{setting.key}")
    for line in listed.skipped:
        job.say(f"skipped {line}")
    bisection = Bisection(versions, setting)
    first = bisection.release(0, None)
    last = (bisection.release(len(versions) - 1, first) if isinstance(first, Measured)
            else first)
    for end in (first, last):
        if isinstance(end, Failed):
            print(f"bisect: could not judge: {end.version} could not be measured: "
                  f"{end.reason}", file=sys.stderr)
            return EXIT_CANNOT_JUDGE
    assert isinstance(first, Measured) and isinstance(last, Measured)
    differences, notes = between(first, last, bisection.again)
    job.say(f"{len(differences)} differences between {low} and {high}")
    found = first_releases(len(versions), differences, bisection.changes_at)
    rows = [attribution_row(f, bisection, name) for f in found]
    ran = [versions[i] for i, m in sorted(bisection.measured.items())]
    now = [m.version for m in bisection.measured.values()
           if isinstance(m, Measured) and not m.cached]
    skipped = [f"{m.version}: could not be measured: {m.reason}"
               for m in bisection.measured.values() if isinstance(m, Failed)]
    skipped += [f"{m.version}: stepped around: {m.unusable} with the range's lock "
                "(every claim fails there the same way)" for m in bisection.measured.values()
                if isinstance(m, Measured) and m.unusable]
    header = [f"{name} {low} -> {high}: {len(differences)} differences, "
              f"{len(versions)} releases in range, {len(ran)} measured "
              f"({', '.join(ran)}; {len(now)} now, the rest cached)",
              *[f"skipped {line}" for line in listed.skipped + skipped], *notes,
              f"took {time.monotonic() - job.started:.0f} s"]
    directory = upgrade_directory("bisect")
    command.write(directory, "bisect", markdown(rows, header),
                  {"package": name, "from": low, "to": high, "versions": versions,
                   "measured": ran, "measured_now": now, "skipped": listed.skipped + skipped,
                   "notes": notes, "seconds": round(time.monotonic() - job.started, 1),
                   "attributions": rows})
    print(text(rows, header), flush=True)
    job.say(f"bisection: {directory / 'bisect.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(command.interruptible("bisect", main))
