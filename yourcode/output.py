"""The comparison for people: a terminal summary (lines within 100 columns) and Markdown for
a PR comment; and for the HTML report: the JSON result (a new file, never overwritten)."""

from __future__ import annotations

from typing import Any

from yourcode.alias import how
from yourcode.compare import Comparison

WIDTH = 100
SCHEMA = "httpx-harness/your-code"
SCHEMA_VERSION = 1
SHOWN = 30  # changes listed in the terminal; the JSON and Markdown hold them all


def fit(text: str) -> str:
    """One line within WIDTH columns, cut at the end (indentation kept)."""
    text = " ".join(text.split("\n"))
    return text if len(text) <= WIDTH else text[:WIDTH - 4] + " ..."


def side_line(name: str, side: dict[str, Any]) -> str:
    code = side.get("returncode")
    state = "timed out" if code is None else side.get("last_line", "")
    return fit(f"{name} {side['given']}: {state} ({side['seconds']:.0f} s, "
               f"{side['requests']} requests recorded)")


def varies_line(result: dict[str, Any], comparison: Comparison) -> str:
    """What the second run of FROM found varying, and what that run cost."""
    varies = comparison.varies
    if varies is None:
        return "varies between runs: not measured (--no-baseline): noise reads as change"
    baseline = result.get("baseline", {})
    where = "beside TO" if baseline.get("mode") == "parallel" else "after TO"
    return (f"varies between runs: {counted(varies['requests'], 'request')}, "
            f"{counted(varies['tests'], 'test')} (not counted; FROM's second run: "
            f"{baseline.get('seconds', 0):.0f} s {where})")


def counted(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def alias_lines(result: dict[str, Any]) -> list[str]:
    return [f"{name}: `import {alias}` gave {module} in the project's suite (aliased by "
            f"{how(module)})"
            for name, side in result.get("sides", {}).items()
            for alias, module in side.get("aliases", {}).items()]


def terminal(result: dict[str, Any], comparison: Comparison | None) -> list[str]:
    lines = [fit(f"your-code: {result['from']} -> {result['to']} on {result['project']}"),
             fit(f"test dependencies: {result['dependencies']}")]
    if result["unresolved"]:
        lines.append(fit(f"not resolved: {'; '.join(result['unresolved'])}"))
    if result.get("network"):
        lines.append(fit(f"network: {result['network']}"))
    lines += [fit(line) for line in result.get("declared", [])]
    lines += [side_line(name, side) for name, side in result.get("sides", {}).items()]
    lines += [fit(line) for line in alias_lines(result)]
    if comparison is None:
        lines.append(fit(f"COULD NOT RUN: {result['reason']}"))
        return lines
    lines.append(fit(varies_line(result, comparison)))
    lines += [fit(f"  e.g. {example}") for example in (comparison.varies or {}).get(
        "examples", [])[:3]]
    if comparison.user_agent:
        lines.append(fit(f"User-Agent on every request: {comparison.user_agent} (not counted)"))
    if not comparison.changed:
        lines.append(f"UNCHANGED: {comparison.tests} tests, same outcomes, same requests")
        return lines
    lines.append(f"CHANGED: {len(comparison.outcomes)} test outcomes, {len(comparison.requests)}"
                 f" requests, {len(comparison.exceptions)} exception classes")
    shown = 0
    for outcome in comparison.outcomes:
        lines.append(fit(f"  outcome  {outcome.test}: {outcome.before} -> {outcome.after}"))
        if outcome.crash:
            lines.append(fit(f"           {outcome.crash}"))
        shown += 1
    for change in comparison.requests[:max(0, SHOWN - shown)]:
        lines.append(fit(f"  request  {change.test} #{change.order} {change.request}"))
        for difference in change.differences:
            lines.append(fit(f"           {difference.area}: {difference.detail}"))
    hidden = len(comparison.requests) - max(0, SHOWN - shown)
    if hidden > 0:
        lines.append(f"  ... {hidden} more changed requests in the JSON and Markdown")
    for error in comparison.exceptions:
        lines.append(fit(f"  raises   {error.test} #{error.order} {error.request}: "
                         f"{error.before} -> {error.after}"))
    return lines


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(result: dict[str, Any], comparison: Comparison | None) -> str:
    title = f"### Will our code break? `{result['from']}` -> `{result['to']}`"
    lines = [title, "", f"Project: `{result['project']}`; test dependencies: "
             f"{result['dependencies']}."]
    if result["unresolved"]:
        lines.append(f"Not resolved: {'; '.join(result['unresolved'])}.")
    lines.append("")
    for name, side in result.get("sides", {}).items():
        state = "timed out" if side.get("returncode") is None else side.get("last_line", "")
        lines.append(f"- {name} `{side['given']}`: {state} ({side['seconds']:.0f} s, "
                     f"{side['requests']} requests)")
    lines += [f"- {line}" for line in [*result.get("declared", []), *alias_lines(result)]]
    lines.append("")
    if comparison is None:
        return "\n".join([*lines, f"**Could not run:** {result['reason']}", ""])
    lines += [varies_line(result, comparison) + ".", ""]
    if comparison.user_agent:
        lines += [f"User-Agent on every request: `{comparison.user_agent}` (not counted).", ""]
    if not comparison.changed:
        return "\n".join([*lines, f"**Unchanged:** {comparison.tests} tests, same outcomes "
                          "and the same requests byte for byte.", ""])
    lines.append(f"**Changed:** {len(comparison.outcomes)} test outcomes, "
                 f"{len(comparison.requests)} requests, {len(comparison.exceptions)} "
                 "exception classes.")
    if comparison.outcomes:
        lines += ["", "| test | FROM | TO | failure |", "| --- | --- | --- | --- |"]
        lines += [f"| `{cell(o.test)}` | {o.before} | {o.after} | {cell(o.crash or '')} |"
                  for o in comparison.outcomes]
    if comparison.requests:
        lines += ["", "| test | # | request | area | bytes |", "| --- | --- | --- | --- | --- |"]
        for change in comparison.requests:
            for difference in change.differences:
                lines.append(f"| `{cell(change.test)}` | {change.order} | "
                             f"`{cell(change.request)}` | {difference.area} | "
                             f"`{cell(difference.detail)}` |")
    if comparison.exceptions:
        lines += ["", "| test | # | request | FROM raised | TO raised |",
                  "| --- | --- | --- | --- | --- |"]
        lines += [f"| `{cell(e.test)}` | {e.order} | `{cell(e.request)}` | {e.before} | "
                  f"{e.after} |" for e in comparison.exceptions]
    return "\n".join([*lines, ""])
