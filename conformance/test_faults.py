"""Wire faults: what the client raises, and whether its pool recovers for the next request.

Each test plays one scripted exchange from server/wire_faults.py on a raw loopback socket
(HTTP/1.1 in plain text, HTTP/2 over TLS with ALPN h2; the TCP reset in HTTP/2 in clear
text: see server/wire_faults.py). The scripts misbehave on the
first connection only and answer every later request with 200 ``ok``, so "the next
request succeeds" is a fact about the client, not the server.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from conformance.helpers import run

PROTOCOLS = {"http1": "", "http2": "h2-"}  # claim suffix -> fault-name prefix


def client(hx, server):
    """A client for the fault's protocol: HTTP/2 (and the wire CA) only where it is one;
    HTTP/2 in clear text with prior knowledge (``http1=False``)."""
    if not server.http2:
        return hx.Client()
    if server.tls:
        return hx.Client(http2=True, **server.trust)
    return hx.Client(http1=False, http2=True)


def fails_then_recovers(hx, wire_server, fault, observe, **kwargs):
    """Request once (expecting an exception), then again on the same client."""
    server = wire_server(fault)
    with client(hx, server) as c:
        with pytest.raises(Exception) as failed:
            c.get(server.url + "/", **kwargs)
        try:
            again = c.get(server.url + "/again")
            next_request = (again.status_code, again.content.decode())
        except Exception as error:
            next_request = type(error).__name__
    observe({"raised": type(failed.value).__name__, "next": next_request,
             "connections": server.connections})
    return failed.value, next_request, server


# --- reason phrases -------------------------------------------------------------------


@pytest.mark.parametrize(("fault", "phrase"), [
    pytest.param("reason-ok", "OK", marks=pytest.mark.claim("responses.reason-phrase")),
    pytest.param("reason-empty", "", marks=pytest.mark.claim("responses.reason-phrase-empty")),
    pytest.param("reason-missing", "",
                 marks=pytest.mark.claim("responses.reason-phrase-missing")),
    pytest.param("reason-non-ascii", "Ça va",
                 marks=pytest.mark.claim("responses.reason-phrase-non-ascii")),
    pytest.param("reason-h2", "OK", marks=pytest.mark.claim("responses.reason-phrase-http2")),
])
def test_reason_phrase(hx, wire_server, observe, fault, phrase):
    server = wire_server(fault)
    with client(hx, server) as c:
        r = c.get(server.url + "/")
    observe({"status": r.status_code, "reason_phrase": r.reason_phrase,
             "http_version": r.http_version})
    assert r.status_code == 200
    assert r.reason_phrase == phrase


# --- malformed responses (HTTP/1.1) ---------------------------------------------------


def both(claim):
    return [pytest.param(proto, marks=pytest.mark.claim(f"{claim}.{proto}"), id=proto)
            for proto in PROTOCOLS]


def on_both(fault, claim):
    """(fault name, protocol) params of one fault on HTTP/1.1 and HTTP/2."""
    return [pytest.param(PROTOCOLS[proto] + fault, marks=pytest.mark.claim(f"{claim}.{proto}"),
                         id=f"{fault}-{proto}") for proto in PROTOCOLS]


@pytest.mark.parametrize("fault", [
    *on_both("status-malformed", "faults.malformed-status-line"),
    pytest.param("status-duplicated",
                 marks=pytest.mark.claim("faults.duplicated-status-line")),
    pytest.param("status-oversized", marks=pytest.mark.claim("faults.oversized-status-line")),
    *on_both("header-malformed", "faults.malformed-header"),
    *on_both("header-oversized", "faults.oversized-header"),
    pytest.param("chunked-broken", marks=pytest.mark.claim("faults.chunked-broken")),
    pytest.param("chunked-truncated", marks=pytest.mark.claim("faults.chunked-truncated")),
])
def test_malformed_response(hx, wire_server, observe, fault):
    error, next_request, _ = fails_then_recovers(hx, wire_server, fault, observe)
    assert isinstance(error, hx.RemoteProtocolError)
    assert next_request == (200, "ok")


@pytest.mark.parametrize("fault", on_both("header-duplicated", "faults.duplicated-header"))
def test_duplicated_header(hx, wire_server, observe, fault):
    server = wire_server(fault)
    with client(hx, server) as c:
        r = c.get(server.url + "/")
    observe({"x-dup": r.headers.get("x-dup"), "list": r.headers.get_list("x-dup")})
    assert r.headers["x-dup"] == "a, b"
    assert r.headers.get_list("x-dup") == ["a", "b"]


@pytest.mark.parametrize("fault", [
    *on_both("content-length-short", "faults.content-length-shorter-than-body"),
    *on_both("body-after-204", "faults.body-after-204"),
    *on_both("body-after-304", "faults.body-after-304"),
])
def test_extra_bytes_after_the_body(hx, wire_server, observe, fault):
    server = wire_server(fault)
    with client(hx, server) as c:
        try:
            first = c.get(server.url + "/")
        except Exception as error:
            observe({"first": type(error).__name__})
            raise
        try:
            again = c.get(server.url + "/again")
            next_request = (again.status_code, again.content.decode())
        except Exception as error:
            next_request = type(error).__name__
    observe({"first": [first.status_code, first.content.decode()], "next": next_request,
             "connections": server.connections})
    assert first.content == (b"ok" if fault.endswith("content-length-short") else b"")
    assert next_request == (200, "ok")


@pytest.mark.claim("faults.early-response")
def test_early_response(hx, wire_server, observe):
    server = wire_server("early-response")
    with client(hx, server) as c:
        r = c.post(server.url + "/", content=b"z" * (4 * 1024 * 1024))
    observe(r.status_code)
    assert r.status_code == 413


# --- both protocols ---------------------------------------------------------------------


@pytest.mark.parametrize("proto", both("faults.content-length-longer-than-body"))
def test_body_shorter_than_content_length(hx, wire_server, observe, proto):
    error, next_request, _ = fails_then_recovers(
        hx, wire_server, PROTOCOLS[proto] + "content-length-long", observe)
    assert isinstance(error, hx.RemoteProtocolError)
    assert next_request == (200, "ok")


@pytest.mark.parametrize("proto", both("faults.close-mid-body"))
def test_close_mid_body(hx, wire_server, observe, proto):
    error, next_request, server = fails_then_recovers(
        hx, wire_server, PROTOCOLS[proto] + "close-mid-body", observe)
    assert isinstance(error, hx.RemoteProtocolError)
    assert next_request == (200, "ok") and server.connections == 2


@pytest.mark.parametrize("proto", both("faults.reset-mid-body"))
def test_reset_mid_body(hx, wire_server, observe, proto):
    error, next_request, server = fails_then_recovers(
        hx, wire_server, PROTOCOLS[proto] + "reset-mid-body", observe)
    assert isinstance(error, hx.ReadError) and isinstance(error, hx.NetworkError)
    assert next_request == (200, "ok") and server.connections == 2


@pytest.mark.parametrize("proto", both("faults.never-answers"))
def test_never_answers(hx, wire_server, observe, proto):
    started = time.monotonic()
    error, next_request, _ = fails_then_recovers(
        hx, wire_server, PROTOCOLS[proto] + "never-answer", observe,
        timeout=hx.Timeout(5.0, read=0.5))
    assert isinstance(error, hx.ReadTimeout)
    assert time.monotonic() - started < 5
    assert next_request == (200, "ok")


@pytest.mark.parametrize("proto", both("faults.one-byte-per-second"))
def test_one_byte_per_second(hx, wire_server, observe, proto):
    error, next_request, _ = fails_then_recovers(
        hx, wire_server, PROTOCOLS[proto] + "trickle", observe,
        timeout=hx.Timeout(5.0, read=0.5))
    assert isinstance(error, hx.ReadTimeout)
    assert next_request == (200, "ok")


# --- HTTP/2 only ------------------------------------------------------------------------


@pytest.mark.claim("faults.h2-rst-stream")
def test_rst_stream(hx, wire_server, observe):
    error, next_request, server = fails_then_recovers(hx, wire_server, "h2-rst-stream",
                                                      observe)
    assert isinstance(error, hx.RemoteProtocolError)
    assert next_request == (200, "ok") and server.connections == 1


def concurrent_gets(hx, server, paths):
    """Results (status and body, or the exception's class) of concurrent GETs on one
    HTTP/2 client, in the order of ``paths``."""
    async def main():
        async with hx.AsyncClient(http2=True, **server.trust) as c:
            return await asyncio.gather(*(c.get(server.url + p) for p in paths),
                                        return_exceptions=True)

    return [[r.status_code, r.content.decode()] if hasattr(r, "status_code")
            else type(r).__name__ for r in run(main())]


def goaway_results(hx, wire_server):
    server = wire_server("h2-goaway")
    results = dict(zip(["/a", "/b", "/c"], concurrent_gets(hx, server, ["/a", "/b", "/c"]),
                       strict=True))
    paths = server.notes["goaway"]["paths"]  # in stream order: answered, answered, above
    return server, [results[p] for p in paths], paths


@pytest.mark.claim("faults.h2-goaway-above-last-stream")
def test_goaway_above_last_stream(hx, wire_server, observe):
    server, (_, _, above), _ = goaway_results(hx, wire_server)
    observe({"above": above, "connections": server.connections})
    assert above == [200, "ok"]  # answered by the second connection
    assert server.connections == 2


@pytest.mark.claim("faults.h2-goaway-at-or-below-last-stream")
def test_goaway_at_or_below_last_stream(hx, wire_server, observe):
    _, (first, second, _), paths = goaway_results(hx, wire_server)
    observe({"first": first, "second": second})
    assert first == [200, paths[0]]
    assert second == [200, paths[1]]


@pytest.mark.claim("faults.h2-max-concurrent-streams")
def test_max_concurrent_streams_one(hx, wire_server, observe):
    server = wire_server("h2-one-stream")
    results = concurrent_gets(hx, server, ["/1", "/2", "/3"])
    observe({"results": results, "peak": server.notes.get("peak_open_streams")})
    assert results == [[200, "ok"]] * 3
    assert server.notes["peak_open_streams"] == 1


@pytest.mark.claim("faults.h2-window-held-at-zero")
def test_window_held_at_zero(hx, wire_server, observe):
    server = wire_server("h2-window-zero")
    with client(hx, server) as c, pytest.raises(Exception) as failed:
        c.post(server.url + "/", content=b"z" * 100,
               timeout=hx.Timeout(5.0, write=0.5))
    observe(type(failed.value).__name__)
    assert isinstance(failed.value, hx.WriteTimeout)


@pytest.mark.claim("faults.h2-ping-flood")
def test_ping_flood(hx, wire_server, observe):
    from server.wire_faults import FLOOD_PINGS

    server = wire_server("h2-ping-flood")
    with client(hx, server) as c:
        r = c.get(server.url + "/")
        deadline = time.monotonic() + 5
        while "ping_acks" not in server.notes and time.monotonic() < deadline:
            c.get(server.url + "/again")  # keeps the client reading (ACKs go out on reads)
            time.sleep(0.05)
    observe({"status": r.status_code, "acks": server.notes.get("ping_acks")})
    assert (r.status_code, r.content) == (200, b"ok")
    assert server.notes.get("ping_acks") == FLOOD_PINGS
