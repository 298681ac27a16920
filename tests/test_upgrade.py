"""The upgrade command's parts that need no environment: requirements and the verdict."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from upgrade.judge import DECISIVE_MARGIN, decisive
from upgrade.requirement import SpecError, parse
from upgrade.verdict import EXIT_CANNOT_JUDGE, EXIT_CHANGED, EXIT_PASS, Finding, Verdict


def test_a_pinned_httpx_gets_the_extras_the_suites_need() -> None:
    spec = parse("httpx==0.29.0")
    assert (spec.distribution, spec.import_name) == ("httpx", "httpx")
    assert spec.install == "httpx[brotli,http2]==0.29.0"


def test_extras_the_user_names_are_kept_and_none_can_be_asked_for() -> None:
    assert parse("httpx[http2]==0.28.1").install == "httpx[http2]==0.28.1"
    assert parse("httpx==0.28.1", extras=()).install == "httpx==0.28.1"


def test_a_fork_imports_as_its_distribution_unless_told() -> None:
    assert parse("httpx2==2.16.2").import_name == "httpx2"
    assert parse("httpx-yz", import_name="httpxyz").import_name == "httpxyz"
    assert parse("httpx-yz").import_name == "httpx_yz"


def test_a_local_wheel_is_installed_from_its_file(tmp_path: Path) -> None:
    wheel = tmp_path / "httpx-0.28.1+altered.more.work-py3-none-any.whl"
    wheel.write_bytes(b"")
    spec = parse(str(wheel))
    assert spec.distribution == "httpx"
    assert spec.install == f"httpx[http2,brotli] @ {wheel.as_uri()}"
    assert spec.is_path


@pytest.mark.parametrize(("given", "message"), [
    ("", "an empty requirement"),
    ("httpx===", "is not a pip requirement"),
    ("./missing-0.1-py3-none-any.whl", "no such file"),
    ("httpx==0.28.1", "is not a module name"),
])
def test_what_cannot_be_installed_is_one_line(given: str, message: str) -> None:
    with pytest.raises(SpecError, match=message) as raised:
        parse(given, import_name="not-a-module" if given == "httpx==0.28.1" else None)
    assert "\n" not in str(raised.value)


def test_a_directory_is_not_a_target(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="must be a wheel or an sdist"):
        parse(str(tmp_path))


def verdict(*findings: Finding, cannot_judge: str | None = None) -> Verdict:
    result = Verdict("httpx==0.28.1", "httpx==0.29.0", findings=list(findings))
    result.cannot_judge = cannot_judge
    return result


BREAKING = Finding("breaking", "redirects.not-followed-by-default", "holds", "broken")
REGRESSION = Finding("regression", "pooled-http connections/request", "0", "1")
FLAKY = Finding("flaky", "timeouts.default-observed", "holds", "broken", "2 of 9")


@pytest.mark.parametrize(("findings", "cannot_judge", "code"), [
    ((), None, EXIT_PASS),
    ((FLAKY, Finding("wire", "GET /json", "a", "b")), None, EXIT_PASS),
    ((BREAKING,), None, EXIT_CHANGED),
    ((REGRESSION,), None, EXIT_CHANGED),
    ((BREAKING, REGRESSION), "counts missing on TO: instructions", EXIT_CANNOT_JUDGE),
])
def test_exit_code(findings: tuple[Finding, ...], cannot_judge: str | None,
                   code: int) -> None:
    assert verdict(*findings, cannot_judge=cannot_judge).exit_code == code


def test_every_change_is_named_in_text_markdown_and_json() -> None:
    result = verdict(BREAKING, REGRESSION, FLAKY)
    result.packages = [("h11", "0.14.0", "0.16.0")]
    for text in (result.text(), result.markdown(), result.as_json()):
        for finding in (BREAKING, REGRESSION, FLAKY):
            assert finding.item in text
        assert "h11" in text and "0.16.0" in text
    assert result.headline().endswith("1 breaking, 1 count regression(s)")
    assert json.loads(result.as_json())["exit_code"] == EXIT_CHANGED


def test_could_not_judge_is_one_line_with_the_reason() -> None:
    result = verdict(cannot_judge="valgrind not found")
    assert result.headline().endswith("could not judge: valgrind not found")
    assert "\n" not in result.headline()
    assert "(exit 2)" in result.markdown()


def test_only_instruction_counts_far_beyond_their_threshold_skip_the_recount() -> None:
    rows = pd.DataFrame({
        "measure": ["instructions/request", "instructions/request", "syscalls/request",
                    "connections/request"],
        "margin": [DECISIVE_MARGIN, DECISIVE_MARGIN - 0.1, None, None]})
    assert decisive(rows).tolist() == [True, False, False, False]


def test_a_conformance_file_with_harness_errors_is_measured_again(tmp_path: Path) -> None:
    # Seen at load 9: a worker's server did not start in time, 187 claims errored at setup.
    from upgrade.suites import partial

    def written(name: str, document: dict) -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(document), encoding="utf-8")
        return path

    whole = {"partial": False, "summary": {"holds": 300, "harness-error": 0}}
    assert not partial(written("whole.json", whole))
    errors = {"partial": False, "summary": {"holds": 130, "harness-error": 180}}
    assert partial(written("errors.json", errors))
    assert partial(written("cut.json", {"partial": True, "summary": {}}))
    assert partial(tmp_path / "never-written.json")


def test_a_count_file_with_a_failed_scenario_is_measured_again(tmp_path: Path) -> None:
    # Seen at load 9: granian dropped a one-off https request under callgrind, and the
    # count run's instructions for that scenario were absent with the error.
    from upgrade.suites import partial

    def bench(absent: dict[str, str]) -> Path:
        path = tmp_path / f"bench-{len(absent)}-{len(list(tmp_path.iterdir()))}.json"
        counts = {"scenario": "oneoff-https", "instructions_per_request": 8.3e6,
                  "absent": absent}
        path.write_text(json.dumps({"benchmarks": [
            {"name": "test_counts[oneoff-https]", "extra_info": {"counts": counts}}]}))
        return path

    assert not partial(bench({}))
    # A tool that is missing is said, not retried: a second run would lack it too.
    assert not partial(bench({"instructions": "valgrind not found (Debian: ...)"}))
    assert partial(bench({"instructions": "httpx.RemoteProtocolError: Server disconnected "
                                          "without sending a response."}))
    assert partial(bench({"syscalls": "strace run failed (exit 1): ..."}))
