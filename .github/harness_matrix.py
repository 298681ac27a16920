"""The CI matrix of .github/workflows/harness.yml, from tox's own list of environments.

    python .github/harness_matrix.py --tox "uvx --with tox-uv tox" --event pull_request

prints ``matrix=<JSON>`` for $GITHUB_OUTPUT: one job per default tox environment (every
conformance target and the pinned bench; not ``report``, which is the report job), the
pinned target's conformance again on the other supported Pythons, and, for a scheduled or
"candidates" run, every fork's benchmarks too (the newest httpx release and the forks
against the pin are the workflow's ``upgrade-candidates`` jobs, ``tox -e upgrade``).
Nothing here names an environment that ``tox -l`` did not list. Standard library only:
it runs before anything is installed.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys

MAIN_PYTHON = "3.12"
OTHER_PYTHONS = ("3.10", "3.11", "3.13")  # the pinned target also runs on these
# the report job reads what the matrix jobs upload; upgrade runs in jobs of its own
NOT_A_JOB = {"report", "upgrade"}


def tox_list(tox: list[str], *options: str) -> list[str]:
    """Environment names, one a line, as ``tox -l`` prints them."""
    done = subprocess.run([*tox, "-l", *options], capture_output=True, text=True, timeout=300,
                          check=False)
    if done.returncode != 0:
        sys.exit(f"harness_matrix: {shlex.join([*tox, '-l', *options])} failed: "
                 f"{(done.stderr or done.stdout).strip().splitlines()[-1:]}")
    return [line.strip() for line in done.stdout.splitlines() if line.strip()]


def job(env: str, python: str = MAIN_PYTHON, posargs: str = "", tox_args: str = "",
        name: str = "", artifact_prefix: str = "results") -> dict[str, str]:
    name = name or (env if python == MAIN_PYTHON else f"{env}-py{python}")
    return {"name": name, "env": env, "python": python, "posargs": posargs,
            "tox_args": tox_args, "artifact": f"{artifact_prefix}-{name}"}


def plan(default_envs: list[str], bench_envs: list[str], pinned_env: str, bench_args: str,
         candidates: bool) -> list[dict[str, str]]:
    if pinned_env not in default_envs:
        sys.exit(f"harness_matrix: the pinned environment {pinned_env} is not in tox -l")
    jobs = []
    for env in default_envs:
        if env in NOT_A_JOB:
            continue
        jobs.append(job(env, posargs=bench_args if env.startswith("bench-") else ""))
    # Other Pythons: uploaded apart ("pyresults-"), compared with the main one by the report
    # job, so the matrix keeps one column per target.
    jobs += [job(pinned_env, python, artifact_prefix="pyresults") for python in OTHER_PYTHONS]
    if candidates:
        listed = {entry["env"] for entry in jobs}
        jobs += [job(env, posargs=bench_args) for env in bench_envs if env not in listed]
    return jobs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tox", default="tox", help="how to run tox (default: tox)")
    parser.add_argument("--pinned-env", default="conformance-httpx0290")
    parser.add_argument("--bench-args", default="--quick", help="the bench jobs' pytest args")
    parser.add_argument("--candidates", action="store_true",
                        help="also every fork's benchmarks (the weekly run)")
    args = parser.parse_args(argv)
    tox = shlex.split(args.tox)
    jobs = plan(tox_list(tox), tox_list(tox, "-m", "bench") if args.candidates else [],
                args.pinned_env, args.bench_args, args.candidates)
    print("matrix=" + json.dumps({"include": jobs}, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
