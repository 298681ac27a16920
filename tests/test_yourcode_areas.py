"""yourcode.areas and yourcode.compare: each kind of change is named by its area, and an
identical pair (or a multipart body differing only by its random boundary) is no change."""

from __future__ import annotations

import hashlib

import pytest

from yourcode.areas import differences
from yourcode.compare import compare
from yourcode.records import Recording


def entry(target="/p?a=1", headers=None, body="", method="POST", status=200, error=None):
    return {"test": "t.py::t", "order": 1, "method": method, "origin": "https://h.test",
            "target": target, "headers": headers or [["Host", "h.test"]], "body": body,
            "body_sha256": hashlib.sha256(body.encode("latin-1")).hexdigest(),
            "status": status, "exception": error and {"type": error}}


def areas(before, after):
    return [d.area for d in differences(before, after)]


JSON = [["Content-Type", "application/json"]]
FORM = [["Content-Type", "application/x-www-form-urlencoded"]]


@pytest.mark.parametrize(("before", "after", "expected"), [
    (entry(), entry(), []),
    (entry(target="/a%20b"), entry(target="/a b"), ["path escaping"]),
    (entry(target="/a"), entry(target="/b"), ["path"]),
    (entry(target="/p?q=x%20y"), entry(target="/p?q=x+y"), ["query encoding"]),
    (entry(target="/p?a=1&b=2"), entry(target="/p?b=2&a=1"), ["query order"]),
    (entry(target="/p?page=2&k=1"), entry(target="/p?k=1"), ["query parameters"]),
    (entry(headers=[["A", "1"]]), entry(headers=[["A", "1"], ["B", "2"]]), ["header added"]),
    (entry(headers=[["A", "1"], ["B", "2"]]), entry(headers=[["A", "1"]]), ["header removed"]),
    (entry(headers=[["A", "1"]]), entry(headers=[["A", "2"]]), ["header value"]),
    (entry(headers=[["A", "1"], ["B", "2"]]), entry(headers=[["B", "2"], ["A", "1"]]),
     ["header order"]),
    (entry(headers=[["C", "1"], ["C", "2"]]), entry(headers=[["C", "1"], ["C", "2"]]), []),
    (entry(headers=[["C", "1"], ["C", "2"]]), entry(headers=[["C", "1"], ["C", "3"]]),
     ["header value"]),
    (entry(headers=JSON, body='{"a": 1}'), entry(headers=JSON, body='{"a":1}'),
     ["JSON encoding (separators)"]),
    (entry(headers=JSON, body='{"a":"\\u00e9"}'), entry(headers=JSON, body='{"a":"\xc3\xa9"}'),
     ["JSON encoding (non-ASCII escaping)"]),
    (entry(headers=JSON, body='{"a":1}'), entry(headers=JSON, body='{"a":2}'), ["JSON content"]),
    (entry(headers=FORM, body="a=x%20y"), entry(headers=FORM, body="a=x+y"), ["form encoding"]),
    (entry(headers=FORM, body="a=1"), entry(headers=FORM, body="a=2"), ["form content"]),
    (entry(body="abc"), entry(body="abd"), ["body bytes"]),
    (entry(method="GET"), entry(method="PUT"), ["method"]),
    (entry(status=200), entry(status=404), ["response status"]),
])
def test_each_change_is_named(before, after, expected):
    assert areas(before, after) == expected


def test_a_multipart_boundary_is_not_a_change():
    def multipart(token):
        return entry(headers=[["Content-Type", f"multipart/form-data; boundary={token}"]],
                     body=f"--{token}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n"
                          f"--{token}--\r\n")

    assert areas(multipart("abc123"), multipart("def456")) == []
    altered = multipart("def456")
    altered["body"] = altered["body"].replace("\r\n\r\n1", "\r\n\r\n2")
    assert areas(multipart("abc123"), altered) == ["body bytes"]


def test_the_first_differing_byte_is_shown():
    [found] = differences(entry(headers=JSON, body='{"k": "v"}'),
                          entry(headers=JSON, body='{"k":"v"}'))
    assert found.detail == "at byte 5: b'{\"k\": \"v\"}' -> b'{\"k\":\"v\"}'"


def recording(*entries, outcome="passed"):
    found = Recording()
    for item in entries:
        found.requests[item["test"], item["order"]] = item
        found.outcomes[item["test"]] = {"outcome": outcome, "crash": None}
    return found


def test_compare_names_outcomes_requests_and_exception_classes():
    before = recording(entry(error="ConnectError"))
    after = recording(entry(target="/p?a=2", error="ConnectTimeout"), outcome="failed")
    result = compare(before, after)
    assert [(o.before, o.after) for o in result.outcomes] == [("passed", "failed")]
    assert [c.areas for c in result.requests] == [["query parameters"]]
    assert [(e.before, e.after) for e in result.exceptions] == [("ConnectError",
                                                                 "ConnectTimeout")]
    assert result.changed


def test_only_the_clients_own_user_agent_moving_is_no_change():
    def agent(version):
        return entry(headers=[["User-Agent", f"python-httpx/{version}"]])

    result = compare(recording(agent("0.27.2")), recording(agent("0.28.1")))
    assert not result.changed
    assert result.user_agent == "'python-httpx/0.27.2' -> 'python-httpx/0.28.1'"
    mine = entry(headers=[["User-Agent", "my-app/2"]])
    assert compare(recording(agent("0.27.2")), recording(mine)).changed


def test_a_request_sent_on_one_side_only_is_a_change():
    second = {**entry(), "order": 2}
    result = compare(recording(entry()), recording(entry(), second))
    assert [(c.order, c.areas) for c in result.requests] == [(2, ["request"])]
