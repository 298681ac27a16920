"""The scripted wire server itself: loopback only, TLS, bounded, and a prompt clean stop."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from server.wire import (
    MAX_HEAD,
    H2Peer,
    WireConnection,
    WireServer,
    client_ssl_context,
)
from server.wire_faults import FAULTS, serve_ok

REPO = Path(__file__).resolve().parent.parent


def test_listens_on_loopback_only() -> None:
    with WireServer(serve_ok) as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert server._listener is not None
        assert server._listener.getsockname()[0] == "127.0.0.1"


def test_http1_over_tls_with_the_in_memory_ca() -> None:
    with WireServer(FAULTS["reason-ok"].script, tls=True) as server, \
            httpx.Client(verify=client_ssl_context(), timeout=5) as client:
        assert server.url.startswith("https://")
        r = client.get(server.url + "/")
    assert (r.http_version, r.status_code, r.reason_phrase, r.content) == (
        "HTTP/1.1", 200, "OK", b"ok")


def test_http2_over_tls_negotiates_h2() -> None:
    with WireServer(FAULTS["reason-h2"].script, tls=True, alpn=("h2",)) as server, \
            httpx.Client(http2=True, verify=client_ssl_context(), timeout=5) as client:
        r = client.get(server.url + "/")
    assert (r.http_version, r.content) == ("HTTP/2", b"ok")


def test_stop_is_prompt_with_connections_in_flight() -> None:
    """Clients stuck in never-answered and trickled requests do not hold the stop up."""
    errors: list[str] = []

    def stuck(server: WireServer) -> None:
        try:
            httpx.get(server.url + "/", timeout=30)
        except httpx.HTTPError as error:
            errors.append(type(error).__name__)

    servers = [WireServer(FAULTS[name].script).start() for name in ("never-answer", "trickle")]
    clients = [threading.Thread(target=stuck, args=(s,)) for s in servers]
    for thread in clients:
        thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    for server in servers:
        server.stop()
    assert time.monotonic() - started < 2.0
    assert [server.alive_threads() for server in servers] == [0, 0]
    for thread in clients:
        thread.join(timeout=5)
    assert len(errors) == 2  # each client saw its connection end


def test_a_request_head_is_bounded() -> None:
    heads: list[str] = []

    def script(conn: WireConnection) -> None:
        try:
            conn.read_head()
        except ConnectionError as error:
            heads.append(str(error))

    with WireServer(script) as server:
        port = int(server.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nX: " + b"a" * (MAX_HEAD + 10))
            time.sleep(0.3)
    assert heads == ["request head over MAX_HEAD"]


def test_a_connection_has_a_deadline() -> None:
    with WireServer(FAULTS["never-answer"].script, deadline=0.5) as server:
        started = time.monotonic()
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(server.url + "/", timeout=5)  # closed by the deadline, not by us
        assert time.monotonic() - started < 1.5


def test_h2_peer_counts_streams_and_pings() -> None:
    seen: dict[str, int] = {}

    def script(conn: WireConnection) -> None:
        peer = H2Peer(conn)
        (stream,) = peer.wait_for_requests(1)
        peer.h2.ping(b"12345678")
        peer.respond(stream, b"ok")
        peer.wait_until(lambda: peer.ping_acks == 1)
        seen.update(acks=peer.ping_acks, peak=peer.peak_open_streams)

    with WireServer(script, tls=True, alpn=("h2",)) as server, \
            httpx.Client(http2=True, verify=client_ssl_context(), timeout=5) as client:
        assert client.get(server.url + "/").content == b"ok"
        deadline = time.monotonic() + 5
        while not seen and time.monotonic() < deadline:
            time.sleep(0.05)
    assert seen == {"acks": 1, "peak": 1}


def test_every_fault_is_documented_and_used_by_a_conformance_test() -> None:
    tests = (REPO / "conformance" / "test_faults.py").read_text()
    for name, fault in FAULTS.items():
        assert fault.doc and fault.protocol in ("HTTP/1.1", "HTTP/2"), name
        bare = name.removeprefix("h2-")
        assert f'"{name}"' in tests or f'"{bare}"' in tests, f"{name} is not exercised"


def h2_client_sees_the_end(fault: str) -> tuple[int, str]:
    """Play the fault to a raw HTTP/2 client in clear text that sends its SETTINGS ACK and a
    PING only once the response head is in, so the server has bytes unread when it ends
    the connection; returns (body bytes received, "FIN" or "RST")."""
    import h2.config
    import h2.connection
    import h2.events

    client = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    client.initiate_connection()
    client.send_headers(1, [(":method", "GET"), (":path", "/"), (":scheme", "http"),
                            (":authority", "127.0.0.1")], end_stream=True)
    received, head = 0, False
    with WireServer(FAULTS[fault].script, http2=True) as server:
        port = int(server.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(client.data_to_send())
            for _ in range(100):  # bounded: the fault ends the connection within 0.1 s
                try:
                    data = sock.recv(65536)
                except ConnectionResetError:
                    return received, "RST"
                if not data:
                    return received, "FIN"
                for event in client.receive_data(data):
                    head = head or isinstance(event, h2.events.ResponseReceived)
                    if isinstance(event, h2.events.DataReceived):
                        received += len(event.data)
                if head:
                    client.ping(b"unread!!")
                    sock.sendall(client.data_to_send())
    raise AssertionError("the connection did not end")


def test_h2_close_mid_body_is_a_fin_though_the_client_sent_more() -> None:
    """A close with bytes unread is an RST on Linux: the fault claims saw ECONNRESET where
    they meant a FIN (hidden by ssl on Python < 3.13, which reads an RST as EOF)."""
    assert h2_client_sees_the_end("h2-close-mid-body") == (500, "FIN")


def test_h2_reset_mid_body_is_an_rst_in_clear_text() -> None:
    """In clear text, so the RST reaches the client on every Python (over TLS, Python < 3.13
    reads it as EOF: CPython gh-115627)."""
    assert FAULTS["h2-reset-mid-body"].clear_text
    assert h2_client_sees_the_end("h2-reset-mid-body") == (500, "RST")
