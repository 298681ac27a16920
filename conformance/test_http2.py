"""HTTP/2: off by default, negotiated with http2=True over TLS, fall-back, multiplexing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest

from conformance.helpers import echo, run
from conformance.target import MissingAPI
from harness import schema


def h2_connections(server, stats) -> dict:
    snapshot = stats.get()
    return {"by protocol": snapshot["connections_by_protocol"],
            "peak streams": snapshot["peak_streams_per_h2_connection"]}


@pytest.mark.claim("http2.not-enabled-by-default")
def test_not_enabled_by_default(hx, server, observe):
    with hx.Client(**hx.trusting(server)) as client:
        r = client.get(server.https + "/get")
    observe({"http_version": r.http_version, "server saw": echo(r)["http_version"]})
    assert r.http_version == "HTTP/1.1"


@pytest.mark.claim("http2.negotiated-client")
def test_negotiated_client(hx, server, observe):
    with hx.Client(http2=True, **hx.trusting(server)) as client:
        r = client.get(server.https + "/get")
    observe({"http_version": r.http_version, "server saw": echo(r)["http_version"]})
    assert r.http_version == "HTTP/2"
    assert echo(r)["http_version"] == "2"


@pytest.mark.claim("http2.negotiated-async-client")
def test_negotiated_async_client(hx, server, observe):
    async def fetch():
        async with hx.AsyncClient(http2=True, **hx.trusting(server)) as client:
            return await client.get(server.https + "/get")

    r = run(fetch())
    observe({"http_version": r.http_version, "server saw": echo(r)["http_version"]})
    assert r.http_version == "HTTP/2"


@pytest.mark.claim("http2.falls-back-to-http11")
def test_falls_back_to_http11(hx, server, observe):
    with hx.Client(http2=True, **hx.trusting(server)) as client:
        r = client.get(server.https_h1 + "/get")
    observe({"status": r.status_code, "http_version": r.http_version})
    assert (r.status_code, r.http_version) == (200, "HTTP/1.1")


@pytest.mark.claim("http2.multiplexed-one-connection")
def test_multiplexed_one_connection(hx, server, server_stats, observe):
    async def fan_out():
        async with hx.AsyncClient(http2=True, **hx.trusting(server)) as client:
            rs = await asyncio.gather(*(client.get(server.https + "/delay/0.3")
                                        for _ in range(20)))
            return [r.http_version for r in rs]

    versions = run(fan_out())
    seen = h2_connections(server, server_stats)
    observe(seen)
    assert versions == ["HTTP/2"] * 20
    assert seen["by protocol"].get("HTTP/2") == 1
    assert seen["peak streams"] > 1


@pytest.mark.claim("http2.sync-client-one-connection")
def test_sync_client_one_connection(hx, server, server_stats, observe):
    with hx.Client(http2=True, **hx.trusting(server)) as client:
        versions = [client.get(server.https + "/get").http_version for _ in range(5)]
    seen = h2_connections(server, server_stats)
    observe(seen)
    assert versions == ["HTTP/2"] * 5
    assert seen["by protocol"] == {"HTTP/2": 1}


@pytest.mark.claim("http2.requests-http11-only")
def test_requests_http11_only(hx, requests_side, server, observe):
    with requests_side as side:
        r = side.lib.get(server.https + "/get", verify=server.ca)
        side.observe(echo(r)["http_version"])
        assert echo(r)["http_version"] == "1.1"
    with hx.Client(http2=True, **hx.trusting(server)) as client:
        r = client.get(server.https + "/get")
    observe(echo(r)["http_version"])
    assert echo(r)["http_version"] == "2"


PROBE_WITHOUT_H2 = """
import importlib, sys
sys.modules["h2"] = None  # as if the http2 extra were not installed
target = importlib.import_module(sys.argv[1])
try:
    target.Client(http2=True)
except ImportError as error:
    print("ImportError:", error)
except TypeError as error:
    print("TypeError:", error)
else:
    print("no error")
"""


@pytest.mark.claim("http2.needs-extra")
def test_needs_extra(hx, observe):
    probe = subprocess.run([sys.executable, "-c", PROBE_WITHOUT_H2, schema.target_import()],
                           capture_output=True, text=True, timeout=30,
                           env={**os.environ, "PYTHONWARNINGS": "ignore"})
    line = (probe.stdout.strip() or probe.stderr.strip()).splitlines()[-1:]
    observe(line[0] if line else "")
    if probe.stdout.startswith("TypeError:") and "http2" in probe.stdout:
        raise MissingAPI(probe.stdout.strip())  # no http2 argument at all
    assert probe.stdout.startswith("ImportError:")
    assert "http2" in probe.stdout
