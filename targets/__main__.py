"""``python -m targets run [--] COMMAND...``: install the target from the environment, run.

Exit code: the command's, except that a non-gating target never fails (its results are
written all the same), and a gating target that cannot be installed fails with one line.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from harness.schema import NOT_INSTALLED_ENV
from targets.install import Target, check_import, install


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
    code = subprocess.run(command, env=env).returncode
    if problem and target.gate:
        return 1
    if code != 0 and not target.gate:
        print(f"targets: {target.name} is a candidate: exit code {code} reported, not failed",
              flush=True)
        return 0
    return code


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
