"""pytest plugin: maps each test to its claim and outcome, writes conformance.json + JUnit XML.

Registered by ``conformance/conftest.py``. Per test the outcome is ``holds`` (passed),
``missing-api`` (the target lacks the capability: no name or argument for it in any of its
API generation's forms), ``setup-failed`` (a step that prepares the observation, such as
trusting the test CA, failed in every way the target supports; see generations/),
``not-installed`` (the target cannot be imported), ``harness-error`` (a fixture of the
harness failed before the target was asked anything: no frame of the target in the
traceback; or a wire fault script raised, so the fault was not sent as written) or
``broken`` (anything else). A failure
the target's expectations file predicts is reported as xfail, so a run stays green on
known deviations; any claim whose outcome differs from its expectation fails the session.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance.catalogue import Claim, coverage_problems, load_catalogue
from conformance.expectations import Expectation, expected_outcome, load_expectations
from conformance.target import NotInstalled, import_target, is_missing_api, target_name
from generations import SetupFailed
from harness import schema

CONFORMANCE_DIR = Path(__file__).resolve().parent
DEFAULT_TEST_TIMEOUT = 30.0
MESSAGE_LIMIT = 400
UNEXPECTED_LINES = 25  # the terminal lists this many; conformance.json has them all
# When one claim has several tests, the claim takes the first of these its tests show.
PRECEDENCE = ("not-installed", "harness-error", "missing-api", "setup-failed", "broken",
              "holds")


@dataclass
class SideResult:
    """The outcome of one client's side of a test."""

    outcome: str = "holds"
    observed: Any = None
    message: str = ""


@dataclass
class TestRecord:
    name: str
    httpx: SideResult = field(default_factory=SideResult)
    requests: SideResult | None = None
    duration: float = 0.0


observed_key = pytest.StashKey[dict[str, Any]]()
requests_key = pytest.StashKey[SideResult]()
# The attribute that carries a test's record on its report: under pytest-xdist the reports
# are what travels from a worker to the controller, which writes conformance.json.
RECORD_ATTRIBUTE = "conformance_record"


def is_worker(config: pytest.Config) -> bool:
    """A pytest-xdist worker: it runs tests, the controller writes the results."""
    return hasattr(config, "workerinput")


def is_controller(config: pytest.Config) -> bool:
    """The pytest-xdist controller: it runs no test, it gathers the workers' reports."""
    return config.pluginmanager.has_plugin("dsession")


def encode_record(claim: str, record: TestRecord) -> str:
    return json.dumps({"claim": claim, **asdict(record)}, default=str)


def decode_record(text: str) -> tuple[str, TestRecord]:
    data = json.loads(text)
    requests = data["requests"]
    return data["claim"], TestRecord(data["name"], SideResult(**data["httpx"]),
                                     None if requests is None else SideResult(**requests),
                                     data["duration"])


def claim_of(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("claim")
    return str(marker.args[0]) if marker and marker.args else None


def short_message(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    text = " ".join(excinfo.exconly().split())
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 3] + "..."


class HarnessError(Exception):
    """The harness's own part of a test failed (a wire fault script raised): the claim was
    not observed as written, whatever the client did."""


def classify(excinfo: pytest.ExceptionInfo[BaseException], target_module: str) -> str:
    if isinstance(excinfo.value, NotInstalled):
        return "not-installed"
    if isinstance(excinfo.value, HarnessError):
        return "harness-error"
    if isinstance(excinfo.value, SetupFailed):
        return "setup-failed"
    if is_missing_api(excinfo.value, target_module):
        return "missing-api"
    return "broken"


def in_target(excinfo: pytest.ExceptionInfo[BaseException], target_module: str) -> bool:
    """Whether any frame of the traceback runs the target's own code."""
    package = f"{os.sep}{target_module}{os.sep}"
    return any(package in str(entry.path) for entry in excinfo.traceback)


def outranks(claim_outcome: str, test_outcome: str) -> bool:
    """True when a claim of ``claim_outcome`` keeps it whatever this test's outcome is."""
    # harness-error is no target's outcome: never an expectation, never ranked against one.
    ranked = (claim_outcome in PRECEDENCE and test_outcome in PRECEDENCE
              and "harness-error" not in (claim_outcome, test_outcome))
    return ranked and claim_outcome != "holds" and (
        PRECEDENCE.index(claim_outcome) < PRECEDENCE.index(test_outcome))


def record_observed(item: pytest.Item, value: Any) -> None:
    item.stash[observed_key] = {"value": value}


def record_requests_side(item: pytest.Item, result: SideResult) -> None:
    item.stash[requests_key] = result


class ConformanceRecorder:
    """Collects per-test outcomes and writes the run's conformance.json at session end."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.catalogue: dict[str, Claim] = load_catalogue()
        self.target = target_name()
        self.run = schema.run_id()  # once: outside tox it is derived from the clock
        self.import_name = schema.target_import()
        # A rerun (<target>~rerun, reports/flaky.py) is held to its target's expectations.
        self.expectations: dict[str, Expectation] = load_expectations(
            self.target.removesuffix(schema.RERUN_SUFFIX))
        self.records: dict[str, list[TestRecord]] = {}
        self.problems: list[str] = []
        self.started = dt.datetime.now(dt.timezone.utc)
        self.clock = time.monotonic()
        self.result_path: Path | None = None
        self.claims_document: list[dict[str, Any]] = []
        self.cleared_variables: list[str] = []  # set by conftest.py: see harness.environment
        self.collection_order: dict[str, int] = {}  # test ids, under pytest-xdist

    def reserve_junit_path(self) -> None:
        """Point pytest's own JUnit XML writer at this run's result directory."""
        if is_worker(self.config):
            return  # the controller writes the XML (and reserves its name)
        if not self.config.option.collectonly and not self.config.option.xmlpath:
            self.config.option.xmlpath = str(schema.new_result_path(
                "conformance", ".xml", run=self.run, target=self.target))

    # --- collection ---------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, config: pytest.Config,
                                      items: list[pytest.Item]) -> None:
        marked = []
        for item in items:
            claim = claim_of(item)
            if claim is None:
                self.problems.append(f"{item.nodeid} has no @pytest.mark.claim")
                continue
            marked.append(claim)
            if item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(DEFAULT_TEST_TIMEOUT))
        if self.collected_whole_suite(config):
            self.problems += coverage_problems(self.catalogue, marked)
        else:
            self.problems += [p for p in coverage_problems(self.catalogue, marked)
                              if "unknown claim" in p]
        patterns = config.getoption("conformance_claims") or []
        if patterns:
            keep = [i for i in items if any(fnmatch.fnmatch(claim_of(i) or "", p)
                                            for p in patterns)]
            config.hook.pytest_deselected(items=[i for i in items if i not in keep])
            items[:] = keep

    @staticmethod
    def collected_whole_suite(config: pytest.Config) -> bool:
        """True when the arguments name the whole suite (so every claim must have a test)."""
        paths = [Path(config.invocation_params.dir, a.split("::")[0]).resolve()
                 for a in config.args]
        return all(path == CONFORMANCE_DIR for path in paths)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool | None:
        """A target that cannot be imported: every claim is not-installed, nothing runs."""
        if session.config.option.collectonly:
            return None
        try:
            import_target()
        except NotInstalled as error:
            if is_controller(session.config):
                # The controller holds no items: every selected claim of the catalogue.
                patterns = session.config.getoption("conformance_claims") or ["*"]
                for claim in self.catalogue:
                    if any(fnmatch.fnmatch(claim, p) for p in patterns):
                        self.records[claim] = [TestRecord(
                            claim, SideResult("not-installed", None, str(error)))]
                return True
            for item in session.items:
                claim = claim_of(item)
                if claim in self.catalogue:
                    record = self.record_for(item, claim)
                    record.httpx = SideResult("not-installed", None, str(error))
            return True
        return None

    # --- per test -----------------------------------------------------------------------

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]):
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        claim = claim_of(item)
        if claim is None or claim not in self.catalogue:
            return
        if report.when == "setup" and report.passed:
            return
        if report.when == "teardown" and not report.failed:
            return
        record = self.record_for(item, claim)
        record.duration += report.duration
        side = record.httpx
        if report.failed and call.excinfo is not None:
            side.outcome = classify(call.excinfo, self.import_name)
            side.message = short_message(call.excinfo)
            if (report.when == "setup" and side.outcome == "broken"
                    and not in_target(call.excinfo, self.import_name)):
                # A fixture of the harness failed (a server that did not start in time)
                # before the target was asked anything: not the target's outcome.
                side.outcome, side.message = "harness-error", "setup: " + side.message
        elif report.skipped:
            side.outcome, side.message = "broken", f"skipped: {report.longreprtext[:200]}"
        side.observed = item.stash.get(observed_key, {}).get("value")
        if side.observed is None and call.excinfo is not None and not isinstance(
                call.excinfo.value, AssertionError):
            # The test stopped before observing: what was raised is the observation.
            side.observed = {"raised": type(call.excinfo.value).__name__}
        record.requests = item.stash.get(requests_key, None)
        setattr(report, RECORD_ATTRIBUTE, encode_record(claim, record))
        if report.when != "call":
            return
        expected = expected_outcome(self.expectations, claim)
        requests_outcome = "holds" if record.requests is None else record.requests.outcome
        if report.passed and requests_outcome != expected.requests:
            # The claim is a difference from requests: its requests side is checked too.
            report.outcome = "failed"
            report.longrepr = (f"requests side of {claim} is {requests_outcome}, expected "
                               f"{expected.requests}: {record.requests.message}")
            return
        if report.passed and requests_outcome != "holds":
            report.outcome = "skipped"
            report.wasxfail = f"known deviation (requests {requests_outcome}): {expected.note}"
            return
        if not report.failed or requests_outcome != expected.requests:
            return
        if side.outcome == expected.outcome:
            report.outcome = "skipped"
            report.wasxfail = f"known deviation ({expected.outcome}): {expected.note}"
        elif outranks(expected.outcome, side.outcome):
            # One test of several: the claim takes its tests' first outcome in PRECEDENCE,
            # so this one cannot decide it (e.g. a HEAD variant that hangs where the other
            # verbs are missing-api). Whether the claim meets its expectation is checked
            # at session end, on the claim.
            report.outcome = "skipped"
            report.wasxfail = (f"known deviation ({expected.outcome}, which another test of "
                               f"the claim decides; this test: {side.outcome}): "
                               f"{expected.note}")

    def record_for(self, item: pytest.Item, claim: str) -> TestRecord:
        records = self.records.setdefault(claim, [])
        for record in records:
            if record.name == item.nodeid:
                return record
        records.append(TestRecord(item.nodeid))
        return records[-1]

    # --- pytest-xdist: the controller gathers what the workers ran -----------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        text = getattr(report, RECORD_ATTRIBUTE, None)
        if text is None or not is_controller(self.config):
            return
        claim, record = decode_record(text)
        records = self.records.setdefault(claim, [])
        records[:] = [r for r in records if r.name != record.name] + [record]
        # Collection order, as a run without workers keeps it (observed values and the
        # message of a claim with several tests follow it).
        records.sort(key=lambda r: self.collection_order.get(r.name, len(self.collection_order)))

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        if not self.collection_order:
            self.collection_order = {nodeid: index for index, nodeid in enumerate(ids)}

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = getattr(node, "workeroutput", {})
        for problem in output.get("conformance_problems", []):
            if problem not in self.problems:
                self.problems.append(problem)
        if error is not None:
            self.problems.append(f"pytest-xdist worker {node.gateway.id} crashed: {error}; "
                                 "the claims it was running may be missing")

    # --- session end --------------------------------------------------------------------

    def claim_entry(self, claim: Claim, records: list[TestRecord]) -> dict[str, Any]:
        def merged(sides: list[tuple[str, SideResult]]) -> SideResult:
            worst = min(sides, key=lambda s: PRECEDENCE.index(s[1].outcome))[1]
            if len(sides) == 1:
                observed = sides[0][1].observed
            else:
                observed = {name.split("[", 1)[-1].rstrip("]") if "[" in name else name:
                            side.observed for name, side in sides}
            return SideResult(worst.outcome, observed, worst.message)

        httpx_side = merged([(r.name, r.httpx) for r in records])
        requests_sides = [(r.name, r.requests) for r in records if r.requests is not None]
        requests_side = merged(requests_sides) if requests_sides else None
        expected = expected_outcome(self.expectations, claim.id)
        unexpected = httpx_side.outcome != expected.outcome or (
            requests_side is not None and requests_side.outcome != expected.requests)
        return {
            "id": claim.id,
            "sentence": claim.sentence,
            "source": claim.source,
            "outcome": httpx_side.outcome,
            "expected": expected.outcome,
            "unexpected": unexpected,
            "observed": httpx_side.observed,
            "tolerance": claim.tolerance,
            "message": httpx_side.message or (expected.note if not unexpected else ""),
            "duration": round(sum(r.duration for r in records), 4),
            "requests": None if requests_side is None else {
                "outcome": requests_side.outcome, "observed": requests_side.observed,
                "message": requests_side.message},
        }

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if is_worker(self.config):
            self.config.workeroutput["conformance_problems"] = self.problems  # type: ignore[attr-defined]
            return
        if self.config.option.collectonly:
            if self.problems:
                session.exitstatus = pytest.ExitCode.USAGE_ERROR
            return
        self.claims_document = [self.claim_entry(claim, self.records[cid])
                                for cid, claim in self.catalogue.items() if cid in self.records]
        if not self.claims_document:
            return
        summary = dict.fromkeys(schema.OUTCOMES, 0)
        for entry in self.claims_document:
            summary[entry["outcome"]] += 1
        summary["unexpected"] = sum(entry["unexpected"] for entry in self.claims_document)
        environment = schema.environment()
        engine = self.config.getoption("--server-engine", "hypercorn")
        environment.update(target=self.target, run=self.run,
                           client_variables_cleared=self.cleared_variables,
                           engine=engine, engine_version=schema.package_version(engine))
        document = {
            "schema": schema.CONFORMANCE_SCHEMA,
            "schema_version": schema.SCHEMA_VERSION,
            "environment": environment,
            "started": self.started.isoformat(),
            "duration": round(time.monotonic() - self.clock, 3),
            # Covered only part of the catalogue (-k, --claim, -x, an interruption): not a
            # baseline; the reports pass over it unless it is asked for by run.
            "partial": len(self.claims_document) < len(self.catalogue),
            "arguments": list(self.config.invocation_params.args),
            "summary": summary,
            "claims": self.claims_document,
        }
        self.result_path = schema.new_result_path("conformance", run=self.run,
                                                   target=self.target)
        schema.write_json(self.result_path, document)
        if (summary["unexpected"] or self.problems) and session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        write = terminalreporter.write_line
        if self.problems:
            terminalreporter.section("conformance: catalogue problems", red=True)
            for problem in self.problems:
                write(problem)
        if not self.claims_document:
            return
        terminalreporter.section(f"conformance: {self.target}")
        counts: dict[str, int] = {}
        for entry in self.claims_document:
            counts[entry["outcome"]] = counts.get(entry["outcome"], 0) + 1
        write(", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())))
        unexpected = [entry for entry in self.claims_document if entry["unexpected"]]
        if len(unexpected) > UNEXPECTED_LINES:
            write(f"{len(unexpected)} claims unexpected; the first {UNEXPECTED_LINES}:", red=True)
        for entry in unexpected[:UNEXPECTED_LINES]:
            if entry["unexpected"]:
                requests = entry["requests"] or {}
                write(f"UNEXPECTED {entry['id']}: {entry['outcome']} (expected "
                      f"{entry['expected']}) {entry['message']}"
                      + (f" | requests side {requests['outcome']}: {requests['message']}"
                         if requests.get("outcome", "holds") != "holds" else ""), red=True)
        write(f"results: {self.result_path}")
        if any(entry["unexpected"] for entry in self.claims_document):
            write("to accept these outcomes: python -m conformance.expectations write "
                  f"{self.result_path}")
