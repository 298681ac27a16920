"""A difference seen again, or noise: the one rule for "flaky, with its rate".

A claim or wire case that differs between two targets is run again on both (the upgrade,
``python -m reports rerun`` in the main run, the release timeline and bisection); the runs
of each target are kept in ``<run>/<target>~rerun/`` (``harness.schema.RERUN_SUFFIX``).
A difference is a change only when every run of one target differs from every run of the
other and the runs of each target agree among themselves; otherwise it is ``flaky``, with
the share of pairings that differed. Which items to run again, and how many times, is
decided here too, so every caller runs the same number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

FLAKY = "flaky"
RERUNS = 2  # each differing claim or case runs this many more times on each target
# Outcomes the target's API decides (no such name or argument, an input it cannot express,
# not importable), not timing: a difference to or from one is not run again.
SHAPE_OUTCOMES = ("missing-api", "unsupported", "not-installed")
SETTLED = "decided by the API (missing-api or unsupported): not run again"

Run = TypeVar("Run")


def judge(category: str, before: Sequence[Run], after: Sequence[Run],
          differ: Callable[[Run, Run], bool],
          names: tuple[str, str] = ("FROM", "TO")) -> tuple[str, str]:
    """(``category``, how often it was seen) when every run agrees; (``flaky``, its rate)
    when any pairing of runs across the targets, or any two runs of one target, disagree.
    ``before`` and ``after`` are one item's runs on each target, first run first."""
    total = len(before) * len(after)
    across = sum(differ(a, b) for a in before for b in after)
    unstable = [name for name, runs in zip(names, (before, after), strict=True)
                if any(differ(x, y) for i, x in enumerate(runs) for y in runs[i + 1:])]
    if across == total and not unstable:
        return category, seen(len(before), len(after), names)
    return FLAKY, (f"differs in {across} of {total} {names[0]}/{names[1]} pairings of runs; "
                   f"varies between runs of {' and '.join(unstable) or 'neither side'}")


def settled(before: str, after: str) -> bool:
    """Whether a row's difference is one of API shape (its values as the report shows
    them: ``missing-api: ...``, ``unsupported: ...``), so running it again tells nothing."""
    return any(str(value).startswith(SHAPE_OUTCOMES) for value in (before, after))


def seen(before: int, after: int, names: tuple[str, str] = ("FROM", "TO")) -> str:
    if before == after:
        return f"in {before} of {before} runs a side" if before > 1 else "one run a side"
    return f"in every run: {before} of {names[0]}, {after} of {names[1]}"

