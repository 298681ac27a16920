"""The conformance tables: claims in long form, the claims x targets matrix, its summary."""

from __future__ import annotations

import json
import re
from typing import Any

import pandas as pd

from harness.schema import OUTCOMES
from reports.load import Run, TargetResults, target_key

PINNED_TARGET = "httpx-0.29.0"
REQUESTS_COLUMN = "requests"
ABSENT = "absent"  # a claim a target's catalogue did not contain

CLAIM_COLUMNS = ["run", "target", "claim", "sentence", "source", "outcome", "expected",
                 "unexpected", "observed", "tolerance", "message", "requests_outcome",
                 "requests_observed", "requests_message", "file"]


def observed_text(value: Any) -> str:
    """An observed value as canonical JSON, so equal values compare equal as text."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


# The harness's server listens on ephemeral loopback ports, so URLs in observed values differ
# from run to run; that is the harness, not the client, and must not count as a change.
LOOPBACK_PORT = re.compile(r"(127\.0\.0\.1|localhost|\[::1\]):\d+")


def same_observed(before: str, after: str, tolerance: float | None = None) -> bool:
    """Whether two observed values (canonical JSON text) show the same behaviour: equal but
    for loopback ports, and non-integral numbers within the claim's stated ``tolerance``
    (absolute; conformance/claims.toml). Without one, numbers compare exactly."""
    if before == after:
        return True
    try:
        return _same(json.loads(before), json.loads(after), tolerance or 0.0)
    except ValueError:
        return False


def _same(a: Any, b: Any, tolerance: float) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[key], b[key], tolerance) for key in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y, tolerance)
                                        for x, y in zip(a, b, strict=True))
    if isinstance(a, str) and isinstance(b, str):
        return LOOPBACK_PORT.sub(r"\1:PORT", a) == LOOPBACK_PORT.sub(r"\1:PORT", b)
    measured = [x for x in (a, b) if isinstance(x, float) and not x.is_integer()]
    if tolerance and measured and all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                      for x in (a, b)):
        return abs(a - b) <= tolerance
    return a == b and type(a) is type(b)


def target_claims(results: TargetResults) -> pd.DataFrame:
    """One row per claim of one target's latest conformance file."""
    latest = results.latest_conformance
    if latest is None:
        return pd.DataFrame(columns=CLAIM_COLUMNS)
    path, document = latest
    rows = []
    for claim in document["claims"]:
        requests_side = claim.get("requests") or {}
        rows.append({
            "run": results.run, "target": results.target, "claim": claim["id"],
            "sentence": claim.get("sentence", ""), "source": claim.get("source", ""),
            "outcome": claim["outcome"], "expected": claim.get("expected"),
            "unexpected": bool(claim.get("unexpected", False)),
            "observed": observed_text(claim.get("observed")),
            "tolerance": claim.get("tolerance"),
            "message": claim.get("message") or "",
            "requests_outcome": requests_side.get("outcome"),
            "requests_observed": (observed_text(requests_side.get("observed"))
                                  if requests_side else None),
            "requests_message": requests_side.get("message") if requests_side else None,
            "file": str(path),
        })
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)


def run_claims(run: Run) -> pd.DataFrame:
    """The claims of every target in a run, long form, targets in version order."""
    frames = [target_claims(run.targets[name]) for name in ordered_targets(run.targets)]
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return pd.DataFrame(columns=CLAIM_COLUMNS)
    claims = pd.concat(frames, ignore_index=True)
    # A catalogue never repeats an id; if a file does, its last row wins, as in a rerun.
    return claims.drop_duplicates(["target", "claim"], keep="last").reset_index(drop=True)


def ordered_targets(names: Any) -> list[str]:
    return sorted(names, key=target_key)


def requests_reference(claims: pd.DataFrame, pinned: str = PINNED_TARGET) -> pd.DataFrame:
    """requests' side of each claim, from the pinned target's run if it has one.

    requests is the same package in every target environment, so one column suffices;
    the pinned target's is preferred because it is the run that gates.
    """
    with_requests = claims.dropna(subset=["requests_outcome"])
    preference = (with_requests["target"] != pinned).astype(int)
    ordered = with_requests.assign(_preference=preference).sort_values("_preference",
                                                                       kind="stable")
    first = ordered.drop_duplicates("claim", keep="first").set_index("claim")
    return first[["requests_outcome", "requests_observed", "requests_message"]]


def claim_order(claims: pd.DataFrame) -> list[str]:
    """Claims in catalogue order (first appearance), so the matrix reads like the catalogue."""
    return list(dict.fromkeys(claims["claim"]))


def outcome_matrix(claims: pd.DataFrame, pinned: str = PINNED_TARGET,
                   value: str = "outcome") -> pd.DataFrame:
    """Claims as rows, targets as columns (then requests), cells from column ``value``."""
    targets = ordered_targets(claims["target"].unique())
    table = claims.pivot(index="claim", columns="target", values=value)
    table = table.reindex(index=claim_order(claims), columns=targets)
    if value == "outcome":
        table = table.fillna(ABSENT)
    reference = requests_reference(claims, pinned)
    column = "requests_outcome" if value == "outcome" else f"requests_{value}"
    if column in reference:
        table[REQUESTS_COLUMN] = reference[column].reindex(table.index)
    table.index.name = "claim"
    table.columns.name = None
    return table


def changed_claims(claims: pd.DataFrame, before: str, after: str) -> pd.DataFrame:
    """Claims whose outcome or observed value differs between two targets of one frame."""
    left = claims[claims["target"] == before].set_index("claim")
    right = claims[claims["target"] == after].set_index("claim")
    return claim_differences(left, right)


def changes_from_pinned(claims: pd.DataFrame, pinned: str = PINNED_TARGET,
                        flaky: frozenset[tuple[str, str]] = frozenset()) -> pd.DataFrame:
    """For every other target, the claims that differ from the pinned target (a target
    column first), ``flaky`` True for those (target, claim) that varied between runs of one
    side (reports/flaky.py): no change. A target that could not be installed is one line in
    the summary, not a row per claim, so it is left out."""
    targets = set(claims["target"])
    frames = []
    for target in ordered_targets(targets - {pinned}) if pinned in targets else []:
        mine = claims[claims["target"] == target]
        if (mine["outcome"] == "not-installed").all():
            continue
        frames.append(changed_claims(claims, pinned, target).assign(target=target))
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return pd.DataFrame()
    changes = pd.concat(frames, ignore_index=True)
    changes["flaky"] = [(t, c) in flaky for t, c in zip(changes["target"], changes["claim"],
                                                        strict=True)]
    return changes[["target", *changes.columns.drop("target")]]


def missing_api_summary(claims: pd.DataFrame) -> pd.DataFrame:
    """Per target, each distinct missing-api message (the absent name or argument), with how
    many claims it stopped and one of them: "which APIs are missing" in a few lines."""
    missing = claims[claims["outcome"] == "missing-api"]
    if missing.empty:
        return pd.DataFrame(columns=["target", "message", "claims", "example"])
    grouped = (missing.groupby(["target", "message"], sort=False)["claim"]
               .agg(claims="count", example="first").reset_index())
    order = grouped["target"].map(lambda name: tuple(target_key(name)))
    return (grouped.assign(_order=order, _count=-grouped["claims"])
            .sort_values(["_order", "_count"], kind="stable")
            .drop(columns=["_order", "_count"]).reset_index(drop=True))


def claim_differences(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """Rows for claims (index) whose outcome or observed value differs, or that one side lacks.

    Columns: claim, change (outcome | observed | only-before | only-after), outcome and
    observed on both sides, sentence and source (the claim's citation).
    """
    order = list(dict.fromkeys([*left.index, *right.index]))
    rows = []
    for claim in order:
        a = left.loc[claim] if claim in left.index else None
        b = right.loc[claim] if claim in right.index else None
        if a is None or b is None:
            change = "only-before" if b is None else "only-after"
        elif a["outcome"] != b["outcome"]:
            change = "outcome"
        elif not same_observed(a["observed"], b["observed"], stated_tolerance(a, b)):
            change = "observed"
        else:
            continue
        cited = b if b is not None else a
        rows.append({
            "claim": claim, "change": change,
            "before_outcome": a["outcome"] if a is not None else ABSENT,
            "after_outcome": b["outcome"] if b is not None else ABSENT,
            "before_observed": a["observed"] if a is not None else "",
            "after_observed": b["observed"] if b is not None else "",
            "before_message": a["message"] if a is not None else "",
            "after_message": b["message"] if b is not None else "",
            "sentence": cited["sentence"], "source": cited["source"],
        })
    return pd.DataFrame(rows, columns=["claim", "change", "before_outcome", "after_outcome",
                                       "before_observed", "after_observed", "before_message",
                                       "after_message", "sentence", "source"])


def stated_tolerance(*rows: pd.Series) -> float | None:
    """The claim's tolerance as either side's run states it (the wider, if both do)."""
    stated = [float(row["tolerance"]) for row in rows
              if "tolerance" in row and pd.notna(row["tolerance"])]
    return max(stated) if stated else None


def conformance_summary(claims: pd.DataFrame, pinned: str = PINNED_TARGET,
                        flaky: frozenset[tuple[str, str]] = frozenset()) -> pd.DataFrame:
    """Per target: counts per outcome, unexpected outcomes, changes from pinned (``flaky``
    (target, claim) pairs left out: they varied between runs, reports/flaky.py)."""
    rows = []
    has_pinned = pinned in set(claims["target"])
    for target in ordered_targets(claims["target"].unique()):
        mine = claims[claims["target"] == target]
        counts = mine["outcome"].value_counts()
        row: dict[str, Any] = {"target": target, "claims": len(mine)}
        row.update({outcome: int(counts.get(outcome, 0)) for outcome in OUTCOMES})
        row["unexpected"] = int(mine["unexpected"].sum())
        installed = not (len(mine) and (mine["outcome"] == "not-installed").all())
        measured = not (len(mine) and (mine["outcome"] == "harness-error").all())
        changed = (changed_claims(claims, pinned, target)["claim"]
                   if has_pinned and installed and measured else None)
        row["changed_from_pinned"] = (None if changed is None else
                                      sum((target, claim) not in flaky for claim in changed))
        row["not_installed_reason"] = "" if installed else mine["message"].iloc[0]
        row["harness_error"] = "" if measured else mine["message"].iloc[0]
        rows.append(row)
    reference = requests_reference(claims, pinned)
    if not reference.empty:
        counts = reference["requests_outcome"].value_counts()
        row = {"target": REQUESTS_COLUMN, "claims": len(reference)}
        row.update({outcome: int(counts.get(outcome, 0)) for outcome in OUTCOMES})
        row.update({"unexpected": None, "changed_from_pinned": None,
                    "not_installed_reason": "", "harness_error": ""})
        rows.append(row)
    return pd.DataFrame(rows)
