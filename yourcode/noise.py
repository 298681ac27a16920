"""What differs between two runs of the same suite on the same client: noise, not change.

FROM's suite runs twice (an A/A baseline). Whatever differs between those two runs — a free
port in a redirect_uri, a timestamp, a nonce, a test id embedding ``time.time()``, a flaky
outcome, a retry that sometimes happens — would differ between FROM and TO too, so it is
normalised before FROM and TO are compared:

- **test ids** present in one A/A run only are paired (same test function, most alike id);
  the pair's differing tokens become a pattern (``test_expires_at\\[.*?\\]``), and a TO id
  matching it is read as the FROM test it stands for;
- **request bytes**: in each field (origin, target, each header value, body) the runs'
  differing bytes, widened to the token around them (a run of letters, digits, ``_.~``),
  are masked in FROM; the same places in TO, found by aligning TO's bytes with FROM's, are
  masked too. What differs outside the masked tokens (an escaping change next to a port,
  say) is still compared and reported;
- **outcomes, exception classes, response statuses, requests sent in one run only** that
  differ between the two runs are not counted as changes.

The masked bytes read ``VARIES`` (``0`` where FROM's token is a number, so a JSON body stays
JSON and its encoding change is still named).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from yourcode.records import Key, Recording

TOKEN = re.compile(r"[A-Za-z0-9_.~]")
NUMBER = re.compile(r"[0-9.]+")
ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
ALIGN_LIMIT = 16 * 1024  # longer texts that differ are masked whole (alignment is quadratic)
SHOWN = 5  # examples of masked bytes kept for the summary
Span = tuple[int, int]


@dataclass
class Noise:
    """What varies between two runs of FROM, keyed by FROM's (first run's) names."""

    rename: list[tuple[re.Pattern[str], str]] = field(default_factory=list)  # id pattern -> id
    outcomes: set[str] = field(default_factory=set)  # tests whose outcome or presence varies
    tests: set[str] = field(default_factory=set)  # ... or whose id varies
    masks: dict[Key, dict[str, list[Span]]] = field(default_factory=dict)
    statuses: set[Key] = field(default_factory=set)
    exceptions: set[Key] = field(default_factory=set)
    unpaired: set[Key] = field(default_factory=set)  # sent in one A/A run only
    examples: list[str] = field(default_factory=list)

    @property
    def requests(self) -> set[Key]:
        return set(self.masks) | self.statuses | self.exceptions | self.unpaired

    def summary(self) -> dict[str, Any]:
        return {"requests": len(self.requests), "tests": len(self.tests | self.outcomes),
                "test_ids": len(self.rename), "outcomes": len(self.outcomes),
                "examples": self.examples}


# -- spans of varying bytes -------------------------------------------------------------------
def widened(text: str, start: int, end: int) -> Span:
    """[start, end) grown to the whole tokens it touches (a percent-escape's hex digits
    before it are not part of the token: ``%3A43713`` masks ``43713``)."""
    while start > 0 and TOKEN.match(text[start - 1]) and not ESCAPE.fullmatch(
            text[max(0, start - 3):start]):
        start -= 1
    while end < len(text) and TOKEN.match(text[end]):
        end += 1
    return start, end


def merged(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def opcodes(a: str, b: str) -> list[tuple[str, int, int, int, int]]:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()


def varying(a: str, b: str) -> list[Span]:
    """The spans of ``a`` (whole tokens) where ``b`` differs."""
    if a == b:
        return []
    if len(a) > ALIGN_LIMIT or len(b) > ALIGN_LIMIT:
        return [(0, len(a))]
    return merged([widened(a, i1, i2) for tag, i1, i2, _, _ in opcodes(a, b) if tag != "equal"])


Mask = tuple[int, int, str]  # a span and what it reads as once masked


def marks(text: str, spans: list[Span]) -> list[Mask]:
    return [(s, e, "0" if NUMBER.fullmatch(text[s:e]) else "VARIES") for s, e in spans]


def carried(found: list[Mask], a: str, c: str) -> list[Mask]:
    """``a``'s masks placed on ``c``: each end mapped through the alignment of ``a`` with
    ``c`` (inside a differing block, to that block's edge), then widened to ``c``'s tokens."""
    if not found:
        return []
    if len(a) > ALIGN_LIMIT or len(c) > ALIGN_LIMIT:
        return [(0, len(c), found[0][2])]
    blocks = opcodes(a, c)

    def start_of(i: int) -> int:  # where a's byte i lands on c
        for tag, i1, i2, j1, _ in blocks:
            if i1 <= i < i2:
                return j1 + (i - i1) if tag == "equal" else j1
        return len(c)

    def end_of(i: int) -> int:  # where a's bytes up to (not including) i end on c
        for tag, i1, i2, j1, j2 in blocks:
            if i1 < i <= i2:
                return j1 + (i - i1) if tag == "equal" else j2
        return 0

    placed: list[Mask] = []
    for s, e, marker in found:
        start = start_of(s)
        end = max(start, end_of(e)) if e > s else start
        while start < end and not TOKEN.match(c[start]):  # an aligned block's edge may be
            start += 1  # punctuation that is not part of the varying token
        while end > start and not TOKEN.match(c[end - 1]):
            end -= 1
        start, end = widened(c, start, end)
        if placed and start <= placed[-1][1]:  # two masks that meet on c read as one
            placed[-1] = (placed[-1][0], max(placed[-1][1], end), placed[-1][2])
        else:
            placed.append((start, end, marker))
    return placed


def masked(text: str, found: list[Mask]) -> str:
    out, at = [], 0
    for start, end, marker in found:
        out += [text[at:start], marker]
        at = end
    return "".join([*out, text[at:]])


# -- a request's fields ------------------------------------------------------------------------
def fields(entry: dict[str, Any]) -> dict[str, str]:
    """The texts of a request that can vary, by a name stable across runs."""
    out = {"origin": entry["origin"], "target": entry["target"], "body": entry["body"]}
    seen: dict[str, int] = {}
    for name, value in entry["headers"]:
        n = seen[name.lower()] = seen.get(name.lower(), 0) + 1
        out[f"header {name.lower()} {n}"] = value
    return out


def with_fields(entry: dict[str, Any], texts: dict[str, str]) -> dict[str, Any]:
    seen: dict[str, int] = {}
    headers = []
    for name, value in entry["headers"]:
        n = seen[name.lower()] = seen.get(name.lower(), 0) + 1
        headers.append([name, texts.get(f"header {name.lower()} {n}", value)])
    return {**entry, "origin": texts["origin"], "target": texts["target"],
            "body": texts["body"], "headers": headers}


# -- test ids ---------------------------------------------------------------------------------
def function_of(test: str) -> str:
    return test.partition("[")[0]


def pattern(a: str, b: str) -> re.Pattern[str]:
    """A pattern matching ``a``, ``b`` and any id differing from them only in those tokens."""
    parts, at = [], 0
    for start, end in varying(a, b):
        parts += [re.escape(a[at:start]), ".*?"]
        at = end
    return re.compile("".join([*parts, re.escape(a[at:])]))


def pair_ids(only_first: list[str], only_second: list[str]) -> list[tuple[str, str]]:
    """Ids seen in one run only, paired across the runs: same test function, most alike."""
    pairs, left = [], list(only_second)
    for a in only_first:
        candidates = [b for b in left if function_of(b) == function_of(a)]
        if not candidates:
            continue
        b = max(candidates, key=lambda c: difflib.SequenceMatcher(None, a, c).ratio())
        left.remove(b)
        pairs.append((a, b))
    return pairs


def renamed(recording: Recording, names: dict[str, str]) -> Recording:
    if not names:
        return recording
    return Recording(
        requests={(names.get(t, t), o): {**e, "test": names.get(t, t)}
                  for (t, o), e in recording.requests.items()},
        outcomes={names.get(t, t): {**e, "test": names.get(t, t)}
                  for t, e in recording.outcomes.items()},
        clients=recording.clients, problems=recording.problems, aliases=recording.aliases)


def names_for(noise: Noise, first: Recording, other: Recording) -> dict[str, str]:
    """``other``'s ids that stand for one of ``first``'s varying ids."""
    taken = set(first.outcomes) & set(other.outcomes)
    names = {}
    for test in other.outcomes:
        if test in first.outcomes:
            continue
        for regex, original in noise.rename:
            if original not in taken and regex.fullmatch(test):
                names[test] = original
                taken.add(original)
                break
    return names


# -- the baseline ---------------------------------------------------------------------------
def baseline(first: Recording, second: Recording) -> Noise:
    """What differs between two runs of FROM (``second`` read under ``first``'s ids)."""
    noise = Noise()
    only_first = [t for t in first.outcomes if t not in second.outcomes]
    only_second = [t for t in second.outcomes if t not in first.outcomes]
    pairs = pair_ids(only_first, only_second)
    noise.rename = [(pattern(a, b), a) for a, b in pairs]
    noise.tests = {a for a, _ in pairs}
    second = renamed(second, {b: a for a, b in pairs})
    for test in set(first.outcomes) | set(second.outcomes):
        one, two = first.outcomes.get(test), second.outcomes.get(test)
        if one is None or two is None or one["outcome"] != two["outcome"]:
            noise.outcomes.add(test)
    for key in set(first.requests) | set(second.requests):
        one, two = first.requests.get(key), second.requests.get(key)
        if one is None or two is None:
            noise.unpaired.add(key)
            continue
        if one.get("status") != two.get("status"):
            noise.statuses.add(key)
        if (one.get("exception") or {}).get("type") != (two.get("exception") or {}).get("type"):
            noise.exceptions.add(key)
        texts_one, texts_two = fields(one), fields(two)
        spans = {name: varying(text, texts_two.get(name, ""))
                 for name, text in texts_one.items() if text != texts_two.get(name, text)}
        spans = {name: found for name, found in spans.items() if found}
        if spans:
            noise.masks[key] = spans
            for name, found in spans.items():
                if len(noise.examples) < SHOWN:
                    s, e = found[0]
                    noise.examples.append(f"{key[0]} #{key[1]} {name}: {texts_one[name][s:e]!r}"
                                          f" / {texts_two[name][s:e]!r}"[:200])
    return noise


def normalised(noise: Noise, first: Recording, to: Recording) -> tuple[Recording, Recording]:
    """``first`` and ``to`` with TO's varying ids read as FROM's and varying bytes masked."""
    to = renamed(to, names_for(noise, first, to))
    first_requests, to_requests = dict(first.requests), dict(to.requests)
    for key, spans in noise.masks.items():
        one, other = first_requests.get(key), to_requests.get(key)
        if one is None:
            continue
        texts_one = fields(one)
        texts_other = fields(other) if other is not None else {}
        for name, found in spans.items():
            mine = marks(texts_one[name], found)
            if name in texts_other:
                texts_other[name] = masked(texts_other[name],
                                           carried(mine, texts_one[name], texts_other[name]))
            texts_one[name] = masked(texts_one[name], mine)
        first_requests[key] = with_fields(one, texts_one)
        if other is not None:
            to_requests[key] = with_fields(other, texts_other)
    for key in noise.statuses:
        for requests in (first_requests, to_requests):
            if key in requests:
                requests[key] = {**requests[key], "status": None}
    return (Recording(first_requests, first.outcomes, first.clients, first.problems,
                      first.aliases),
            Recording(to_requests, to.outcomes, to.clients, to.problems, to.aliases))
