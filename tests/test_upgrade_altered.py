"""upgrade/altered.py: altered httpx 0.28.1 wheels are valid, install, and behave altered.

Each wheel is installed into a fresh venv beside a control venv with the real httpx
0.28.1; one probe, run in each, observes behaviour against a stdlib server on 127.0.0.1
(redirects followed, connections opened, how often a request's headers are normalised,
and how many headers one get builds per API and HTTP version, answered by a stand-in pool,
whether a streamed body is held whole) and the defaults a user sees. Each altered venv
must differ from the control in its own alteration's observations and nowhere else. Needs
the package index (or uv's cache): the tests that install skip with the reason when it
cannot be reached.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from upgrade.altered import ALTERATIONS, AlterationError, FetchError, build, patched, uv

REPO = Path(__file__).resolve().parent.parent
VERSION = "0.28.1"
TIMEOUT = 180.0  # seconds for one uv or probe command
PROXY_VARIABLES = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                   "all_proxy"}
# The first test's setup makes a venv and runs the probe per alteration and the control
# (eight): over pytest-timeout's default 120 s on a loaded machine.
pytestmark = pytest.mark.timeout(600)

PROBE = r'''
import asyncio
import http.server
import importlib.metadata
import json
import threading
import tracemalloc

import httpcore
import httpx
from httpx import _client, _models

ports = []
BODY, PIECE = 4 * 1024 * 1024, b"x" * 65536


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive unless the client closes

    def do_GET(self):
        ports.append(self.client_address[1])
        if self.path == "/body":
            self.send_response(200)
            self.send_header("Content-Length", str(BODY))
            self.end_headers()
            for _ in range(BODY // len(PIECE)):
                self.wfile.write(PIECE)
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/target")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def traced_peak(download):
    """The heap peak while ``download()`` runs, which must return the whole body's size."""
    tracemalloc.start()
    try:
        assert download() == BODY
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def stream_holds_body():
    """Whether streaming BODY bytes takes a heap peak of half the body or more, sync and
    async (the real iter_bytes() and aiter_bytes() hold a few chunks at most). Imports and
    connections come first, outside the figure."""
    with httpx.Client(trust_env=False, timeout=10) as client:
        client.get(base + "/get")

        def download():
            with client.stream("GET", base + "/body") as response:
                return sum(len(chunk) for chunk in response.iter_bytes())
        sync = traced_peak(download)

    async def main():
        async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
            await client.get(base + "/get")

            async def download():
                async with client.stream("GET", base + "/body") as response:
                    return sum([len(chunk) async for chunk in response.aiter_bytes()])
            tracemalloc.start()
            try:
                assert await download() == BODY
                return tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()

    return {"sync": sync > BODY // 2, "async": asyncio.run(main()) > BODY // 2}


class Counting(_models.Headers):
    calls = 0

    def __init__(self, *args, **kwargs):
        Counting.calls += 1
        super().__init__(*args, **kwargs)


class Answering:
    """A connection pool that answers every request itself, as HTTP/1.1 or HTTP/2 said
    (the stdlib server speaks HTTP/1.1 only)."""

    def __init__(self, version):
        self.version = version

    def answer(self):
        return httpcore.Response(200, headers=[(b"Content-Length", b"2")], content=b"ok",
                                 extensions={"http_version": self.version})

    def handle_request(self, request):
        return self.answer()

    async def handle_async_request(self, request):
        return self.answer()

    def close(self):
        pass

    async def aclose(self):
        pass


def headers_built_per_send():
    """Headers objects built for one get, per API and HTTP version (``Counting`` in place
    in the client module and the models module: what both look up)."""
    found = {}
    for version in ("HTTP/1.1", "HTTP/2"):
        sync, aio = httpx.HTTPTransport(), httpx.AsyncHTTPTransport()
        sync._pool = aio._pool = Answering(version.encode())
        client = httpx.Client(transport=sync)
        Counting.calls = 0
        assert client.get("http://example.test/").text == "ok"
        found[f"sync {version}"] = Counting.calls
        client.close()

        async def main():
            client = httpx.AsyncClient(transport=aio)
            Counting.calls = 0
            assert (await client.get("http://example.test/")).text == "ok"
            calls = Counting.calls
            await client.aclose()
            return calls
        found[f"async {version}"] = asyncio.run(main())
    return found


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
base = f"http://127.0.0.1:{server.server_address[1]}"
try:
    with httpx.Client() as client:  # the defaults a user gets
        timeout_read, follow = client.timeout.read, client.follow_redirects
    with httpx.Client(trust_env=False, timeout=10) as client:
        redirect_status = client.get(base + "/redirect").status_code
    holds = stream_holds_body()
    ports.clear()
    with httpx.Client(trust_env=False, timeout=10) as client:
        statuses = [client.get(base + "/get").status_code for _ in range(3)]
    _models.Headers = Counting  # what Request.__init__ looks up; the request is not sent
    request = httpx.Request("GET", "http://example.test/", headers={"X-One": "1", "x-two": "2"})
    request_headers_built = Counting.calls
    _client.Headers = Counting
    per_send = headers_built_per_send()
    print(json.dumps({
        "version": httpx.__version__,
        "metadata_version": importlib.metadata.version("httpx"),
        "timeout_read": timeout_read,
        "follow_redirects": follow,
        "redirect_status": redirect_status,
        "statuses": statuses,
        "connections_for_3_requests": len(set(ports)),
        "headers": [list(item) for item in request.headers.multi_items()],
        "headers_built_per_request": request_headers_built,
        "headers_built_per_send": per_send,
        "stream_holds_body": holds,
    }))
finally:
    server.shutdown()
'''

Observed = dict[str, Any]
# What each alteration changes in the probe's observations, given the control's.
CHANGES: dict[str, Callable[[Observed], Observed]] = {
    # upgrade/altered.py builds the headers three more times per request
    "more-work": lambda real: {
        "headers_built_per_request": real["headers_built_per_request"] + 3,
        "headers_built_per_send": {k: v + 3 for k, v in real["headers_built_per_send"].items()}},
    # AsyncClient.send alone; HTTP/2 responses alone (both APIs)
    "much-more-work": lambda real: {
        "headers_built_per_request": real["headers_built_per_request"] + 9,
        "headers_built_per_send": {k: v + 9 for k, v in real["headers_built_per_send"].items()}},
    "async-path": lambda real: {"headers_built_per_send": {
        k: v + 3 * k.startswith("async") for k, v in real["headers_built_per_send"].items()}},
    "http2-only": lambda real: {"headers_built_per_send": {
        k: v + 3 * k.endswith("HTTP/2") for k, v in real["headers_built_per_send"].items()}},
    "no-keepalive": lambda real: {"connections_for_3_requests": 3},
    "default-timeout": lambda real: {"timeout_read": 10.0},
    "follow-redirects": lambda real: {"follow_redirects": True, "redirect_status": 200},
    "buffered-stream": lambda real: {"stream_holds_body": {"sync": True, "async": True}},
}


def altered_version(name: str) -> str:
    return f"{VERSION}+altered.{name.replace('-', '.')}"


def run(command: list[str]) -> str:
    environment = {k: v for k, v in os.environ.items()
                   if k not in PROXY_VARIABLES | {"VIRTUAL_ENV", "PYTHONPATH"}}
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT,
                          env=environment)
    assert done.returncode == 0, f"{command[:4]} failed: {done.stderr[-2000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    outdir = tmp_path_factory.mktemp("wheels")
    try:
        return {name: build(VERSION, name, outdir) for name in ALTERATIONS}
    except FetchError as error:
        pytest.skip(f"httpx {VERSION} cannot be fetched from the package index: {error}")


@pytest.fixture(scope="module")
def observed(wheels: dict[str, Path], tmp_path_factory: pytest.TempPathFactory,
             ) -> dict[str, Observed]:
    """The probe's output in one fresh venv per alteration, and in the control ("real")."""
    root = tmp_path_factory.mktemp("venvs")
    requirements: dict[str, str] = {"real": f"httpx=={VERSION}"}
    requirements.update({name: str(path) for name, path in wheels.items()})
    results = {}
    for name, requirement in requirements.items():
        venv = root / name
        run([*uv(), "venv", "--quiet", "--python", sys.executable, str(venv)])
        python = str(venv / "bin" / "python")
        run([*uv(), "pip", "install", "--quiet", "--python", python, requirement])
        results[name] = json.loads(run([python, "-c", PROBE]))
    return results


def test_the_control_shows_what_the_alterations_change(
        observed: dict[str, Observed]) -> None:
    # The probe tells altered from real only if the real release differs on every point.
    real = observed["real"]
    assert real["version"] == real["metadata_version"] == VERSION
    assert (real["timeout_read"], real["follow_redirects"]) == (5.0, False)
    assert real["redirect_status"] == 302
    assert real["connections_for_3_requests"] == 1
    assert real["headers_built_per_request"] >= 1
    assert set(real["headers_built_per_send"]) == {
        "sync HTTP/1.1", "async HTTP/1.1", "sync HTTP/2", "async HTTP/2"}
    assert min(real["headers_built_per_send"].values()) >= 2  # the request's, the response's
    assert real["statuses"] == [200, 200, 200]
    assert real["stream_holds_body"] == {"sync": False, "async": False}


@pytest.mark.parametrize("name", list(ALTERATIONS))
def test_the_alteration_is_there_and_nothing_else(
        name: str, observed: dict[str, Observed]) -> None:
    expected = {**observed["real"], **CHANGES[name](observed["real"]),
                "version": altered_version(name), "metadata_version": altered_version(name)}
    assert observed[name] == expected


def test_every_alteration_is_probed() -> None:
    assert set(CHANGES) == set(ALTERATIONS)


def record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(
        b"=").decode()


@pytest.mark.parametrize("name", list(ALTERATIONS))
def test_the_wheel_and_its_record_agree(name: str, wheels: dict[str, Path]) -> None:
    dist_info = f"httpx-{altered_version(name)}.dist-info"
    assert wheels[name].name == f"httpx-{altered_version(name)}-py3-none-any.whl"
    with zipfile.ZipFile(wheels[name]) as wheel:
        assert wheel.testzip() is None
        members = {info.filename: wheel.read(info) for info in wheel.infolist()}
    rows = list(csv.reader(members[f"{dist_info}/RECORD"].decode().splitlines()))
    assert sorted(row[0] for row in rows) == sorted(members)
    for path, digest, size in rows:
        if path == f"{dist_info}/RECORD":
            assert (digest, size) == ("", "")
        else:
            assert (digest, size) == (record_hash(members[path]), str(len(members[path])))
    assert {path.split("/")[0] for path in members} == {"httpx", dist_info}
    assert f"\nVersion: {altered_version(name)}\n" in members[f"{dist_info}/METADATA"].decode()


def test_two_alterations_differ_only_where_patched(wheels: dict[str, Path]) -> None:
    def contents(name: str) -> dict[str, bytes]:
        with zipfile.ZipFile(wheels[name]) as wheel:
            return {info.filename.replace(altered_version(name), "V"): wheel.read(info)
                    for info in wheel.infolist()}
    first, second = contents("more-work"), contents("default-timeout")
    assert first.keys() == second.keys()
    assert {path for path in first if first[path] != second[path]} == {
        "httpx/_models.py", "httpx/_config.py", "httpx/__version__.py",
        "httpx-V.dist-info/METADATA", "httpx-V.dist-info/RECORD"}


def test_a_rebuild_gives_the_same_bytes(wheels: dict[str, Path]) -> None:
    before = wheels["no-keepalive"].read_bytes()
    assert build(VERSION, "no-keepalive", wheels["no-keepalive"].parent) == wheels[
        "no-keepalive"]
    assert wheels["no-keepalive"].read_bytes() == before


@pytest.mark.parametrize(("arguments", "message"), [
    (["0.28.x", "more-work"], "version '0.28.x' is not a public release"),
    (["0.28.1+local", "more-work"], "version '0.28.1+local' is not a public release"),
    (["0.28.1", "less-work"], "unknown alteration 'less-work'; known: more-work"),
])
def test_bad_arguments_get_one_line(arguments: list[str], message: str,
                                    tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "upgrade.altered", *arguments,
                           str(tmp_path / "out")], capture_output=True, text=True,
                          timeout=60, cwd=REPO)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_release_without_the_anchor_is_refused() -> None:
    files = {"httpx/_models.py": b"class Request:\n    pass\n"}
    with pytest.raises(AlterationError, match=r"^httpx 9\.9 does not have what more-work "
                                              r"changes: httpx/_models\.py has 0 of"):
        patched(files, "9.9", "more-work")
