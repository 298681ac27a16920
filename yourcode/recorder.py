"""A pytest plugin that records every request the tested code sends through httpx or a fork.

Loaded with ``-p yourcode.recorder`` or by its ``pytest11`` entry point of the same name, and
inert unless ``--yourcode-record DIR`` (or ``$YOURCODE_RECORD``) says where to write. The
client modules to watch are ``--yourcode-import httpx,httpx2`` (or ``$YOURCODE_IMPORT``;
default ``httpx``). It needs only the standard library and pytest: it runs inside the
project's own test environment.

Hook point: ``Client._send_single_request`` and ``AsyncClient._send_single_request`` (the
same name in httpx 0.18 to 0.29, httpx2 and httpxyz). Every route converges there, once per
request that reaches a transport: after auth has added its headers and once per redirect
hop, and above the resolved transport, whichever it is (the default one, a mounted one,
``MockTransport``); respx (which patches ``_transport_for_url`` or httpcore) and pytest_httpx
(which patches ``HTTPTransport.handle_request``) both sit below it. ``Client.send`` would see
a request before auth and redirects; wrapping a client's transports would miss respx's
``_transport_for_url`` patch and show through ``client._transport``.

Nothing the test sees changes: the wrapped method returns or raises what the original did. A
body already in memory is read from ``request.content``; a streamed one is teed while the
transport reads it (the transport still gets every chunk, once) and the original stream is
put back afterwards unless the transport replaced it itself (``request.read()`` does).

Each process appends JSON lines to ``DIR/requests-<pid>.jsonl`` (one per request, written
when it ends) and ``DIR/outcomes-<pid>.jsonl`` (one per test), and writes
``DIR/session-<pid>.json`` (what was hooked, versions, problems, and which module answered
``import httpx`` where a fork was aliased to it). Bytes are stored as latin-1
text, which round-trips every byte.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest

RECORD_ENV = "YOURCODE_RECORD"
IMPORT_ENV = "YOURCODE_IMPORT"
BODY_LIMIT = 1 << 20  # bytes of a body kept; its length and sha256 are always recorded
MESSAGE_LIMIT = 300
OUTSIDE = "<outside a test>"  # requests sent during collection or at session scope
HOOKED = "_send_single_request"
ALIASABLE = ("httpx",)  # names a fork may answer for (yourcode.alias): which module did?


def text(data: bytes) -> str:
    return data.decode("latin-1")


class Recorder:
    """Where the records go, and which test is running."""

    def __init__(self, directory: Path, import_names: list[str]) -> None:
        self.directory = directory
        self.import_names = import_names
        self.lock = threading.Lock()
        self.nodeid = OUTSIDE
        self.order: dict[str, int] = {}
        self.reports: dict[str, list[Any]] = {}
        self.restore: list[tuple[type, str, Any]] = []
        self.session: dict[str, Any] = {"pid": os.getpid(), "clients": {}, "problems": [],
                                        "aliases": {}}
        directory.mkdir(parents=True, exist_ok=True)
        self.requests = open(directory / f"requests-{os.getpid()}.jsonl", "a", encoding="utf-8")  # noqa: SIM115
        self.outcomes = open(directory / f"outcomes-{os.getpid()}.jsonl", "a", encoding="utf-8")  # noqa: SIM115

    def write(self, stream: Any, entry: dict[str, Any]) -> None:
        with self.lock:
            stream.write(json.dumps(entry) + "\n")
            stream.flush()  # a suite killed by its timeout keeps what it recorded

    # -- hooking ----------------------------------------------------------------------------
    def hook(self) -> None:
        for name in self.import_names:
            try:
                module = importlib.import_module(name)
            except Exception as error:
                self.session["problems"].append(f"import {name} failed: {error}")
                continue
            classes = [getattr(module, c, None) for c in ("Client", "AsyncClient")]
            if not all(isinstance(c, type) and hasattr(c, HOOKED) for c in classes):
                self.session["problems"].append(
                    f"{name} {getattr(module, '__version__', '?')}: no Client.{HOOKED} "
                    "to record at (not an httpx 0.x-shaped client)")
                continue
            sync, asynchronous = classes
            self.wrap(sync, self.sync_wrapper(getattr(sync, HOOKED), module))
            self.wrap(asynchronous, self.async_wrapper(getattr(asynchronous, HOOKED), module))
            self.session["clients"][name] = getattr(module, "__version__", "unknown")

        for name in ALIASABLE:
            try:
                answered = importlib.import_module(name).__name__
            except Exception:  # not installed: nothing answers for it
                continue
            if answered != name:
                self.session["aliases"][name] = answered

    def wrap(self, cls: type, wrapper: Any) -> None:
        self.restore.append((cls, HOOKED, cls.__dict__[HOOKED]))
        setattr(cls, HOOKED, wrapper)

    def unhook(self) -> None:
        for cls, name, original in reversed(self.restore):
            setattr(cls, name, original)
        self.restore.clear()

    def sync_wrapper(self, original: Any, module: Any) -> Any:
        @functools.wraps(original)
        def _send_single_request(client: Any, request: Any) -> Any:
            entry, tee = self.begin(request, module, asynchronous=False)
            try:
                response = original(client, request)
            except BaseException as error:
                self.end(entry, request, tee, None, error)
                raise
            self.end(entry, request, tee, response, None)
            return response

        return _send_single_request

    def async_wrapper(self, original: Any, module: Any) -> Any:
        @functools.wraps(original)
        async def _send_single_request(client: Any, request: Any) -> Any:
            entry, tee = self.begin(request, module, asynchronous=True)
            try:
                response = await original(client, request)
            except BaseException as error:
                self.end(entry, request, tee, None, error)
                raise
            self.end(entry, request, tee, response, None)
            return response

        return _send_single_request

    # -- one request ------------------------------------------------------------------------
    def begin(self, request: Any, module: Any, asynchronous: bool) -> tuple[dict, Any]:
        with self.lock:
            nodeid = self.nodeid
            self.order[nodeid] = order = self.order.get(nodeid, 0) + 1
        url = request.url
        entry = {
            "test": nodeid,
            "order": order,
            "client": module.__name__,
            "async": asynchronous,
            "method": text(request.method.encode("ascii", "replace")),
            "origin": f"{url.scheme}://{url.host}" + (f":{url.port}" if url.port else ""),
            "target": text(url.raw_path),
            "headers": [[text(k), text(v)] for k, v in request.headers.raw],
        }
        tee = None
        try:
            request.content  # noqa: B018 (a body in memory: nothing to tee)
        except module.RequestNotRead:
            tee = tee_class(module, request.stream)(request.stream)
            request.stream = tee
        return entry, tee

    def end(self, entry: dict, request: Any, tee: Any, response: Any,
            error: BaseException | None) -> None:
        if tee is not None and request.stream is tee:
            request.stream = tee.inner  # the transport did not replace it: put it back
        if tee is None:
            body, complete = request.content, True
        else:
            body, complete = b"".join(tee.chunks), tee.finished
        entry.update({
            "streamed": tee is not None,
            "body_complete": complete,  # False: the transport stopped reading a stream
            "body_length": len(body),
            "body_sha256": hashlib.sha256(body).hexdigest(),
            "body": text(body[:BODY_LIMIT]),
            "status": getattr(response, "status_code", None),
            "exception": None if error is None else {
                "type": type(error).__qualname__,
                "module": type(error).__module__,
                "message": str(error)[:MESSAGE_LIMIT],
            },
        })
        self.write(self.requests, entry)

    # -- tests ------------------------------------------------------------------------------
    def finish_test(self, nodeid: str) -> None:
        reports = self.reports.pop(nodeid, [])
        outcome, crash = "passed", None
        for report in reports:
            if report.failed:
                outcome = "failed" if report.when == "call" else "error"
            elif report.skipped and outcome == "passed":
                outcome = "xfailed" if hasattr(report, "wasxfail") else "skipped"
            elif report.when == "call" and hasattr(report, "wasxfail"):
                outcome = "xpassed"
            if report.failed and crash is None:
                crash = crash_line(report)
        self.write(self.outcomes, {"test": nodeid, "outcome": outcome, "crash": crash})

    def close(self) -> None:
        self.unhook()
        self.requests.close()
        self.outcomes.close()
        path = self.directory / f"session-{os.getpid()}.json"
        path.write_text(json.dumps(self.session, indent=2) + "\n", encoding="utf-8")


def crash_line(report: pytest.TestReport | pytest.CollectReport) -> str | None:
    """The first line of a failure (``AssertionError: ...``), as the summary shows it."""
    crash = getattr(report.longrepr, "reprcrash", None)
    lines = str(getattr(crash, "message", None) or report.longrepr or "").splitlines()
    return lines[0][:MESSAGE_LIMIT] if lines else None


class _Tee:
    """Passes a request stream's chunks through to the transport, keeping a copy."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.chunks: list[bytes] = []
        self.finished = False

    def __iter__(self) -> Any:
        for chunk in self.inner:
            self.chunks.append(bytes(chunk))
            yield chunk
        self.finished = True

    async def __aiter__(self) -> Any:
        async for chunk in self.inner:
            self.chunks.append(bytes(chunk))
            yield chunk
        self.finished = True

    def close(self) -> None:
        if hasattr(self.inner, "close"):
            self.inner.close()

    async def aclose(self) -> None:
        if hasattr(self.inner, "aclose"):
            await self.inner.aclose()


@functools.cache
def _tee_for(bases: tuple[type, ...]) -> type:
    return type("RecordingStream", (_Tee, *bases), {})


def tee_class(module: Any, stream: Any) -> type:
    """A tee that is a sync and/or async stream exactly where the original is one, so the
    client's own type checks (sync stream on a sync client) answer as they would have."""
    bases = tuple(base for base in (module.SyncByteStream, module.AsyncByteStream)
                  if isinstance(stream, base))
    return _tee_for(bases)


# -- pytest hooks -------------------------------------------------------------------------
_recorder: Recorder | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("yourcode", "record the requests sent through httpx")
    group.addoption("--yourcode-record", metavar="DIR", default=os.environ.get(RECORD_ENV),
                    help=f"record every request into DIR (default ${RECORD_ENV}; off if unset)")
    group.addoption("--yourcode-import", metavar="NAMES",
                    default=os.environ.get(IMPORT_ENV) or "httpx",
                    help="client modules to record, comma-separated (default httpx)")


def pytest_configure(config: pytest.Config) -> None:
    global _recorder
    directory = config.getoption("--yourcode-record")
    if not directory or _recorder is not None:
        return
    names = [n.strip() for n in config.getoption("--yourcode-import").split(",") if n.strip()]
    _recorder = Recorder(Path(directory), names)
    _recorder.hook()


def pytest_unconfigure(config: pytest.Config) -> None:
    global _recorder
    if _recorder is not None:
        _recorder.close()
        _recorder = None


def pytest_runtest_logstart(nodeid: str, location: Any) -> None:
    if _recorder is not None:
        _recorder.nodeid = nodeid


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if _recorder is not None:
        _recorder.reports.setdefault(report.nodeid, []).append(report)


def pytest_runtest_logfinish(nodeid: str, location: Any) -> None:
    if _recorder is not None:
        _recorder.finish_test(nodeid)
        _recorder.nodeid = OUTSIDE


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if _recorder is not None and report.failed:  # a module that no longer imports, say
        _recorder.write(_recorder.outcomes, {"test": report.nodeid or "<session>",
                                             "outcome": "collection error",
                                             "crash": crash_line(report)})
