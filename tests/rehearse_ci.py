"""A local rehearsal of .github/workflows/harness.yml: its own step scripts, run here.

    python tests/rehearse_ci.py WORKDIR            # synthetic suite results (about a minute)
    python tests/rehearse_ci.py WORKDIR --real     # the suite jobs' step too, real (minutes)

The workflow file is read and the ``run:`` scripts of its steps are executed with bash, as
the runner would (``bash -eo pipefail``), with the workflow's, the job's and each step's
``env:`` and each step's ``if:`` (``${{ ... }}`` expressions evaluated over a small
context; a name it does not know stops the rehearsal, so the workflow cannot drift away
from it unseen). What GitHub itself provides is stood in for: artifacts are directories
(``artifacts/results-*`` for this run, ``baseline/results-*`` for the default branch's last
good run, which the ``gh`` step would download), ``origin`` is a local bare repository (the
history step pushes its branch there), ``$GITHUB_OUTPUT`` and ``$GITHUB_STEP_SUMMARY`` are
files.

valgrind and strace are hidden from every step, as on a fresh runner: each directory of
PATH holding them is replaced by a directory of links to everything else in it, so neither
bash nor the bench (``shutil.which``) finds them, until the job's own steps run ``sudo
apt-get install ... valgrind strace``: ``sudo`` and ``apt-get`` are stand-ins that install
nothing and un-hide exactly the packages named (they must be installed on this machine).
A workflow that forgets its install step fails its check step here, as it would there.

Two runs: a baseline (the pinned target's conformance and bench jobs) and a candidate
spread over three job directories (conformance on httpx 0.29.0 and 0.28.1, the CI-sized
bench). Each suite job runs its steps (install and check in a bench job), its tox step
real (``--real``) or stood in by synthetic results, whose work counts are absent, as the
bench writes them, when the job left valgrind or strace hidden. Then the report job's
steps: the merged report, the gate, the history store (the baseline's row added first, as
its own run would have). Then the upgrade jobs: a scheduled run's candidates (the package
index stood in by a directory of empty wheels) and a pull request moving the httpx pin,
with ``tox -e upgrade`` and ``gh`` stood in: that rehearses their plumbing (resolving,
install and check, exit codes, summary, comment), never the upgrade itself. It prints what
came out and exits 0 when all of it was produced. Needs git, bash, uv, tox (or uvx),
valgrind, strace and the reports group (run it with the tests environment's Python).
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import math
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
WORKFLOW = REPO / ".github" / "workflows" / "harness.yml"
BASELINE_ID, CANDIDATE_ID = "1001", "1002"
BASELINE_RUN, CANDIDATE_RUN = f"gh-{BASELINE_ID}", f"gh-{CANDIDATE_ID}"
PINNED = "httpx-0.29.0"
BASELINE_JOBS = ["conformance-httpx0290", "bench-httpx0290"]
CANDIDATE_JOBS = ["conformance-httpx0281", *BASELINE_JOBS]
TARGETS = {"httpx0281": "httpx-0.28.1", "httpx0290": PINNED}  # tox factor -> target
# tests/data/make_results.py knows no 0.29.0: the pin's synthetic claims are 0.28.1's.
STANDS_FOR = {PINNED: "httpx-0.28.1"}
REPORT_STEPS = ["Report", "Other Pythons", "Regression gate", "History store"]
HIDDEN = ("valgrind", "strace")  # the commands, and the Debian packages holding them
# The stand-in package index of the upgrade jobs: distribution -> versions (empty wheels).
RELEASES: dict[str, tuple[str, ...]] = {
    "httpx": ("0.28.1", "0.29.0", "0.30.0", "1.0.dev6"), "httpx2": ("2.16.2",),
    "httpxyz": ("0.2.0",), "httpxr": ("0.1.0",)}
PR_PIN = ("httpx[http2,brotli]==0.29.0", "httpx[http2,brotli]==0.30.0")  # base, head
REPOSITORY, PR_NUMBER = "owner/project", "7"
STEP_TIMEOUT = 1200  # seconds for one step
GIT_TIMEOUT = 120
EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")
TOKEN = re.compile(r"\s*(?:(\|\||&&|==|!=|!|\(|\)|,)|'((?:[^']|'')*)'|(\d+(?:\.\d+)?)"
                   r"|([A-Za-z_][\w.-]*))")
STATUS_FUNCTIONS = {"always", "success", "failure", "cancelled"}


def workflow(path: Path = WORKFLOW) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def step(job: dict[str, Any], prefix: str) -> dict[str, Any]:
    found = [s for s in job["steps"] if str(s.get("name", "")).startswith(prefix)]
    if len(found) != 1:
        raise SystemExit(f"rehearse_ci: the workflow has {len(found)} steps named {prefix}…")
    return found[0]


# ---------------------------------------------------------------------------------------
# Expressions: the part of GitHub's language the workflow uses
# ---------------------------------------------------------------------------------------

def truthy(value: Any) -> bool:
    return value not in (None, False, "", 0) and value == value  # NaN is falsy


def number(value: Any) -> float:
    """GitHub's coercion for comparing values of different types."""
    if value is None or isinstance(value, bool | float):
        return float(value or 0)
    try:
        return float(value.strip()) if value.strip() else 0.0
    except ValueError:
        return math.nan


def equal(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.lower() == right.lower()  # GitHub compares strings case-insensitively
    return number(left) == number(right)


def render(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return str(value)


class Expression:
    """One expression, evaluated: context names, literals, ``! == != && ||``, parentheses,
    the status functions and ``startsWith``. A ``steps.*`` name not set is null (that step
    did not run or say it); any other unknown name or function stops the rehearsal."""

    def __init__(self, text: str, context: Mapping[str, Any], failed: bool = False) -> None:
        self.text, self.context, self.failed = text, context, failed
        self.tokens: list[tuple[str, Any]] = []
        self.index, self.calls_status = 0, False
        position, text = 0, text.strip()
        while position < len(text):
            found = TOKEN.match(text, position)
            if found is None:
                self.stop(f"cannot read {text[position:]!r}")
            operator, string, digits, name = found.groups()
            self.tokens.append(("op", operator) if operator else
                               ("value", string.replace("''", "'")) if string is not None else
                               ("value", float(digits)) if digits else ("name", name))
            position = found.end()
        self.value = self.either()
        if self.index != len(self.tokens):
            self.stop(f"unexpected {self.tokens[self.index][1]!r}")

    def stop(self, why: str) -> None:
        raise SystemExit(f"rehearse_ci: ${{{{ {self.text} }}}}: {why}")

    def peek(self, operator: str) -> bool:
        return self.index < len(self.tokens) and self.tokens[self.index] == ("op", operator)

    def take(self) -> tuple[str, Any]:
        if self.index >= len(self.tokens):
            self.stop("ends too early")
        self.index += 1
        return self.tokens[self.index - 1]

    def expect(self, operator: str) -> None:
        if self.take() != ("op", operator):
            self.stop(f"expected {operator!r}")

    def either(self) -> Any:
        value = self.both()
        while self.peek("||"):
            self.index += 1
            other = self.both()
            value = value if truthy(value) else other
        return value

    def both(self) -> Any:
        value = self.compare()
        while self.peek("&&"):
            self.index += 1
            other = self.compare()
            value = other if truthy(value) else value
        return value

    def compare(self) -> Any:
        value = self.unary()
        while self.peek("==") or self.peek("!="):
            same = self.take()[1] == "=="
            value = equal(value, self.unary()) == same
        return value

    def unary(self) -> Any:
        if self.peek("!"):
            self.index += 1
            return not truthy(self.unary())
        return self.atom()

    def atom(self) -> Any:
        kind, value = self.take()
        if (kind, value) == ("op", "("):
            inner = self.either()
            self.expect(")")
            return inner
        if kind == "value":
            return value
        if kind != "name":
            self.stop(f"unexpected {value!r}")
        if self.peek("("):
            return self.call(value)
        if value in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[value]
        if value in self.context:
            return self.context[value]
        if value.startswith("steps."):
            return None
        self.stop(f"no value for {value}")
        return None

    def call(self, name: str) -> Any:
        self.expect("(")
        arguments = []
        while not self.peek(")"):
            arguments.append(self.either())
            if self.peek(","):
                self.index += 1
        self.expect(")")
        if name in STATUS_FUNCTIONS:
            self.calls_status = True
            return {"always": True, "success": not self.failed, "failure": self.failed,
                    "cancelled": False}[name]
        if name == "startsWith" and len(arguments) == 2:
            return render(arguments[0]).lower().startswith(render(arguments[1]).lower())
        self.stop(f"the rehearsal does not know {name}()")
        return None


def fill(text: Any, context: Mapping[str, Any]) -> str:
    """``text`` with every ``${{ ... }}`` evaluated."""
    return EXPRESSION.sub(lambda found: render(Expression(found.group(1), context).value),
                          str(text))


def condition(text: Any, context: Mapping[str, Any], failed: bool) -> bool:
    """An ``if:``: without a status function it also needs every earlier step to pass."""
    source = str(text).strip()
    if source.startswith("${{") and source.endswith("}}"):
        source = source[3:-2]
    expression = Expression({"True": "true", "False": "false"}.get(source, source), context,
                            failed)
    return truthy(expression.value) and (expression.calls_status or not failed)


# ---------------------------------------------------------------------------------------
# The runner: steps of a job, valgrind and strace hidden
# ---------------------------------------------------------------------------------------

def runner_environment() -> dict[str, str]:
    """This process's environment without what an enclosing tox run sets: tox reads
    TOX_WORK_DIR as its --workdir, so a step's tox would build its environments in the
    outer checkout's .tox instead of the clone's; UV_CONSTRAINT is the outer checkout's."""
    inherited = ("TOX_ENV_NAME", "TOX_ENV_DIR", "TOX_WORK_DIR", "TOX_PACKAGE", "VIRTUAL_ENV",
                 "UV_CONSTRAINT")
    return {k: v for k, v in os.environ.items() if k not in inherited}


def hidden_path(workdir: Path, path: str) -> str:
    """``path`` with each directory holding valgrind or strace replaced by a directory of
    links to everything else in it: neither bash nor ``shutil.which`` (how bench/counts
    finds them) sees them there, and nothing else moves."""
    entries = []
    for index, directory in enumerate(path.split(os.pathsep)):
        if not directory or not any(os.path.lexists(os.path.join(directory, tool))
                                    for tool in HIDDEN):
            entries.append(directory)
            continue
        shadow = workdir / "hidden-path" / str(index)
        shadow.mkdir(parents=True)
        with os.scandir(directory) as listing:
            for entry in listing:
                if entry.name not in HIDDEN:
                    (shadow / entry.name).symlink_to(entry.path)
        entries.append(str(shadow))
    return os.pathsep.join(entries)


SUDO = """#!/usr/bin/env bash
# sudo stood in by tests/rehearse_ci.py (the rehearsal runs as it is): runs the command.
if [ "${1:-}" != "${1#-}" ]; then echo "sudo (rehearsal stand-in): no $1" >&2; exit 1; fi
exec "$@"
"""
APT_GET = """#!/usr/bin/env bash
# apt-get stood in by tests/rehearse_ci.py: it installs nothing; `install` un-hides the
# packages the rehearsal hides (valgrind, strace): it puts this machine's command back.
set -u
here=$(dirname "$0")
command="" assume_yes=false packages=()
for arg in "$@"; do
  case $arg in
    -y|--yes|--assume-yes) assume_yes=true ;;
    -q|-qq|--quiet|--no-install-recommends) ;;
    -*) echo "apt-get (rehearsal stand-in): $arg is not stood in" >&2; exit 100 ;;
    *) if [ -z "$command" ]; then command=$arg; else packages+=("$arg"); fi ;;
  esac
done
case $command in
  update) touch "$here/.apt-lists"; echo "apt-get update (rehearsal stand-in)" ;;
  install)
    if [ ! -e "$here/.apt-lists" ]; then  # GitHub: always apt-get update first
      echo "E: package lists not updated (run apt-get update first)" >&2; exit 100
    fi
    if ! $assume_yes; then echo "Do you want to continue? [Y/n] Abort." >&2; exit 1; fi
    for package in "${packages[@]}"; do
      case $package in
        valgrind) real="@valgrind@" ;;
        strace) real="@strace@" ;;
        *) echo "E: the rehearsal stands in valgrind and strace only, not $package" >&2
           exit 100 ;;
      esac
      if [ -z "$real" ]; then
        echo "E: $package is not on this machine: the rehearsal un-hides, never installs" >&2
        exit 100
      fi
      # exec, not a link: Debian's valgrind script runs "$0.bin"
      printf '#!/bin/sh\nexec %s "$@"\n' "$real" > "$here/$package"
      chmod +x "$here/$package"
      echo "Setting up $package (un-hidden by the rehearsal)"
    done ;;
  *) echo "apt-get (rehearsal stand-in): '$command' is not stood in" >&2; exit 100 ;;
esac
"""


def write_script(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


def job_path(job_dir: Path, path: str, real: Mapping[str, str | None]) -> str:
    """A fresh runner's PATH for one job: its own sudo and apt-get first, the tools hidden."""
    bin_dir = job_dir / "bin"
    write_script(bin_dir / "sudo", SUDO)
    apt_get = APT_GET
    for tool in HIDDEN:
        apt_get = apt_get.replace(f"@{tool}@", real.get(tool) or "")
    write_script(bin_dir / "apt-get", apt_get)
    return f"{bin_dir}{os.pathsep}{path}"


def run_step(name: str, script: str, env: dict[str, str], cwd: Path, outputs: Path,
             errors: list[str] | None = None) -> tuple[int, dict[str, str]]:
    """The script as the runner runs a ``shell: bash`` step; its exit code and outputs
    (and its ``::error::`` lines added to ``errors``)."""
    outputs.write_text("")
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                          cwd=cwd, env={**runner_environment(), **env,
                                        "GITHUB_OUTPUT": str(outputs)},
                          capture_output=True, text=True, timeout=STEP_TIMEOUT)
    print(f"step {name!r}: exit {done.returncode}", flush=True)
    if errors is not None:
        errors += [line for line in done.stdout.splitlines() if line.startswith("::error::")]
    if done.returncode != 0:
        print((done.stdout + done.stderr)[-3000:], flush=True)
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    return done.returncode, values


@dataclass
class Job:
    """What one job did: each step's exit code (None: its ``if:`` skipped it)."""

    exits: dict[str, int | None] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)  # steps.<id>.outputs.<key>
    summary: str = ""
    errors: list[str] = field(default_factory=list)  # its ::error:: lines
    skipped: bool = False  # the job's own if: was false

    @property
    def failed(self) -> bool:
        return any(self.exits.values())


StandIn = Callable[[dict[str, str]], int]


def run_job(title: str, job: dict[str, Any], context: Mapping[str, Any], env: dict[str, str],
            cwd: Path, scratch: Path, stand_ins: Mapping[str, StandIn] | None = None) -> Job:
    """The job's steps in order, as the runner takes them. ``uses:`` steps are GitHub's
    actions (checkout, uv, artifacts: the rehearsal provides what they would); a failed
    step fails the job. ``stand_ins``: step-name prefix -> what runs instead of its script."""
    scratch.mkdir(parents=True, exist_ok=True)
    context = dict(context)
    if not condition(job.get("if", True), context, failed=False):
        print(f"job {title!r}: skipped (its if: is false)", flush=True)
        return Job(skipped=True)
    summary = scratch / "step-summary.md"
    env = {**env, **{k: fill(v, context) for k, v in job.get("env", {}).items()},
           "GITHUB_STEP_SUMMARY": str(summary)}
    done = Job()
    for number, current in enumerate(job["steps"], 1):
        if "run" not in current:
            continue
        name = fill(current.get("name") or current.get("id") or f"step {number}", context)
        if not condition(current.get("if", True), context, done.failed):
            done.exits[name] = None
            continue
        step_env = {**env, **{k: fill(v, context) for k, v in current.get("env", {}).items()}}
        stand_in = next((run for prefix, run in (stand_ins or {}).items()
                         if name.startswith(prefix)), None)
        if stand_in is not None:
            code, outputs = stand_in(step_env), {}
            print(f"step {title}: {name!r} (stood in): exit {code}", flush=True)
        else:
            code, outputs = run_step(f"{title}: {name}", current["run"], step_env, cwd,
                                     scratch / "output", done.errors)
        done.exits[name] = code
        if current.get("id"):
            context.update({f"steps.{current['id']}.outputs.{k}": v for k, v in outputs.items()})
    done.outputs = {k: v for k, v in context.items() if k.startswith("steps.")}
    done.summary = summary.read_text(encoding="utf-8") if summary.exists() else ""
    return done


def git(*args: str, cwd: Path | None = None) -> str:
    command = ["git", "-c", "user.name=rehearsal", "-c", "user.email=rehearsal@example.invalid",
               "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args]
    return subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True,
                          timeout=GIT_TIMEOUT).stdout.strip()


def make_origin(workdir: Path) -> Path:
    """A bare 'origin' holding this commit as main, and a clone of it to work in."""
    origin, clone = workdir / "origin.git", workdir / "repo"
    git("init", "-q", "--bare", str(origin))
    git("-C", str(REPO), "push", "-q", str(origin), "HEAD:refs/heads/main")
    git("clone", "-q", str(origin), str(clone))
    return clone


def checkout(workdir: Path, directory: Path) -> Path:
    """A job's own checkout of origin, with this working tree's .github (the workflow's
    scripts as they are being rehearsed, committed or not)."""
    git("clone", "-q", str(workdir / "origin.git"), str(directory))
    shutil.copytree(REPO / ".github", directory / ".github", dirs_exist_ok=True)
    return directory


# ---------------------------------------------------------------------------------------
# The suite jobs
# ---------------------------------------------------------------------------------------

def make_results() -> ModuleType:
    sys.path[:0] = [p for p in (str(REPO), str(REPO / "tests" / "data")) if p not in sys.path]
    import make_results as module

    return module


def count_entry(slower: float, hidden: tuple[str, ...] = ()) -> dict[str, Any]:
    """A work-count entry (bench/test_counts.py's shape): a slower client does more work
    per request, which is what the gate fails on; its timing is not a speed figure. A tool
    the job left hidden leaves its counts absent, with bench/counts/runner.py's reason."""
    counts: dict[str, Any] = {
        "scenario": "pooled-http", "deterministic": True, "requests": 200,
        "instructions_per_request": 1.5e6 * slower,
        "syscalls_by_kind": {"sendto": 1.0, "ioctl": 2.0, "recvfrom": 2.0},
        "syscalls_per_request": 5.0, "connections_per_request": 0.0, "absent": {}}
    if "valgrind" in hidden:
        counts["instructions_per_request"] = None
        counts["absent"]["instructions"] = "valgrind not found (Debian: apt-get install valgrind)"
    if "strace" in hidden:
        counts["syscalls_by_kind"] = counts["syscalls_per_request"] = None
        counts["absent"]["syscalls"] = "strace not found (Debian: apt-get install strace)"
    stats = {"min": 1e-3, "max": 1e-3, "mean": 1e-3, "stddev": 0.0, "rounds": 1,
             "median": 1e-3, "iqr": 0.0, "q1": 1e-3, "q3": 1e-3, "ops": 1e3, "total": 1e-3,
             "iterations": 1, "data": [1e-3]}
    return {"group": "work counts", "name": "test_counts[pooled-http]",
            "fullname": "bench/test_counts.py::test_counts[pooled-http]", "params": None,
            "param": None, "extra_info": {"counts": counts}, "options": {}, "stats": stats}


def synthetic_job(run_dir: Path, env_name: str, slower: float, seed: int,
                  step_env: dict[str, str]) -> int:
    """What the tox step would upload, from tests/data/make_results.py's generators; the
    bench's counts need valgrind and strace found on the step's PATH, as the bench does."""
    generate = make_results()
    run, target = run_dir.name, TARGETS[env_name.partition("-")[2]]
    stamp = "2026-11-01T10:00:00+00:00" if run == BASELINE_RUN else "2026-11-02T10:00:00+00:00"
    if env_name.startswith("bench-"):
        document = generate.bench(target, run, stamp, speed=slower, seed=seed)
        hidden = tuple(t for t in HIDDEN if shutil.which(t, path=step_env["PATH"]) is None)
        document["benchmarks"].append(count_entry(slower, hidden))
        generate.write(run_dir / target / "bench.json", document)
    else:
        document = generate.conformance(STANDS_FOR.get(target, target), run, stamp)
        document["environment"] = generate.environment(target, run, stamp)
        generate.write(run_dir / target / "conformance.json", document)
    return 0


def suite_jobs(flow: dict[str, Any], clone: Path, directory: Path, run_id: str,
               jobs: list[str], env: dict[str, str], path: str, scratch: Path,
               real: bool, slower: float, seed: int, rerun: bool = True) -> dict[str, Job]:
    """The suite job for each tox environment, as the matrix fills it; results/ (through
    HARNESS_RESULTS) stands for the artifact. Synthetic: the tox step is stood in.
    ``rerun=False``: the conformance jobs' rerun step too (it builds the report
    environment, the slow part)."""
    if str(REPO / ".github") not in sys.path:
        sys.path.insert(0, str(REPO / ".github"))
    import harness_matrix

    real_tools = {tool: shutil.which(tool) for tool in HIDDEN}
    done = {}
    for name in jobs:
        entry = harness_matrix.job(name, posargs="--quick" if name.startswith("bench-") else "")
        run = f"gh-{run_id}"
        results, job_dir = directory / entry["artifact"], scratch / f"{run}-{entry['name']}"
        job_env = {**env, "PATH": job_path(job_dir, path, real_tools), "HARNESS_RUN": run,
                   "HARNESS_RESULTS": str(results)}
        stand_ins = {} if real else {
            "tox -e": functools.partial(synthetic_job, results / run, name, slower, seed)}
        if not rerun:
            stand_ins["Run again"] = lambda step_env: 0
        done[f"{run}/{name}"] = run_job(f"{entry['name']} ({run})", flow["jobs"]["suite"],
                                        {f"matrix.{k}": v for k, v in entry.items()},
                                        job_env, clone, job_dir, stand_ins)
    return done


# ---------------------------------------------------------------------------------------
# The upgrade jobs (tox -e upgrade and gh stood in: their plumbing only)
# ---------------------------------------------------------------------------------------

UPGRADE = '''
"""`tox -e upgrade -- FROM TO ...` stood in by tests/rehearse_ci.py to rehearse the
workflow's plumbing (arguments, exit codes, verdict.md, summary, comment), never the
upgrade itself. Like the real one it cannot judge without valgrind and strace (exit 2)."""
import argparse, json, os, shutil, sys
from pathlib import Path

if sys.argv[1:4] != ["-e", "upgrade", "--"]:
    sys.exit(f"tox stand-in: only `-e upgrade -- ...` is stood in, not {sys.argv[1:4]}")
parser = argparse.ArgumentParser(prog="tox -e upgrade --")
parser.add_argument("before")
parser.add_argument("after")
parser.add_argument("--import-from")
parser.add_argument("--import-to")
parser.add_argument("--markdown", type=Path)
args = parser.parse_args(sys.argv[4:])
missing = [tool for tool in ("valgrind", "strace") if shutil.which(tool) is None]
call = {**vars(args), "markdown": str(args.markdown), "missing": missing}
with open(os.environ["REHEARSAL_CALLS"], "a") as log:
    log.write(json.dumps(call) + "\\n")
if missing:
    print(f"upgrade: cannot judge: {', '.join(missing)} not found (stand-in)")
    sys.exit(2)
code = int(os.environ["REHEARSAL_UPGRADE_EXIT"])
text = f"**{args.before} -> {args.after}**: stand-in verdict, exit {code}\\n"
directory = Path("results", os.environ["HARNESS_RUN"], "upgrade")
directory.mkdir(parents=True, exist_ok=True)
(directory / "verdict.md").write_text(text)
if args.markdown:
    args.markdown.write_text(text)
print(text.strip())
sys.exit(code)
'''
GH = '''
"""gh stood in by tests/rehearse_ci.py: `gh api` finds no earlier comment; `gh pr comment
N --body-file F` is recorded; anything else fails."""
import json, os, sys
from pathlib import Path

args = sys.argv[1:]
if args[:1] == ["api"] and "PATCH" not in args:
    sys.exit(0)
if args[:2] == ["pr", "comment"] and "--body-file" in args:
    body = Path(args[args.index("--body-file") + 1]).read_text()
    with open(os.environ["REHEARSAL_GH_LOG"], "a") as log:
        log.write(json.dumps({"pr": args[2], "body": body}) + "\\n")
    sys.exit(0)
sys.exit(f"gh stand-in: {args} is not stood in")
'''


def package_index(directory: Path, releases: Mapping[str, tuple[str, ...]]) -> Path:
    """A find-links directory of empty wheels: what uv sees of PyPI in the rehearsal."""
    directory.mkdir(parents=True)
    for name, versions in releases.items():
        for version in versions:
            info = f"{name}-{version}.dist-info"
            with zipfile.ZipFile(directory / f"{name}-{version}-py3-none-any.whl", "w") as wheel:
                wheel.writestr(f"{info}/METADATA",
                               f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
                wheel.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: rehearsal\n"
                                                "Root-Is-Purelib: true\nTag: py3-none-any\n")
                wheel.writestr(f"{info}/RECORD", "")
    return directory


def pull_request(directory: Path) -> str:
    """Two commits in ``directory``: a base pinning httpx, and the PR head moving the pin;
    the base's sha (the PR head stays checked out, as actions/checkout leaves it)."""
    (directory / "requirements.txt").write_text(f"{PR_PIN[0]}\n")
    git("add", "-A", cwd=directory)
    git("commit", "-q", "-m", "base: httpx pinned", cwd=directory)
    base = git("rev-parse", "HEAD", cwd=directory)
    (directory / "requirements.txt").write_text(f"{PR_PIN[1]}\n")
    git("commit", "-q", "-am", "move the httpx pin", cwd=directory)
    return base


def upgrade_jobs(flow: dict[str, Any], workdir: Path, env: dict[str, str], path: str,
                 releases: Mapping[str, tuple[str, ...]], upgrade_exit: int) -> dict[str, Job]:
    """A scheduled run's upgrade-candidates jobs and a pull request's upgrade-pr job; each
    job also under the other event, where its if: must skip it."""
    stand_ins = workdir / "stand-ins"
    write_script(stand_ins / "tox-upgrade", f"#!{sys.executable}" + UPGRADE)
    write_script(stand_ins / "gh", f"#!{sys.executable}" + GH)
    index = package_index(workdir / "package-index", releases)
    real_tools = {tool: shutil.which(tool) for tool in HIDDEN}
    common = {**env, "TOX": str(stand_ins / "tox-upgrade"), "GITHUB_REPOSITORY": REPOSITORY,
              "REHEARSAL_CALLS": str(workdir / "upgrade-calls.jsonl"),
              "REHEARSAL_GH_LOG": str(workdir / "gh-calls.jsonl"),
              "REHEARSAL_UPGRADE_EXIT": str(upgrade_exit),
              # offline: uv sees only the stand-in index (this uv has no UV_NO_INDEX)
              "UV_OFFLINE": "1", "UV_FIND_LINKS": str(index), "UV_NO_CACHE": "1"}
    scheduled = {"github.event_name": "schedule", "inputs.candidates": None}
    jobs_dir = workdir / "upgrade-jobs"
    pr_dir = checkout(workdir, jobs_dir / "pr" / "checkout")
    opened = {"github.event_name": "pull_request", "inputs.candidates": None,
              "github.token": "stand-in", "github.repository": REPOSITORY,
              "github.event.pull_request.number": PR_NUMBER,
              "github.event.pull_request.base.sha": pull_request(pr_dir),
              "github.event.pull_request.head.repo.full_name": REPOSITORY}

    def run(title: str, job: str, context: dict[str, Any], cwd: Path | None = None) -> Job:
        job_dir = jobs_dir / re.sub(r"\W+", "-", title)
        cwd = cwd or checkout(workdir, job_dir / "checkout")
        job_env = {**common, "PATH": f"{stand_ins}{os.pathsep}"
                                     f"{job_path(job_dir, path, real_tools)}"}
        return run_job(title, flow["jobs"][job], context, job_env, cwd, job_dir)

    done = {}
    candidates = flow["jobs"]["upgrade-candidates"]["strategy"]["matrix"]["include"]
    for entry in candidates:
        title = f"upgrade-candidates {entry['distribution']}"
        done[title] = run(title, "upgrade-candidates",
                          {**scheduled, **{f"matrix.{k}": v for k, v in entry.items()}})
    done["upgrade-candidates (pull request)"] = run(
        "upgrade-candidates on a PR", "upgrade-candidates",
        {**opened, **{f"matrix.{k}": v for k, v in candidates[0].items()}})
    done["upgrade-pr"] = run("upgrade-pr", "upgrade-pr", opened, cwd=pr_dir)
    done["upgrade-pr (schedule)"] = run("upgrade-pr on schedule", "upgrade-pr", scheduled)
    return done


# ---------------------------------------------------------------------------------------
# The rehearsal
# ---------------------------------------------------------------------------------------

def rehearse(workdir: Path, real: bool = False, slower: float = 1.0, tox: str | None = None,
             workflow_file: Path = WORKFLOW, report: bool = True,
             releases: Mapping[str, tuple[str, ...]] = RELEASES,
             upgrade_exit: int = 1) -> dict[str, Any]:
    """Everything above; returns what the steps produced. ``report=False`` leaves out the
    report job and stands in the conformance jobs' rerun step (the slow part: tox builds
    the report environment); ``upgrade_exit`` is what the
    stood-in upgrade exits with when valgrind and strace are there."""
    workdir.mkdir(parents=True, exist_ok=True)
    clone = make_origin(workdir)
    flow = workflow(workflow_file)
    context: dict[str, Any] = {"github.run_id": CANDIDATE_ID}
    env = {key: fill(value, context) for key, value in flow["env"].items()}
    if tox:
        env["TOX"] = tox
    path = hidden_path(workdir, runner_environment().get("PATH", os.defpath))
    scratch = workdir / "jobs"
    baseline, artifacts = clone / "baseline", clone / "artifacts"
    suite = {**suite_jobs(flow, clone, baseline, BASELINE_ID, BASELINE_JOBS, env, path,
                          scratch, real, 1.0, seed=11, rerun=report),
             **suite_jobs(flow, clone, artifacts, CANDIDATE_ID, CANDIDATE_JOBS, env, path,
                          scratch, real, slower, seed=12, rerun=report)}
    upgrades = upgrade_jobs(flow, workdir, env, path, releases, upgrade_exit)
    codes: dict[str, int] = {}
    base_code = -1
    if report:
        summary = workdir / "step-summary.md"
        env.update({"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_SHA": "0" * 40,
                    "GITHUB_RUN_ID": CANDIDATE_ID,
                    "PATH": job_path(scratch / "report", path, {})})
        context.update({"steps.baseline.outputs.found": "true",
                        "steps.baseline.outputs.run": BASELINE_RUN})
        for prefix in REPORT_STEPS:
            current = step(flow["jobs"]["report"], prefix)
            if prefix == "History store":
                # The baseline's own run appended it to the store before this run did.
                base_code = baseline_history(current, clone, env, context, workdir)
            step_env = {k: fill(v, context) for k, v in current.get("env", {}).items()}
            code, outputs = run_step(current["name"], current["run"], {**env, **step_env},
                                     clone, workdir / "out")
            codes[prefix] = code
            for key, value in outputs.items():
                context[f"steps.{current.get('id')}.outputs.{key}"] = value
    return {**collect(workdir, clone, context, codes, base_code),
            "suite_jobs": {name: job.exits for name, job in suite.items()},
            "suite_errors": sorted({line for job in suite.values() for line in job.errors}),
            "upgrade_jobs": {name: upgrade_result(job) for name, job in upgrades.items()},
            "upgrade_calls": read_lines(workdir / "upgrade-calls.jsonl"),
            "pr_comments": [call["body"] for call in read_lines(workdir / "gh-calls.jsonl")]}


def upgrade_result(job: Job) -> dict[str, Any]:
    outputs = {key.split(".", 1)[1]: value for key, value in job.outputs.items()}
    return {"skipped": job.skipped, "failed": job.failed, "exits": job.exits,
            "outputs": outputs, "summary": job.summary, "errors": job.errors}


def read_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def baseline_history(history_step: dict[str, Any], clone: Path, env: dict[str, str],
                     context: dict[str, Any], workdir: Path) -> int:
    """The history step as the baseline's run ran it: its artifacts, its run id, no gate."""
    artifacts, aside = clone / "artifacts", clone / "candidate-artifacts"
    shutil.move(artifacts, aside)
    shutil.copytree(clone / "baseline", artifacts)
    step_env = {k: fill(v, {**context, "steps.gate.outputs.verdict": ""})
                for k, v in history_step.get("env", {}).items()}
    try:
        code, _ = run_step("History store (the baseline's run)", history_step["run"],
                           {**env, **step_env, "HARNESS_RUN": BASELINE_RUN,
                            "GITHUB_SHA": "1" * 40}, clone, workdir / "out")
    finally:
        shutil.rmtree(artifacts)
        shutil.move(aside, artifacts)
        subprocess.run(["git", "-C", str(clone), "worktree", "remove", "--force", "history"],
                       capture_output=True, timeout=60)
    return code


def collect(workdir: Path, clone: Path, context: dict[str, Any], codes: dict[str, int],
            base_code: int) -> dict[str, Any]:
    report = clone / context.get("steps.report.outputs.dir", "missing")
    summary_md = report / "summary.md"
    history = subprocess.run(["git", "-C", str(workdir / "origin.git"), "show",
                              "harness-history:store/history.csv"], capture_output=True,
                             text=True, timeout=60)
    rows = list(csv.DictReader(history.stdout.splitlines())) if history.returncode == 0 else []
    step_summary = workdir / "step-summary.md"
    return {
        "step_exits": codes, "baseline_history_exit": base_code,
        "index": str(report / "index.html"),
        "targets": report_targets(report),
        "summary_first_line": (summary_md.read_text(encoding="utf-8").splitlines()[0]
                               if summary_md.exists() else ""),
        "gate_verdict": context.get("steps.gate.outputs.verdict", ""),
        "history_runs": list(dict.fromkeys(row["run"] for row in rows)),
        "history_gate": sorted({(row["run"], row["gate"]) for row in rows}),
        "history_branch_files": subprocess.run(
            ["git", "-C", str(workdir / "origin.git"), "ls-tree", "-r", "--name-only",
             "harness-history"], capture_output=True, text=True, timeout=60).stdout.split(),
        "step_summary_chars": len(step_summary.read_text(encoding="utf-8"))
        if step_summary.exists() else 0,
        # tox's own lines ("report: exit 1 ...") must stay out of what reviewers read
        "tox_lines_in_summary": [line for line in step_summary.read_text(encoding="utf-8")
                                 .splitlines() if re.match(r"\s*report: ", line)]
        if step_summary.exists() else [],
    }


def report_targets(report_dir: Path) -> list[str]:
    """The targets the merged report shows (its environment table has one row each)."""
    table = report_dir / "environment.csv"
    if not table.exists():
        return []
    with table.open(encoding="utf-8", newline="") as handle:
        return [row["target"] for row in csv.DictReader(handle)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir", type=Path, help="an empty or new directory")
    parser.add_argument("--real", action="store_true", help="run the real suites with tox")
    parser.add_argument("--slower", type=float, default=1.0,
                        help="synthetic: the candidate's timings x this factor (1.25 fires "
                             "the timing gate)")
    parser.add_argument("--tox", help="how to run tox (default: the workflow's TOX)")
    args = parser.parse_args()
    if args.workdir.exists() and any(args.workdir.iterdir()):
        print(f"rehearse_ci: {args.workdir} is not empty", file=sys.stderr)
        return 2
    result = rehearse(args.workdir.resolve(), args.real, args.slower, args.tox)
    print(json.dumps(result, indent=1))
    produced = (all(code == 0 for code in result["step_exits"].values())
                and not any(code for job in result["suite_jobs"].values()
                            for code in job.values())
                and not any(job["failed"] for job in result["upgrade_jobs"].values())
                and result["gate_verdict"] in ("pass", "regression")
                and len(result["history_runs"]) == 2)
    return 0 if produced else 1


if __name__ == "__main__":
    sys.exit(main())
