"""Running the grid through one library against a live server, bounded in count and time."""

from __future__ import annotations

import fnmatch
import signal
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from generations import MissingAPI
from server.process import ServerInfo
from snapshot import record
from snapshot.clients import Adapter
from snapshot.grid import Case, grid

CASE_SECONDS = 5  # one case; httpx 1.0.dev6 has no default timeout and follows any loop
TOTAL_SECONDS = 180.0  # the whole grid; cases past it are recorded as not run
PROGRESS_EVERY = 50


class CaseTimeout(BaseException):
    """Raised by the alarm; a BaseException so that no library catches and wraps it."""


@contextmanager
def alarm(seconds: int) -> Iterator[None]:
    def expire(signum: int, frame: Any) -> None:
        raise CaseTimeout(f"no answer in {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def templates(server: ServerInfo) -> dict[str, str]:
    port = urlsplit(server.http).port
    return {"origin": f"http://127.0.0.1:{port}", "other": f"http://localhost:{port}",
            "port": str(port)}


def fill_with(values: dict[str, str]) -> Any:
    def fill(template: str) -> str:
        for key, value in values.items():
            template = template.replace("{" + key + "}", value)
        return template

    return fill


def run_case(adapter: Adapter, case: Case, fill: Any,
             normalise: record.Normaliser) -> dict[str, Any]:
    """One case's record. A case that raised is tried once more on a fresh client: loopback
    keep-alive races (the server closing a connection the client is about to reuse) are
    not the library's behaviour. If the retry answers, that is recorded, with
    ``first_attempt`` naming what the first raised (shown, never compared)."""
    observed = attempt(adapter, case, fill, normalise)
    if observed["outcome"] == "exception":
        retried = attempt(adapter, case, fill, normalise)
        if retried["outcome"] != "exception":
            observed = {**retried, "first_attempt": observed["exception"]}
    return {"id": case.id, "area": case.area, "input": case.describe(),
            "claims": list(case.claims), **observed}


def attempt(adapter: Adapter, case: Case, fill: Any,
            normalise: record.Normaliser) -> dict[str, Any]:
    """One try: the exchange, the exception, or why the input could not be expressed."""
    observed: dict[str, Any]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # a deprecation warning is something users hit
        try:
            with alarm(CASE_SECONDS):
                reported = adapter.send(case, fill)
            reported.warnings = sorted({w.category.__name__ for w in caught})
            observed = record.exchange(reported, normalise)
        except MissingAPI as why:
            observed = {"outcome": "unsupported", "reason": str(why)}
        except CaseTimeout as error:
            observed = {"outcome": "timeout", "message": str(error)}
        except Exception as error:
            names = sorted({w.category.__name__ for w in caught})
            observed = record.failure(error, names, normalise)
    return observed


def run_grid(module: ModuleType, adapter: Adapter, server: ServerInfo,
             patterns: list[str] | None = None,
             budget: float = TOTAL_SECONDS) -> list[dict[str, Any]]:
    """Every case (or those matching any of ``patterns``), in grid order, with progress on
    stderr."""
    values = templates(server)
    fill = fill_with(values)
    ports = [urlsplit(url).port or 0 for url in (server.http, server.https, server.https_h1)]
    normalise = record.Normaliser(ports)
    cases = [case for case in grid()
             if not patterns or any(fnmatch.fnmatch(case.id, p) for p in patterns)]
    deadline = time.monotonic() + budget
    records = []
    for index, case in enumerate(cases, 1):
        if time.monotonic() > deadline:
            records.append({"id": case.id, "area": case.area, "input": case.describe(),
                            "outcome": "not-run", "reason": f"time budget of {budget:g} s spent"})
            continue
        records.append(run_case(adapter, case, fill, normalise))
        if index % PROGRESS_EVERY == 0 or index == len(cases):
            print(f"snapshot: {module.__name__}: {index}/{len(cases)} cases", file=sys.stderr,
                  flush=True)
    return records
