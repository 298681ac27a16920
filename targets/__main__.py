"""``python -m targets run [--] COMMAND...``: install the target from the environment, run.

Exit code: the command's for the pinned target. A candidate that behaves differently
informs (0); a suite that could not measure its target (server would not start, plugin or
collection error: no result file, or pytest's exit code is not 0 or 1) is a harness error
for any target: recorded as a ``harness-error`` result with the reason, and exit code 3.
A gating target that cannot be installed fails with one line.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from harness import schema
from harness.schema import NOT_INSTALLED_ENV
from targets.harness_error import (
    OutputTail,
    harness_error,
    result_files,
    write_conformance_error,
)
from targets.install import Target, check_import, install

HARNESS_ERROR_EXIT = 3


def target_from_environment() -> Target:
    missing = [k for k in ("HARNESS_TARGET", "HARNESS_REQUIREMENT") if not os.environ.get(k)]
    if missing:
        raise SystemExit(f"targets: {' and '.join(missing)} not set (run through tox, e.g. "
                         "tox -e conformance-httpx0281)")
    return Target(
        name=os.environ["HARNESS_TARGET"],
        requirement=os.environ["HARNESS_REQUIREMENT"],
        import_name=os.environ.get("HARNESS_IMPORT") or "httpx",
        gate=os.environ.get("HARNESS_GATE") == "1",
    )


def run(command: list[str]) -> int:
    target = target_from_environment()
    role = "pinned, gates the run" if target.gate else "candidate, informs"
    print(f"targets: {target.name} ({role}): installing {target.requirement}", flush=True)
    problem = install(target) or check_import(target)
    env = dict(os.environ)
    if problem:
        print(f"targets: {target.name}: {problem}", flush=True)
        env[NOT_INSTALLED_ENV] = problem  # the suite records every claim as not-installed
    if not command:
        return 1 if problem and target.gate else 0
    # The suite and this runner must agree on the run, also outside tox.
    env[schema.RUN_ENV] = run_name = schema.run_id()
    directory = schema.results_root() / run_name / target.name
    before = result_files(directory)
    code, tail = run_teeing(command, env)
    if is_suite(command):
        reason = harness_error(code, bool(result_files(directory) - before), tail)
        if reason:
            print(f"targets: {target.name}: harness error, nothing measured: {reason}",
                  flush=True)
            if is_conformance(command):
                path = write_conformance_error(target.name, run_name, reason)
                print(f"targets: {target.name}: recorded as harness-error in {path}", flush=True)
            return HARNESS_ERROR_EXIT
    if problem and target.gate:
        return 1
    if code != 0 and not target.gate:
        print(f"targets: {target.name} is a candidate: exit code {code} reported, not failed",
              flush=True)
        return 0
    return code


def is_suite(command: list[str]) -> bool:
    """A pytest run (that writes result files), not some other command."""
    return any(word == "pytest" or word.endswith(("/pytest", "pytest.exe")) for word in command)


def is_conformance(command: list[str]) -> bool:
    return any("conformance" in Path(word).parts for word in command)


def run_teeing(command: list[str], env: dict[str, str]) -> tuple[int, list[str]]:
    """Run ``command``, passing its output through as it comes; (exit code, last lines)."""
    tail = OutputTail()
    pending = b""
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT) as process:
        assert process.stdout is not None
        try:
            while chunk := process.stdout.read1(65536):
                sys.stdout.buffer.write(chunk)
                sys.stdout.flush()
                *lines, pending = (pending + chunk).split(b"\n")
                for line in lines:
                    tail.add(line.decode(errors="replace"))
        except KeyboardInterrupt:  # Ctrl-C reached the suite too: let it finish its files
            tail.add("Interrupted: KeyboardInterrupt")
            process.wait(timeout=60)
        tail.add(pending.decode(errors="replace"))
    return process.returncode, list(tail.lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m targets", description=__doc__)
    sub = parser.add_subparsers(dest="action", required=True)
    run_parser = sub.add_parser("run", help="install the target, then run COMMAND")
    run_parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    return run(command)


if __name__ == "__main__":
    sys.exit(main())
