"""The wire faults: one scripted exchange per fault, for HTTP/1.1 and for HTTP/2.

Every script misbehaves on the first connection only and answers later connections
(and later requests) with ``200 ok``, so a test can ask whether the client's pool
recovers for the next request. The conformance claims that use them are the
``faults.*`` section of conformance/claims.toml; conformance/test_faults.py runs them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from server.wire import H2Peer, Script, WireConnection

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
OVERSIZED = 200 * 1024  # over httpcore's 100 KiB limit for a response head
FLOOD_PINGS = 1000
TRICKLE_INTERVAL = 1.0  # one byte per second


@dataclass(frozen=True)
class WireFault:
    protocol: str  # "HTTP/1.1" or "HTTP/2"
    script: Script
    doc: str
    # HTTP/2 in clear text (prior knowledge) rather than TLS: for a fault that is a TCP
    # reset, which CPython's ssl before 3.13 reads as a clean EOF (CPython gh-115627): over
    # TLS the outcome would be the Python's, not the client's.
    clear_text: bool = False


def serve_ok(conn: WireConnection) -> None:
    """Answer every request on the connection with 200 ok until the client leaves."""
    while True:
        try:
            conn.read_request()
        except ConnectionError:
            return
        conn.send(OK)


def first_connection(fault: Callable[[WireConnection], None]) -> Script:
    def script(conn: WireConnection) -> None:
        if conn.index == 0:
            fault(conn)
        else:
            serve_ok(conn)
    return script


def replies(raw: bytes, then: str = "close") -> Script:
    """Answer the first request with ``raw``; then close, reset, keep serving, or wait."""

    def fault(conn: WireConnection) -> None:
        conn.read_request()
        conn.send(raw)
        if then == "serve":
            serve_ok(conn)
        elif then == "reset":
            time.sleep(0.05)  # let the bytes leave before the RST overtakes them
            conn.reset()
        elif then == "wait":
            conn.wait_for_close()
        else:
            time.sleep(0.05)
            conn.finish()

    return first_connection(fault)


def _every_request(status_line: bytes) -> Script:
    response = status_line + b"\r\nContent-Length: 2\r\n\r\nok"

    def script(conn: WireConnection) -> None:
        while True:
            try:
                conn.read_request()
            except ConnectionError:
                return
            conn.send(response)
    return script


def _early_response(conn: WireConnection) -> None:
    conn.read_head()  # and not the body
    conn.send(b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close"
              b"\r\n\r\n")
    time.sleep(0.2)
    conn.wait_for_close(limit=5.0)


def _never_answer(conn: WireConnection) -> None:
    conn.read_head()
    conn.wait_for_close()


def _trickle(conn: WireConnection) -> None:
    conn.read_request()
    conn.send(OK[:-2])  # the head at once, then the body one byte per interval
    time.sleep(TRICKLE_INTERVAL)
    conn.drip(OK[-2:], TRICKLE_INTERVAL)
    serve_ok(conn)


# --- HTTP/2 -----------------------------------------------------------------------------


def h2_script(fault: Callable[[H2Peer], None], settings: dict[int, int] | None = None,
              every_connection: bool = False) -> Script:
    def script(conn: WireConnection) -> None:
        peer = H2Peer(conn, settings if conn.index == 0 or every_connection else None)
        if conn.index == 0 or every_connection:
            fault(peer)
        h2_serve_ok(peer)
    return script


def h2_serve_ok(peer: H2Peer) -> None:
    """Answer every new request with 200 ok until the client leaves."""
    answered: set[int] = set(peer.requests)
    while not peer.closed:
        for stream_id in sorted(peer.ended & set(peer.requests) - answered):
            answered.add(stream_id)
            peer.respond(stream_id, b"ok")
        try:
            peer.pump()
        except ConnectionError:
            return


def _h2_reason(peer: H2Peer) -> None:
    (stream,) = peer.wait_for_requests(1)
    peer.respond(stream, b"ok")


def _h2_rst_mid_body(peer: H2Peer) -> None:
    (stream,) = peer.wait_for_requests(1)
    peer.respond(stream, b"x" * 500, end=False, length=1000)
    time.sleep(0.05)
    peer.reset(stream)


def _h2_close_mid_body(peer: H2Peer) -> None:
    (stream,) = peer.wait_for_requests(1)
    peer.respond(stream, b"x" * 500, end=False, length=1000)
    time.sleep(0.05)
    peer.conn.finish()  # a FIN, though the client's SETTINGS ACK may still be unread
    peer.closed = True


def _h2_reset_mid_body(peer: H2Peer) -> None:
    (stream,) = peer.wait_for_requests(1)
    peer.respond(stream, b"x" * 500, end=False, length=1000)
    time.sleep(0.05)
    peer.conn.reset()
    peer.closed = True


def _h2_length_mismatch(peer: H2Peer) -> None:
    (stream,) = peer.wait_for_requests(1)
    peer.respond(stream, b"ok", length=10)


def h2_raw(headers: list[tuple[str, str]], body: bytes | None = b"ok",
           after: bytes | None = None) -> Callable[[H2Peer], None]:
    """Answer the first request with exactly these headers (unvalidated), ``body``, and
    ``after`` as a further DATA frame."""

    def fault(peer: H2Peer) -> None:
        (stream,) = peer.wait_for_requests(1)
        peer.h2.send_headers(stream, headers, end_stream=body is None and after is None)
        if body is not None:
            peer.h2.send_data(stream, body, end_stream=after is None)
        if after is not None:
            peer.h2.send_data(stream, after, end_stream=True)
        peer.open_streams -= 1
        peer.flush()

    return fault


def _h2_goaway(peer: H2Peer) -> None:
    """Three streams in flight: GOAWAY names the second as the last one processed; the
    first and second are answered, the third (above last-stream-id) never is."""
    streams = peer.wait_for_requests(3)
    paths = {s: dict(peer.requests[s]).get(":path", "") for s in streams}
    peer.conn.notes["goaway"] = {"last_stream_id": streams[1],
                                 "paths": [paths[s] for s in streams]}
    peer.respond(streams[0], paths[streams[0]].encode())
    time.sleep(0.1)  # the first response reaches the client before the GOAWAY
    peer.goaway(last_stream_id=streams[1])
    time.sleep(0.05)
    peer.respond(streams[1], paths[streams[1]].encode())
    time.sleep(0.5)
    peer.conn.close()
    peer.closed = True


def _h2_one_stream(peer: H2Peer) -> None:
    """SETTINGS_MAX_CONCURRENT_STREAMS = 1: answer each request 0.1 s after it arrives,
    and note the most streams the client ever had open at once."""
    answered: set[int] = set()
    total = peer.conn.notes.get("expect", 3)
    while len(answered) < total and not peer.closed:
        pending = sorted(peer.ended & set(peer.requests) - answered)
        if pending:
            time.sleep(0.1)
            for stream_id in pending:
                answered.add(stream_id)
                peer.respond(stream_id, b"ok")
            peer.conn.notes["peak_open_streams"] = max(
                peer.conn.notes.get("peak_open_streams", 0), peer.peak_open_streams)
            continue
        peer.pump()
    peer.conn.notes["peak_open_streams"] = max(
        peer.conn.notes.get("peak_open_streams", 0), peer.peak_open_streams)


def _h2_window_zero(peer: H2Peer) -> None:
    """INITIAL_WINDOW_SIZE 0 and no WINDOW_UPDATE, ever: a request body cannot move."""
    peer.wait_until(lambda: bool(peer.requests))
    peer.conn.wait_for_close()
    peer.closed = True


def _h2_ping_flood(peer: H2Peer) -> None:
    (stream,) = peer.wait_for_requests(1)
    for i in range(FLOOD_PINGS):
        peer.h2.ping(i.to_bytes(8, "big"))
    peer.flush()
    peer.respond(stream, b"ok")
    end = time.monotonic() + 5.0
    while peer.ping_acks < FLOOD_PINGS and not peer.closed and time.monotonic() < end:
        peer.pump()
    peer.conn.notes["ping_acks"] = peer.ping_acks


def _h2_never_answer(peer: H2Peer) -> None:
    peer.wait_for_requests(1)
    peer.conn.wait_for_close()
    peer.closed = True


def _h2_trickle(peer: H2Peer) -> None:
    (stream,) = peer.wait_for_requests(1)
    peer.respond(stream, b"", end=False, length=2)
    for byte in (b"o", b"k"):
        time.sleep(TRICKLE_INTERVAL)
        peer.h2.send_data(stream, byte, end_stream=byte == b"k")
        peer.flush()


H1, H2 = "HTTP/1.1", "HTTP/2"
MAX_CONCURRENT_STREAMS, INITIAL_WINDOW_SIZE = 3, 4  # h2.settings.SettingCodes

FAULTS: dict[str, WireFault] = {
    "reason-ok": WireFault(H1, _every_request(b"HTTP/1.1 200 OK"), "Status line 200 OK."),
    "reason-empty": WireFault(H1, _every_request(b"HTTP/1.1 200 "), "Status line with an "
                              "empty reason phrase (hypercorn's)."),
    "reason-missing": WireFault(H1, _every_request(b"HTTP/1.1 200"), "Status line with no "
                                "space and no reason phrase."),
    "reason-non-ascii": WireFault(H1, _every_request("HTTP/1.1 200 Ça va".encode()),
                                  "Reason phrase with UTF-8 bytes."),
    "reason-h2": WireFault(H2, h2_script(_h2_reason), "HTTP/2 has no reason phrase."),
    "status-malformed": WireFault(H1, replies(b"HTTP/1.1 abc OK\r\n\r\n"),
                                  "A status code that is not three digits."),
    "status-duplicated": WireFault(H1, replies(b"HTTP/1.1 200 OK\r\nHTTP/1.1 200 OK\r\n"
                                               b"Content-Length: 2\r\n\r\nok"),
                                   "The status line twice."),
    "status-oversized": WireFault(H1, replies(b"HTTP/1.1 200 " + b"x" * OVERSIZED +
                                              b"\r\nContent-Length: 2\r\n\r\nok"),
                                  "A 200 KiB reason phrase."),
    "header-malformed": WireFault(H1, replies(b"HTTP/1.1 200 OK\r\nno colon here\r\n"
                                              b"Content-Length: 2\r\n\r\nok"),
                                  "A header line without a colon."),
    "header-duplicated": WireFault(H1, replies(b"HTTP/1.1 200 OK\r\nX-Dup: a\r\nX-Dup: b\r\n"
                                               b"Content-Length: 2\r\n\r\nok", "serve"),
                                   "One header name twice, two values."),
    "header-oversized": WireFault(H1, replies(b"HTTP/1.1 200 OK\r\nX-Big: " +
                                              b"y" * OVERSIZED +
                                              b"\r\nContent-Length: 2\r\n\r\nok"),
                                  "One 200 KiB header."),
    "content-length-short": WireFault(H1, replies(b"HTTP/1.1 200 OK\r\nContent-Length: 2"
                                                  b"\r\n\r\nokEXTRA", "serve"),
                                      "Content-Length 2, 7 bytes sent."),
    "content-length-long": WireFault(H1, replies(b"HTTP/1.1 200 OK\r\nContent-Length: 10"
                                                 b"\r\n\r\nok"),
                                     "Content-Length 10, 2 bytes sent, then close."),
    "chunked-broken": WireFault(H1, replies(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
                                            b"\r\n\r\nzz\r\nok\r\n0\r\n\r\n"),
                                "A chunk size that is not hex."),
    "chunked-truncated": WireFault(H1, replies(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: "
                                               b"chunked\r\n\r\n2\r\nok\r\n"),
                                   "Chunked body closed before the last chunk."),
    "body-after-204": WireFault(H1, replies(b"HTTP/1.1 204 No Content\r\n\r\nSURPRISE",
                                            "serve"), "204 followed by body bytes."),
    "body-after-304": WireFault(H1, replies(b"HTTP/1.1 304 Not Modified\r\n\r\nSURPRISE",
                                            "serve"), "304 followed by body bytes."),
    "early-response": WireFault(H1, first_connection(_early_response), "413 sent after the "
                                "request head, before the body is read."),
    "close-mid-body": WireFault(H1, replies(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
                                            + b"x" * 500), "Close (FIN) at byte 500 of 1000."),
    "reset-mid-body": WireFault(H1, replies(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
                                            + b"x" * 500, "reset"),
                                "Reset (RST) at byte 500 of 1000."),
    "never-answer": WireFault(H1, first_connection(_never_answer), "Reads the request, "
                              "never answers."),
    "trickle": WireFault(H1, first_connection(_trickle), "One byte per second."),
    "h2-status-malformed": WireFault(H2, h2_script(h2_raw([(":status", "abc"),
                                                           ("content-length", "2")])),
                                     "A :status that is not three digits."),
    "h2-header-malformed": WireFault(H2, h2_script(h2_raw([(":status", "200"), ("X-Upper", "v"),
                                                           ("content-length", "2")])),
                                     "An upper-case field name (malformed in HTTP/2)."),
    "h2-header-duplicated": WireFault(H2, h2_script(h2_raw([(":status", "200"), ("x-dup", "a"),
                                                            ("x-dup", "b"),
                                                            ("content-length", "2")])),
                                      "One field name twice, two values."),
    "h2-header-oversized": WireFault(H2, h2_script(h2_raw([(":status", "200"),
                                                           ("x-big", "y" * OVERSIZED),
                                                           ("content-length", "2")])),
                                     "One 200 KiB field (HEADERS and CONTINUATION frames)."),
    "h2-content-length-short": WireFault(H2, h2_script(h2_raw([(":status", "200"),
                                                               ("content-length", "2")],
                                                              b"okEXTRA")),
                                         "content-length 2, 7 bytes of DATA."),
    "h2-body-after-204": WireFault(H2, h2_script(h2_raw([(":status", "204")], None,
                                                        b"SURPRISE")),
                                   "204 followed by a DATA frame."),
    "h2-body-after-304": WireFault(H2, h2_script(h2_raw([(":status", "304")], None,
                                                        b"SURPRISE")),
                                   "304 followed by a DATA frame."),
    "h2-close-mid-body": WireFault(H2, h2_script(_h2_close_mid_body), "TCP close (FIN) at "
                                   "byte 500 of a 1000-byte body."),
    "h2-reset-mid-body": WireFault(H2, h2_script(_h2_reset_mid_body), "TCP RST at byte 500 "
                                   "of a 1000-byte body; clear text.", clear_text=True),
    "h2-rst-stream": WireFault(H2, h2_script(_h2_rst_mid_body), "RST_STREAM (CANCEL) at "
                               "byte 500 of a 1000-byte body."),
    "h2-content-length-long": WireFault(H2, h2_script(_h2_length_mismatch), "content-length "
                                        "10, 2 bytes, END_STREAM."),
    "h2-goaway": WireFault(H2, h2_script(_h2_goaway), "GOAWAY with three streams in flight, "
                           "last-stream-id the second."),
    "h2-one-stream": WireFault(H2, h2_script(_h2_one_stream, {MAX_CONCURRENT_STREAMS: 1}),
                               "SETTINGS_MAX_CONCURRENT_STREAMS 1."),
    "h2-window-zero": WireFault(H2, h2_script(_h2_window_zero, {INITIAL_WINDOW_SIZE: 0}),
                                "INITIAL_WINDOW_SIZE 0, never a WINDOW_UPDATE."),
    "h2-ping-flood": WireFault(H2, h2_script(_h2_ping_flood), f"{FLOOD_PINGS} PINGs before "
                               "the response."),
    "h2-never-answer": WireFault(H2, h2_script(_h2_never_answer), "Never answers."),
    "h2-trickle": WireFault(H2, h2_script(_h2_trickle), "One DATA byte per second."),
}
