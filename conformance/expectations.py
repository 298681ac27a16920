"""Per-target expectations: which claims are known not to hold, and why.

``expectations/<target>.toml`` lists every claim whose outcome on that target is not
``holds``; a claim not listed is expected to hold. A run whose outcomes differ from the
file fails, so a new behaviour is accepted by rewriting the file from a run and reviewing
the diff::

    python -m conformance.expectations write results/<run>/<target>/conformance.json
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from conformance.catalogue import tomllib
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


def load_expectations(target: str, path: Path | None = None) -> dict[str, Expectation]:
    """Expected outcomes by claim id (empty if the target has no file yet)."""
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


def from_result(document: dict, previous: dict[str, Expectation]) -> dict[str, Expectation]:
    """Expectations matching a run; earlier notes are kept, new deviations get the message.

    Claims absent from the run (a partial run) keep their earlier expectation.
    """
    run_ids = {claim["id"] for claim in document["claims"]}
    updated = {cid: e for cid, e in previous.items() if cid not in run_ids}
    for claim in document["claims"]:
        requests = (claim.get("requests") or {}).get("outcome", "holds")
        if claim["outcome"] == "holds" and requests == "holds":
            continue
        earlier = previous.get(claim["id"])
        same = earlier is not None and (earlier.outcome, earlier.requests) == (
            claim["outcome"], requests)
        message = claim["message"] or (claim.get("requests") or {}).get("message", "")
        note = earlier.note if same and earlier.note else f"observed: {message}"
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
    text = render(target, from_result(document, load_expectations(target)))
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
