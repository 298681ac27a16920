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
          outcome_differs: Callable[[Run, Run], bool] | None = None,
          names: tuple[str, str] = ("FROM", "TO")) -> tuple[str, str]:
    """(``category``, how often it was seen) when every pairing of runs across the targets
    differs; (``flaky``, its rate) when some pairing agrees, or when the runs of one target
    vary among themselves and the outcome (``outcome_differs``, coarser than ``differ``)
    does not differ in every pairing with each target's outcome steady: a broken claim
    whose message varies is still broken in every run, a duration that varies is noise.
    ``before`` and ``after`` are one item's runs on each target, first run first."""
    total = len(before) * len(after)
    across = sum(differ(a, b) for a in before for b in after)
    unstable = varying(differ, before, after, names)
    if across == total and not unstable:
        return category, seen(len(before), len(after), names)
    if (across == total and outcome_differs is not None
            and all(outcome_differs(a, b) for a in before for b in after)
            and not varying(outcome_differs, before, after, names)):
        return category, (f"outcome differs {seen(len(before), len(after), names)}; the "
                          f"value varies between runs of {' and '.join(unstable)}")
    return FLAKY, (f"differs in {across} of {total} {names[0]}/{names[1]} pairings of runs; "
                   f"varies between runs of {' and '.join(unstable) or 'neither side'}")


def varying(differ: Callable[[Run, Run], bool], before: Sequence[Run], after: Sequence[Run],
            names: tuple[str, str]) -> list[str]:
    """The targets whose runs differ among themselves."""
    return [name for name, runs in zip(names, (before, after), strict=True)
            if any(differ(x, y) for i, x in enumerate(runs) for y in runs[i + 1:])]


def settled(before: str, after: str) -> bool:
    """Whether a row's difference is one of API shape (its values as the report shows
    them: ``missing-api: ...``, ``unsupported: ...``), so running it again tells nothing."""
    return any(str(value).startswith(SHAPE_OUTCOMES) for value in (before, after))


def seen(before: int, after: int, names: tuple[str, str] = ("FROM", "TO")) -> str:
    if before == after:
        return f"in {before} of {before} runs a side" if before > 1 else "one run a side"
    return f"in every run: {before} of {names[0]}, {after} of {names[1]}"

