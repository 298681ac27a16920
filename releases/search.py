"""The first release of a range where each difference appeared: a bisection over releases.

Releases are indexed 0 (FROM) to n-1 (TO). ``changes_at(i)`` measures release i (once: the
caller caches) and returns its changes against FROM, or None when the release cannot be
measured (it does not install, import or run). For each difference of TO, the search keeps
a bracket: the last release known not to have it and the first known to have it, both
read from every release measured so far (so a release measured for one difference narrows
every other), and measures the release nearest the middle until the bracket closes.

A release that cannot be measured is left out of the bracket's middle and the search goes
on with its neighbours: the release nearest the middle among those not yet failed, so each
step still halves what is left (asv's `find` falls back to a linear scan instead). When
only failed releases lie between the bracket's ends, the answer is honest about it: the
change appeared in one of them or at the bracket's end, all named.

Exact as long as a change, once made, stays (counts are deterministic); a change that came
and went is found at one of its transitions: the timeline lists every release where an
item changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol


class Comparable(Protocol):
    def matches(self, other: Comparable) -> bool: ...


@dataclass
class Attribution:
    difference: Comparable
    first: int  # index of the first release measured to have it
    last_without: int  # index of the last release measured not to have it
    unmeasured: list[int] = field(default_factory=list)  # failed releases in between

    @property
    def exact(self) -> bool:
        return not self.unmeasured


def has(changes: Sequence[Comparable] | None, difference: Comparable) -> bool | None:
    if changes is None:
        return None
    return any(difference.matches(change) for change in changes)


def bracket(known: dict[int, Sequence[Comparable] | None], difference: Comparable,
            last: int) -> tuple[int, int]:
    """(last release without, first release with) from the releases measured so far."""
    first = min((i for i, found in known.items() if has(found, difference)), default=last)
    without = max(i for i, found in known.items()
                  if i < first and has(found, difference) is False)
    return without, first


def first_releases(count: int, differences: Sequence[Comparable],
                   changes_at: Callable[[int], Sequence[Comparable] | None],
                   ) -> list[Attribution]:
    """Each difference's first release among ``count`` releases (0 and count-1 measured:
    release 0 has none of the differences, release count-1 has them all)."""
    known: dict[int, Sequence[Comparable] | None] = {0: [], count - 1: list(differences)}
    failed: set[int] = set()
    found = []
    for difference in differences:
        for _ in range(count):  # bounded: each step measures or rules out one release
            without, first = bracket(known, difference, count - 1)
            inside = [i for i in range(without + 1, first) if i not in failed]
            if not inside:
                break
            middle = (without + first) / 2
            probe = min(inside, key=lambda i: (abs(i - middle), i))
            if probe not in known:
                known[probe] = changes_at(probe)
            if known[probe] is None:
                failed.add(probe)
        without, first = bracket(known, difference, count - 1)
        found.append(Attribution(difference, first, without,
                                 [i for i in range(without + 1, first) if i in failed]))
    return found
