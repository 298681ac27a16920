"""yourcode.noise: what differs between two runs of FROM is normalised, not reported, while a
real change next to it (or in the same bytes' neighbourhood) still is. Each case is also
compared without the baseline, where the noise reads as change: the normalising is what
removes it."""

from __future__ import annotations

import hashlib

from yourcode.compare import compare
from yourcode.noise import baseline
from yourcode.records import Recording

FORM = [["Content-Type", "application/x-www-form-urlencoded"]]
JSON = [["Content-Type", "application/json"]]


def request(test, target="/token", body="", headers=None, order=1, status=200, error=None):
    return {"test": test, "order": order, "method": "POST", "origin": "https://h.test",
            "target": target, "headers": headers or FORM, "body": body,
            "body_sha256": hashlib.sha256(body.encode("latin-1")).hexdigest(),
            "status": status, "exception": error and {"type": error}}


def recording(*entries, outcomes=None):
    tests = outcomes or {e["test"]: "passed" for e in entries}
    return Recording(requests={(e["test"], e["order"]): e for e in entries},
                     outcomes={t: {"test": t, "outcome": o, "crash": None}
                               for t, o in tests.items()})


def redirect(port: int, space: str = "%20") -> dict:
    return request("t.py::test_code", target=f"/token?scope=a{space}b",
                   body=f"code=x&redirect_uri=http%3A%2F%2Flocalhost%3A{port}%2Fcb")


def test_a_port_that_varies_is_masked_and_the_query_change_beside_it_stays():
    first, again = recording(redirect(43713)), recording(redirect(40361))
    to = recording(redirect(51234, space="+"))
    found = compare(first, to, baseline(first, again))
    assert [c.areas for c in found.requests] == [["query encoding"]]
    assert found.varies["requests"] == 1 and found.varies["tests"] == 0
    assert "'43713' / '40361'" in found.varies["examples"][0]
    assert [c.areas for c in compare(first, to).requests] == [["query encoding", "form content"]]


def test_a_port_in_an_other_escaping_is_still_a_change():
    first, again = recording(redirect(43713)), recording(redirect(40361))
    to = recording(request("t.py::test_code", target="/token?scope=a%20b",
                           body="code=x&redirect_uri=http://localhost:51234/cb"))
    assert [c.areas for c in compare(first, to, baseline(first, again)).requests] == \
        [["form encoding"]]


def test_a_timestamp_in_json_is_masked_and_the_encoding_change_is_named():
    def stamp(ts: str, compact: bool = False) -> dict:
        body = f'{{"ts": {ts}, "nonce": "{ts[-4:]}ab"}}'
        body = body.replace(": ", ":").replace(", ", ",") if compact else body
        return request("t.py::test_sign", body=body,
                       headers=[*JSON, ["Content-Length", str(len(body))]])
    first, again = recording(stamp("1796299849.38")), recording(stamp("1796299851.02"))
    to = recording(stamp("1796299901.77", compact=True))
    found = compare(first, to, baseline(first, again))
    # Content-Length is the same in both FROM runs: its change in TO (compact body) is real
    assert [c.areas for c in found.requests] == [["header value", "JSON encoding (separators)"]]
    assert found.varies["requests"] == 1


def test_a_test_id_with_a_timestamp_is_matched_and_its_real_change_kept():
    def run(ts: str, outcome: str = "passed") -> Recording:
        test = f"t.py::test_expires_at[{ts}-False]"
        return recording(request(test), outcomes={test: outcome, "t.py::test_other": "passed"})
    first, again = run("1796299849.38"), run("1796299851.5512")
    noise = baseline(first, again)
    unchanged = compare(first, run("1796299999.1"), noise)
    assert not unchanged.changed and unchanged.varies["tests"] == 1
    assert compare(first, run("1796299999.1")).changed  # without the baseline: absent/added
    failed = compare(first, run("1796299999.1", "failed"), noise)
    assert [(o.test, o.after) for o in failed.outcomes] == \
        [("t.py::test_expires_at[1796299849.38-False]", "failed")]


def test_what_is_flaky_between_runs_is_not_a_change():
    retried = request("t.py::test_retry", order=2)
    first = recording(request("t.py::test_retry"),
                      request("t.py::test_flaky", status=200), outcomes={
                          "t.py::test_retry": "passed", "t.py::test_flaky": "passed"})
    again = recording(request("t.py::test_retry"), retried,
                      request("t.py::test_flaky", status=503, error="ReadTimeout"), outcomes={
                          "t.py::test_retry": "passed", "t.py::test_flaky": "failed"})
    to = recording(request("t.py::test_retry"), retried,
                   request("t.py::test_flaky", status=503, error="ReadTimeout"), outcomes={
                       "t.py::test_retry": "passed", "t.py::test_flaky": "failed"})
    assert not compare(first, to, baseline(first, again)).changed
    plain = compare(first, to)
    assert plain.outcomes and plain.exceptions and len(plain.requests) == 2


def test_identical_runs_mask_nothing():
    first = recording(redirect(43713))
    found = compare(first, recording(redirect(43713, space="+")), baseline(first, first))
    assert found.varies == {"requests": 0, "tests": 0, "test_ids": 0, "outcomes": 0,
                            "examples": []}
    assert [c.areas for c in found.requests] == [["query encoding"]]
