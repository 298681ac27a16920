"""Did a change move the httpx requirement? Compares two commits' dependency files.

    python .github/httpx_requirement_change.py BASE HEAD >> "$GITHUB_OUTPUT"

prints ``changed=true|false``, ``from=``, ``to=`` (pip requirements for ``tox -e upgrade``),
``from_import=``, ``to_import=``, ``files=`` (the dependency files that differ) and
``note=``. Read per commit (``git cat-file``), every tracked file named pyproject.toml
([project] dependencies and optional-dependencies, [dependency-groups]),
requirements*.txt, constraints*.txt, uv.lock, poetry.lock or pylock[.*].toml. A lock's
single version of a package beats a declared range (it is what gets installed); among
declared ones an ``==`` pin beats a range. httpx and its drop-in forks count (import name =
distribution name): one of them moving, or one replacing another, is a change; several
moving at once is an error. Exit 0, or 2 with one line naming the problem. Standard
library only (Python 3.11+): it runs before anything is installed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import PurePosixPath

FAMILY = ("httpx", "httpx2", "httpxyz", "httpxr")
MAX_FILES = 200  # dependency files per commit
MAX_BYTES = 20_000_000  # per file
GIT_TIMEOUT = 60  # seconds per git call
NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)",
                  re.DOTALL)


class Failure(Exception):
    """One line for the user; exit 2."""


def git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True,
                              timeout=GIT_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise Failure(f"git {args[0]}: {error}") from None
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise Failure(f"git {' '.join(args)}: {why}")
    return done.stdout


def kind(path: str) -> str | None:
    """Which parser reads this file, or None when it is no dependency file."""
    name = PurePosixPath(path).name
    if name == "pyproject.toml":
        return "pyproject"
    if re.fullmatch(r"(requirements|constraints)[^/]*\.txt", name):
        return "requirements"
    if name in ("uv.lock", "poetry.lock"):
        return "lock"
    if re.fullmatch(r"pylock(\.[^/]+)?\.toml", name):
        return "pylock"
    return None


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def family_requirement(text: str) -> tuple[str, str, str] | None:
    """(name, extras, requirement without markers) when ``text`` names httpx or a fork."""
    found = NAME.fullmatch(text.split(";", 1)[0])
    if found is None or normalise(found.group(1)) not in FAMILY:
        return None
    name, extras = normalise(found.group(1)), re.sub(r"\s+", "", found.group(2) or "")
    rest = found.group(3).strip()
    if rest.startswith("@"):  # a direct reference keeps PEP 508's spaces
        return name, extras, f"{name}{extras} @ {rest[1:].strip()}"
    return name, extras, name + extras + re.sub(r"\s+", "", rest)


def requirement_lines(text: str) -> Iterable[str]:
    """requirements.txt entries: comments, options and hashes dropped, continuations joined."""
    joined = re.sub(r"\\\r?\n", " ", text)
    for line in joined.splitlines():
        line = re.sub(r"(^|\s)#.*", "", line).strip()
        if line and not line.startswith("-"):
            yield re.split(r"\s--?[a-z]", line, maxsplit=1)[0]


def toml(text: str, path: str, revision: str) -> dict:
    try:
        import tomllib  # Python 3.11+
    except ImportError:
        raise Failure(f"reading {path} needs Python 3.11 or later (tomllib)") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise Failure(f"{revision}:{path} is not valid TOML: {error}") from None


def table(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def pyproject_lines(document: dict) -> Iterable[str]:
    project = table(document.get("project"))
    groups = [project.get("dependencies"), *table(project.get("optional-dependencies")).values(),
              *table(document.get("dependency-groups")).values()]
    for group in groups:
        if isinstance(group, list):  # strings; a group's {include-group = ...} is skipped
            yield from (entry for entry in group if isinstance(entry, str))


def read(revision: str, path: str, declared: dict[str, list[tuple[str, str]]],
         locked: dict[str, set[str]]) -> None:
    """Add what ``path`` at ``revision`` declares and locks for the httpx family."""
    spec = f"{revision}:{path}"
    if int(git("cat-file", "-s", spec)) > MAX_BYTES:
        raise Failure(f"{spec} is over {MAX_BYTES} bytes")
    text, what = git("cat-file", "blob", spec), kind(path)
    if what in ("lock", "pylock"):
        key = "packages" if what == "pylock" else "package"
        for package in toml(text, path, revision).get(key, []):
            if not isinstance(package, dict):
                continue
            name = normalise(str(package.get("name", "")))
            if name in FAMILY and package.get("version"):
                locked.setdefault(name, set()).add(str(package["version"]))
        return
    lines = (pyproject_lines(toml(text, path, revision)) if what == "pyproject"
             else requirement_lines(text))
    for line in lines:
        found = family_requirement(line)
        if found:
            declared.setdefault(found[0], []).append(found[1:])


def requirements(revision: str) -> dict[str, str]:
    """The httpx-family requirement of each member named at ``revision``."""
    paths = [p for p in git("ls-tree", "-r", "-z", "--name-only", revision).split("\0")
             if p and kind(p)]
    if len(paths) > MAX_FILES:
        raise Failure(f"{revision} has {len(paths)} dependency files (at most {MAX_FILES})")
    declared: dict[str, list[tuple[str, str]]] = {}
    locked: dict[str, set[str]] = {}
    for path in sorted(paths):
        read(revision, path, declared, locked)
    result = {}
    for name in FAMILY:
        entries = declared.get(name, [])
        extras = next((extras for extras, _ in entries if extras), "")
        versions = locked.get(name, set())
        if len(versions) == 1:
            result[name] = f"{name}{extras}=={versions.pop()}"
        elif entries:
            result[name] = next((r for _, r in entries if "==" in r), entries[0][1])
        elif versions:
            raise Failure(f"{revision} locks {name} at several versions "
                          f"({', '.join(sorted(versions))}) and declares none")
    return result


def change(base: str, head: str) -> dict[str, str]:
    files = [p for p in git("diff", "-z", "--name-only", base, head).split("\0")
             if p and kind(p)]
    out = {"changed": "false", "from": "", "to": "", "from_import": "", "to_import": "",
           "files": " ".join(files), "note": ""}
    if not files:
        out["note"] = "no dependency file changed"
        return out
    before, after = requirements(base), requirements(head)
    moved = [n for n in FAMILY if n in before and n in after and before[n] != after[n]]
    gone = [n for n in FAMILY if n in before and n not in after]
    new = [n for n in FAMILY if n in after and n not in before]
    if len(moved) + max(len(gone), len(new)) > 1:
        raise Failure(f"several httpx requirements changed ({', '.join(moved + gone + new)}): "
                      "the upgrade compares one pair")
    if moved or (gone and new):
        old, now = (moved[0], moved[0]) if moved else (gone[0], new[0])
        out.update({"changed": "true", "from": before[old], "to": after[now],
                    "from_import": old, "to_import": now,
                    "note": f"{before[old]} -> {after[now]}"})
    elif gone or new:
        out["note"] = (f"{new[0]} added: nothing earlier to compare with" if new
                       else f"{gone[0]} removed: nothing later to compare with")
    else:
        out["note"] = "dependency files changed, the httpx requirement did not"
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("httpx_requirement_change: usage: httpx_requirement_change.py BASE HEAD",
              file=sys.stderr)
        return 2
    try:
        git("rev-parse", "--git-dir")
        for revision in args:
            try:
                git("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
            except Failure:
                raise Failure(f"{revision} is not a commit in this clone (a shallow checkout? "
                              "actions/checkout needs fetch-depth: 0)") from None
        result = change(*args)
    except Failure as failure:
        print(f"httpx_requirement_change: {failure}", file=sys.stderr)
        return 2
    print("\n".join(f"{key}={value}" for key, value in result.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
