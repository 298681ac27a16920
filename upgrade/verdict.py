"""The one verdict of an upgrade: what it breaks, what it costs, and whether it can be judged.

Exit codes: 0 nothing breaking and no count regression; 1 something breaking or a count
regression (each named); 2 could not judge (one line why). What decides:

- **breaking**: a claim whose outcome differs between FROM and TO in every run (the first
  run and the reruns agree on each side), a wire-snapshot case the upgrade report calls
  breaking, or an API change a caller can trip on (upgrade/surface.py: a public name,
  parameter or method removed, a default changed, a class hierarchy changed). A claim
  that differs in some runs only is **flaky** and reported with its rate.
- **count regression**: reports.compare's count rules (instructions, non-waiting system
  calls, connections per request), between the two sides' count runs of this job.
- **could not judge**: a suite that measured nothing, or counts missing on either side.
- wire and informational differences, API additions, packaging (Requires-Python,
  dependencies, extras) and environment differences (modules imported, loggers, where a
  default Client's trust comes from), package versions and timings are reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

EXIT_PASS, EXIT_CHANGED, EXIT_CANNOT_JUDGE = 0, 1, 2
SHOWN = 25  # rows per section in the terminal and in Markdown


@dataclass
class Finding:
    kind: str  # breaking, regression, flaky, wire, informational, api, packaging, environment
    item: str  # claim id, snapshot case or count measure
    before: str
    after: str
    note: str = ""

    def line(self) -> str:
        text = f"{self.item}: {self.before} -> {self.after}"
        return f"{text} ({self.note})" if self.note else text


@dataclass
class Verdict:
    before: str  # FROM as the user wrote it, and the installed target
    after: str
    packages: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    cannot_judge: str | None = None
    timings: list[dict[str, Any]] = field(default_factory=list)
    durations: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def of(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]

    @property
    def exit_code(self) -> int:
        if self.cannot_judge:
            return EXIT_CANNOT_JUDGE
        if self.of("breaking") or self.of("regression"):
            return EXIT_CHANGED
        return EXIT_PASS

    def headline(self) -> str:
        if self.cannot_judge:
            return f"upgrade {self.before} -> {self.after}: could not judge: {self.cannot_judge}"
        breaking, regressions = len(self.of("breaking")), len(self.of("regression"))
        if breaking or regressions:
            return (f"upgrade {self.before} -> {self.after}: CHANGES: {breaking} breaking, "
                    f"{regressions} count regression(s)")
        return (f"upgrade {self.before} -> {self.after}: no breaking change, "
                "no count regression")

    def package_lines(self) -> list[str]:
        if not self.packages:
            return ["packages: identical on both sides but the target"]
        shown = [f"{name} {old or 'absent'} -> {new or 'absent'}"
                 for name, old, new in self.packages]
        return [f"packages that differ ({len(shown)}): " + ", ".join(shown)]

    def sections(self) -> list[tuple[str, list[Finding]]]:
        return [("Breaking (API removed or changed; claims: every run agrees)",
                 self.of("breaking")),
                ("Count regressions", self.of("regression")),
                ("Count improvements", self.of("improvement")),
                ("Flaky (differs in some runs only: not a change)", self.of("flaky")),
                ("Wire differences", self.of("wire")),
                ("API added", self.of("api")),
                ("Packaging", self.of("packaging")),
                ("Environment", self.of("environment")),
                ("Informational", self.of("informational"))]

    def text(self) -> str:
        """For the terminal: the headline first and last, each a paragraph of its own
        (reports/terminal.py wraps the lines to 100 columns)."""
        lines = [self.headline(), "", *self.package_lines()]
        for title, findings in self.sections():
            if not findings:
                continue
            lines.append(f"{title}: {len(findings)}")
            lines += [f"  - {f.line()}" for f in findings[:SHOWN]]
            if len(findings) > SHOWN:
                lines.append(f"  ... and {len(findings) - SHOWN} more (verdict.md)")
        lines += self.timing_lines()
        lines += self.notes
        lines += ["", self.headline()]
        return "\n".join(lines)

    def timing_lines(self) -> list[str]:
        if not self.timings:
            return []
        lines = ["timings (inform, never gate): TO/FROM client CPU, median [95% CI]"]
        for t in self.timings:
            if t["cpu_ratio_low"] is None:
                lines.append(f"  - {t['scenario']}: {t['verdict']}"
                             + (f" ({t['error']})" if t["error"] else ""))
            else:
                lines.append(f"  - {t['scenario']}: {t['cpu_ratio']:.3f} "
                             f"[{t['cpu_ratio_low']:.3f}-{t['cpu_ratio_high']:.3f}] "
                             f"{t['verdict']}; wall {t['wall_ratio']:.3f}")
        return lines

    def markdown(self) -> str:
        code = self.exit_code
        mark = {0: "pass", 1: "changes", 2: "could not judge"}[code]
        lines = [f"### Upgrade verdict: {mark} (exit {code})", "", f"**{self.headline()}**", ""]
        lines += [f"- {line}" for line in self.package_lines()]
        for title, findings in self.sections():
            if not findings:
                continue
            lines += ["", f"#### {title}: {len(findings)}", "",
                      "| item | FROM | TO | note |", "|---|---|---|---|"]
            lines += [f"| `{f.item}` | {cell(f.before)} | {cell(f.after)} | {cell(f.note)} |"
                      for f in findings[:SHOWN * 4]]
        if self.timings:
            lines += ["", "#### Timings (inform, never gate)", "",
                      "| scenario | TO/FROM client CPU, median [95% CI] | wall | verdict |",
                      "|---|---|---|---|"]
            for t in self.timings:
                ratio = ("-" if t["cpu_ratio_low"] is None else
                         f"{t['cpu_ratio']:.3f} [{t['cpu_ratio_low']:.3f}-"
                         f"{t['cpu_ratio_high']:.3f}]")
                wall = "-" if t["wall_ratio"] is None else f"{t['wall_ratio']:.3f}"
                lines.append(f"| {t['scenario']} | {ratio} | {wall} | {t['verdict']} |")
        if self.durations:
            lines += ["", "Took: " + ", ".join(f"{k} {v:.0f} s"
                                               for k, v in self.durations.items())]
        lines += [f"- {note}" for note in self.notes]
        return "\n".join(lines) + "\n"

    def as_json(self) -> str:
        return json.dumps({
            "before": self.before, "after": self.after, "exit_code": self.exit_code,
            "headline": self.headline(), "cannot_judge": self.cannot_judge,
            "packages": [{"name": n, "before": o, "after": a} for n, o, a in self.packages],
            "findings": [vars(f) for f in self.findings], "timings": self.timings,
            "durations": self.durations, "notes": self.notes}, indent=2)


def cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")[:300]
