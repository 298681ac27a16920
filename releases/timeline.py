"""A package's releases side by side: for each claim, wire case, API item and count, the
releases where it changed, each against the release before it (releases/changes.py).

A count change names the dependencies whose version changed with the release (httpcore,
h11, h2...), so a cost that came with a dependency is not blamed on the target alone.
Three renderings of one ``Timeline``: text for the terminal (at most 100 columns),
Markdown (a row per item, a column per release: the PR comment), JSON (everything, read
back by ``from_dict``; reports/release_timeline.py renders it as index.html's section).
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from harness.packages import Difference, describe
from releases.changes import GROUPS, Again, Change, between, dependencies
from releases.measure import Measured

WIDTH = 100
VALUE = 34  # characters of a before/after value in the terminal


@dataclass
class Step:
    """One release against the one before it."""
    version: str
    previous: str
    changes: list[Change]
    dependencies: list[Difference]
    notes: list[str] = field(default_factory=list)


@dataclass
class Timeline:
    package: str
    versions: list[str]  # measured, oldest first
    skipped: list[str]  # one line each: not listed, or could not be measured
    steps: list[Step]
    durations: dict[str, float] = field(default_factory=dict)
    measured_now: list[str] = field(default_factory=list)  # the rest came from the cache

    def items(self) -> dict[tuple[str, str], list[tuple[Step, Change]]]:
        """Every item that changed, in group order, with each release that changed it."""
        found: dict[tuple[str, str], list[tuple[Step, Change]]] = {}
        for step in self.steps:
            for change in step.changes:
                found.setdefault(change.key, []).append((step, change))
        return dict(sorted(found.items(), key=lambda kv: (GROUPS.index(kv[0][0]), kv[0][1])))

    def as_dict(self) -> dict[str, Any]:
        return {"package": self.package, "versions": self.versions, "skipped": self.skipped,
                "measured_now": self.measured_now, "durations": self.durations,
                "steps": [{**asdict(step), "dependencies": [
                    {"name": n, "before": a, "after": b} for n, a, b in step.dependencies]}
                    for step in self.steps]}


def from_dict(document: dict[str, Any]) -> Timeline:
    """The timeline ``as_dict`` wrote (timeline.json), read back; KeyError or TypeError
    when the document is not one."""
    steps = [Step(step["version"], step["previous"],
                  [Change(**change) for change in step["changes"]],
                  [(d["name"], d["before"], d["after"]) for d in step["dependencies"]],
                  list(step.get("notes", [])))
             for step in document["steps"]]
    return Timeline(document["package"], list(document["versions"]),
                    list(document.get("skipped", [])), steps,
                    dict(document.get("durations", {})),
                    list(document.get("measured_now", [])))


def build(package: str, measured: list[Measured], skipped: list[str],
          say: Callable[[str], None] = lambda line: None,
          again: Again | None = None) -> Timeline:
    """Each release against the one before it; ``again`` runs a differing claim or wire
    case again on both (releases/measure.py's ``measure_again``) before it is a change."""
    steps = []
    for previous, release in itertools.pairwise(measured):
        found, notes = between(previous, release, again)
        if release.unusable:
            notes.append(f"{release.unusable} with this environment: {release.version}'s "
                         "changes here are a client that cannot be built")
        step = Step(release.version, previous.version, found,
                    dependencies(previous, release, package), notes)
        say(f"{previous.version} -> {release.version}: {len(found)} changes"
            + (f", dependencies {describe(step.dependencies)}" if step.dependencies else ""))
        steps.append(step)
    return Timeline(package, [m.version for m in measured], skipped, steps,
                    measured_now=[m.version for m in measured if not m.cached])


def short(text: str, width: int = VALUE) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[:width - 1] + "…"


def change_line(step: Step, change: Change) -> str:
    line = f"{step.version}: {change.kind}: {short(change.before)} -> {short(change.after)}"
    if change.group == "count" and step.dependencies:
        line += f" (with {describe(step.dependencies)})"
    return line


def text(timeline: Timeline) -> str:
    """The terminal rendering: every line at most WIDTH columns."""
    lines = [f"{timeline.package}: {len(timeline.versions)} releases measured "
             f"({', '.join(timeline.versions)})"]
    lines += [f"skipped {line}" for line in timeline.skipped]
    items = timeline.items()
    lines.append(f"{len(items)} items changed in {len(timeline.steps)} steps "
                 f"({len(timeline.measured_now)} releases measured now, the rest cached)")
    group = None
    for (kind, item), changes in items.items():
        if kind != group:
            group = kind
            lines.append(f"== {kind}")
        lines.append(item)
        lines += [f"    {change_line(step, change)}" for step, change in changes]
    for step in timeline.steps:
        if step.dependencies:
            lines.append(f"{step.previous} -> {step.version}: dependencies "
                         f"{describe(step.dependencies)}")
        lines += [f"{step.previous} -> {step.version}: {note}" for note in step.notes]
    return "\n".join(wrapped for line in lines
                     for wrapped in textwrap.wrap(line, WIDTH, subsequent_indent="      ",
                                                  break_on_hyphens=False) or [""])


def cell(text: str) -> str:
    return short(text, 60).replace("|", "\\|")


def markdown(timeline: Timeline) -> str:
    versions = timeline.versions[1:]
    lines = [f"### Release timeline: {timeline.package} {timeline.versions[0]} -> "
             f"{timeline.versions[-1]}", "",
             f"{len(timeline.versions)} releases measured; each column: what changed against "
             "the release before it."]
    lines += [f"- skipped {line}" for line in timeline.skipped]
    items = timeline.items()
    if items:
        lines += ["", "| item | " + " | ".join(versions) + " |",
                  "|---|" + "---|" * len(versions)]
        for (group, item), changes in items.items():
            at = {step.version: change for step, change in changes}
            lines.append(f"| {group}: `{cell(item)}` | " + " | ".join(
                cell(at[v].kind) if v in at else "" for v in versions) + " |")
        lines += ["", "#### Each change", "", "| release | item | kind | before | after |",
                  "|---|---|---|---|---|"]
        for (group, item), changes in items.items():
            lines += [f"| {step.version} | {group}: `{cell(item)}` | {change.kind} | "
                      f"{cell(change.before)} | {cell(change.after)} |"
                      for step, change in changes]
    else:
        lines += ["", "No claim, wire case, API item or count changed between these releases."]
    deps = [step for step in timeline.steps if step.dependencies]
    if deps:
        lines += ["", "#### Dependencies that changed with a release", ""]
        lines += [f"- {step.version}: {describe(step.dependencies)}" for step in deps]
    notes = [f"- {step.previous} -> {step.version}: {note}" for step in timeline.steps
             for note in step.notes]
    return "\n".join(lines + (["", *notes] if notes else [])) + "\n"
