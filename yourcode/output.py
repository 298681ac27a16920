"""The comparison for people: a terminal summary (lines within 100 columns) and Markdown for
a PR comment; and for the HTML report: the JSON result (a new file, never overwritten)."""

from __future__ import annotations

from typing import Any

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


def terminal(result: dict[str, Any], comparison: Comparison | None) -> list[str]:
    lines = [fit(f"your-code: {result['from']} -> {result['to']} on {result['project']}"),
             fit(f"test dependencies: {result['dependencies']}")]
    if result["unresolved"]:
        lines.append(fit(f"not resolved: {'; '.join(result['unresolved'])}"))
    if result.get("network"):
        lines.append(fit(f"network: {result['network']}"))
    lines += [side_line(name, side) for name, side in result.get("sides", {}).items()]
    if comparison is None:
        lines.append(fit(f"COULD NOT RUN: {result['reason']}"))
        return lines
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
    lines.append("")
    if comparison is None:
        return "\n".join([*lines, f"**Could not run:** {result['reason']}", ""])
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
