"""Per-target expectations: which claims are known not to hold, and why.

``expectations/<target>.toml`` lists every claim whose outcome on that target is not
``holds``; a claim not listed is expected to hold. A run whose outcomes differ from the
file fails, so a new behaviour is accepted by rewriting the file from a run and reviewing
the diff::

    python -m conformance.expectations write results/<run>/<target>/conformance.json

Version claims (a changelog entry, with ``since``/``until`` in the catalogue) need no line:
on a target named ``httpx-<version>`` (optionally followed by ``-<variant>``, e.g.
``httpx-0.28.1-urllib3-1.26``), a claim whose range excludes that version is expected
``broken`` (or the claim's ``before``/``after`` outcome). A line in the file overrides this
derived expectation; the writer writes a line only where a run differs from it. Forks and
other targets get no derived expectations: their version numbers are not httpx's.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from conformance.catalogue import Claim, load_catalogue, tomllib
from harness.schema import OUTCOMES

EXPECTATIONS_DIR = Path(__file__).with_name("expectations")
HEADER = """\
# Known deviations of {target} from the documented claims (conformance/claims.toml).
# A claim not listed here is expected to hold. Written by
#   python -m conformance.expectations write <conformance.json>
# from a reviewed run; edit the notes by hand, they are kept on the next write.
"""


@dataclass(frozen=True)
class Expectation:
    outcome: str
    note: str = ""
    requests: str = "holds"  # the requests side of a difference claim


class ExpectationsError(ValueError):
    """An expectations file is malformed; the message names the file."""


def expectations_path(target: str) -> Path:
    return EXPECTATIONS_DIR / f"{target}.toml"


HTTPX_TARGET = re.compile(r"^httpx-(?P<version>\d[0-9a-z.]*?)(?:-[a-z].*)?$")


def httpx_version(target: str) -> Version | None:
    """The httpx version a target name stands for (``httpx-0.27.2`` → 0.27.2), else None."""
    match = HTTPX_TARGET.match(target)
    if not match:
        return None
    try:
        return Version(match["version"])
    except InvalidVersion:
        return None


def derived_expectations(target: str, catalogue: dict[str, Claim]) -> dict[str, Expectation]:
    """What the claims' version ranges say about this target, for claims outside theirs."""
    version = httpx_version(target)
    if version is None:
        return {}
    derived = {}
    for claim_id, claim in catalogue.items():
        outcome = claim.expected_on(version)
        if outcome != "holds":
            span = " ".join(f"{word} {v}" for word, v in (
                ("from", claim.since), ("until", claim.until)) if v)
            derived[claim_id] = Expectation(outcome, f"version claim: holds {span}; "
                                                     f"this target is httpx {version}")
    return derived


def load_expectations(target: str, path: Path | None = None,
                      catalogue: dict[str, Claim] | None = None) -> dict[str, Expectation]:
    """Expected outcomes by claim id: the target's file over the derived version ones."""
    derived = derived_expectations(target, load_catalogue() if catalogue is None else catalogue)
    return {**derived, **load_file(target, path)}


def load_file(target: str, path: Path | None = None) -> dict[str, Expectation]:
    """The lines of the target's expectations file (empty if it has none yet)."""
    path = path or expectations_path(target)
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ExpectationsError(f"{path}: {error}") from None
    result: dict[str, Expectation] = {}
    for claim_id, entry in data.get("claims", {}).items():
        entry = entry if isinstance(entry, dict) else {}
        outcome, requests = entry.get("outcome", "holds"), entry.get("requests", "holds")
        if outcome not in OUTCOMES or requests not in OUTCOMES:
            raise ExpectationsError(f"{path}: claim {claim_id} has outcome {outcome!r} / "
                                    f"requests {requests!r}; each must be one of "
                                    f"{', '.join(OUTCOMES)}")
        result[claim_id] = Expectation(outcome, str(entry.get("note", "")), requests)
    return result


def expected_outcome(expectations: dict[str, Expectation], claim_id: str) -> Expectation:
    return expectations.get(claim_id, Expectation("holds"))


def render(target: str, claims: dict[str, Expectation]) -> str:
    """The TOML text of an expectations file, claims in id order."""
    import tomli_w  # only the writer needs it, not a conformance run

    table: dict[str, dict] = {"claims": {}}
    for cid, e in sorted(claims.items()):
        entry = {"outcome": e.outcome}
        if e.requests != "holds":
            entry["requests"] = e.requests
        table["claims"][cid] = {**entry, "note": e.note}
    return HEADER.format(target=target) + "\n" + tomli_w.dumps(table)


def from_result(document: dict, previous: dict[str, Expectation],
                derived: dict[str, Expectation] | None = None) -> dict[str, Expectation]:
    """The file's lines matching a run; earlier notes are kept, new lines get the message.

    A line is written only where the run differs from the default: ``holds``, or for a
    version claim the ``derived`` expectation. Claims absent from the run (a partial run)
    keep their earlier line.
    """
    derived = derived or {}
    run_ids = {claim["id"] for claim in document["claims"]}
    updated = {cid: e for cid, e in previous.items() if cid not in run_ids}
    for claim in document["claims"]:
        requests = (claim.get("requests") or {}).get("outcome", "holds")
        default = derived.get(claim["id"], Expectation("holds"))
        if (claim["outcome"], requests) == (default.outcome, default.requests):
            continue
        earlier = previous.get(claim["id"])
        same = earlier is not None and (earlier.outcome, earlier.requests) == (
            claim["outcome"], requests)
        message = claim["message"] or (claim.get("requests") or {}).get("message", "")
        note = earlier.note if same and earlier.note else f"observed: {message or claim['outcome']}"
        updated[claim["id"]] = Expectation(claim["outcome"], note, requests)
    return updated


def write_command(result_path: Path, target: str | None) -> Path:
    try:
        document = json.loads(result_path.read_text(encoding="utf-8"))
        claims = document["claims"]
        target = target or document["environment"]["target"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ExpectationsError(f"{result_path}: not a conformance.json ({error})") from None
    if not isinstance(claims, list):
        raise ExpectationsError(f"{result_path}: 'claims' is not a list")
    path = expectations_path(target)
    derived = derived_expectations(target, load_catalogue())
    text = render(target, from_result(document, load_file(target), derived))
    path.write_text(text, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.expectations",
                                     description="Accept a run's outcomes as the expectations "
                                     "of its target.")
    sub = parser.add_subparsers(dest="command", required=True)
    write = sub.add_parser("write", help="write expectations/<target>.toml from conformance.json")
    write.add_argument("result", type=Path, help="a conformance.json written by the suite")
    write.add_argument("--target", help="target name (default: the one recorded in the run)")
    args = parser.parse_args(argv)
    try:
        path = write_command(args.result, args.target)
    except ExpectationsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
