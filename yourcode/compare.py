"""FROM's recording against TO's: tests whose outcome changed, requests that changed, and
exceptions that changed class. Requests are paired by (test, order within the test). Given a
second run of FROM (yourcode.noise), what varies between runs is normalised first and not
counted as a change."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from yourcode.areas import USER_AGENT_VERSION, Difference, differences
from yourcode.noise import Noise, normalised
from yourcode.records import Recording


@dataclass
class OutcomeChange:
    test: str
    before: str
    after: str
    crash: str | None  # TO's failure line, else FROM's


@dataclass
class RequestChange:
    test: str
    order: int
    request: str  # "POST /path?query" as FROM sent it (TO's where FROM sent none)
    differences: list[Difference] = field(default_factory=list)

    @property
    def areas(self) -> list[str]:
        return list(dict.fromkeys(d.area for d in self.differences))


@dataclass
class ExceptionChange:
    test: str
    order: int
    request: str
    before: str | None
    after: str | None


@dataclass
class Comparison:
    outcomes: list[OutcomeChange]
    requests: list[RequestChange]
    exceptions: list[ExceptionChange]
    tests: int  # tests seen on either side
    requests_seen: tuple[int, int]
    user_agent: str | None = None  # "old -> new" where only the client's own version moved
    varies: dict[str, Any] | None = None  # Noise.summary(); None: no second run of FROM

    @property
    def changed(self) -> bool:
        return bool(self.outcomes or self.requests or self.exceptions)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for change, entry in zip(self.requests, data["requests"], strict=True):
            entry["areas"] = change.areas
        return data


def label(entry: dict[str, Any]) -> str:
    return f"{entry['method']} {entry['target']}"


def exception_name(entry: dict[str, Any] | None) -> str | None:
    error = (entry or {}).get("exception")
    return error["type"] if error else None


def compare(before: Recording, after: Recording, noise: Noise | None = None) -> Comparison:
    quiet = noise or Noise()
    if noise is not None:
        before, after = normalised(noise, before, after)
    tests = sorted(set(before.outcomes) | set(after.outcomes))
    outcomes = []
    for test in tests:
        if test in quiet.outcomes:
            continue
        old = before.outcomes.get(test, {}).get("outcome", "absent")
        new = after.outcomes.get(test, {}).get("outcome", "absent")
        if old != new:
            crash = after.outcomes.get(test, {}).get("crash") or \
                before.outcomes.get(test, {}).get("crash")
            outcomes.append(OutcomeChange(test, old, new, crash))
    requests, exceptions = [], []
    user_agent = None
    for key in sorted(set(before.requests) | set(after.requests)):
        old, new = before.requests.get(key), after.requests.get(key)
        shown = label(old or new)  # type: ignore[arg-type]
        if (old is None or new is None) and key in quiet.unpaired:
            continue
        if old is None or new is None:
            side = "TO only" if old is None else "FROM only"
            requests.append(RequestChange(*key, shown, [Difference("request", side)]))
        else:
            found = differences(old, new)
            for difference in found:
                if difference.area == USER_AGENT_VERSION:
                    user_agent = difference.detail.partition(": ")[2]
            found = [d for d in found if d.area != USER_AGENT_VERSION]
            if found:
                requests.append(RequestChange(*key, shown, found))
        if exception_name(old) != exception_name(new) and old and new \
                and key not in quiet.exceptions:
            exceptions.append(ExceptionChange(*key, shown, exception_name(old),
                                              exception_name(new)))
    return Comparison(outcomes, requests, exceptions, len(tests),
                      (len(before.requests), len(after.requests)), user_agent,
                      noise.summary() if noise is not None else None)
