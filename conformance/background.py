"""Slow checks (the 5 s default timeout and friends) run in threads from the session start.

A test module registers a job for its claim with ``@background_job(claim_id)``; the
``background`` session fixture starts the jobs of every selected claim at once, so their
waits overlap with each other and with the rest of the suite. The test then asks for the
job's result, which re-raises whatever the job raised.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

Job = Callable[..., Any]
JOBS: dict[str, tuple[str, Job]] = {}  # job name -> (claim id, job)
RESULT_TIMEOUT = 25.0


def background_job(claim_id: str, name: str | None = None) -> Callable[[Job], Job]:
    """Register ``job(hx=..., server=...)`` to run in the background for ``claim_id``.

    ``name`` (default: the claim id) tells several jobs of one claim apart.
    """

    def register(job: Job) -> Job:
        JOBS[name or claim_id] = (claim_id, job)
        return job

    return register


@dataclass
class Timed:
    """What a job returned, and how long it ran."""

    value: Any
    seconds: float


def _timed(job: Job, kwargs: dict[str, Any]) -> Timed:
    start = time.monotonic()
    for value in kwargs.values():
        if isinstance(value, Exception):  # e.g. NotInstalled: the job cannot run at all
            raise value
    try:
        return Timed(job(**kwargs), time.monotonic() - start)
    except BaseException as error:  # re-raised by result(), with the time it took
        error.seconds = time.monotonic() - start  # type: ignore[attr-defined]
        raise


class Background:
    """The running jobs of one session."""

    def __init__(self, claims: set[str], kwargs: dict[str, Any]) -> None:
        selected = self.jobs_for(claims)
        self.executor = ThreadPoolExecutor(max_workers=max(1, len(selected)),
                                           thread_name_prefix="conformance-background")
        self.futures: dict[str, Future[Timed]] = {
            name: self.executor.submit(_timed, job, kwargs) for name, job in selected.items()}

    @staticmethod
    def jobs_for(claims: set[str]) -> dict[str, Job]:
        return {name: job for name, (claim, job) in JOBS.items() if claim in claims}

    def result(self, name: str) -> Timed:
        """The job's result; its exception (with ``.seconds``) if it raised."""
        return self.futures[name].result(timeout=RESULT_TIMEOUT)

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
