""".github/httpx_requirement_change.py on real temporary git repositories: what a pull
request's dependency files say about httpx before and after, as $GITHUB_OUTPUT lines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from reports_helpers import REPO

SCRIPT = REPO / ".github" / "httpx_requirement_change.py"
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid",
       "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false"]


class Repo:
    """A git repository in a temporary directory; each commit() returns its sha."""

    def __init__(self, path: Path) -> None:
        self.path = path
        subprocess.run([*GIT, "init", "-q", str(path)], check=True, timeout=60)
        (path / "README").write_text("a project\n")

    def commit(self, files: dict[str, str | None]) -> str:
        for name, text in files.items():
            target = self.path / name
            if text is None:
                target.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
        subprocess.run([*GIT, "-C", str(self.path), "add", "-A"], check=True, timeout=60)
        subprocess.run([*GIT, "-C", str(self.path), "commit", "-q", "--allow-empty", "-m", "c"],
                       check=True, timeout=60)
        return subprocess.run([*GIT, "-C", str(self.path), "rev-parse", "HEAD"], check=True,
                              capture_output=True, text=True, timeout=60).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "project")


def detect(repo: Repo, base: str, head: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), base, head], cwd=repo.path,
                          capture_output=True, text=True, timeout=120)


def outputs(repo: Repo, base: str, head: str) -> dict[str, str]:
    done = detect(repo, base, head)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert all("=" in line for line in lines), lines  # $GITHUB_OUTPUT's key=value lines
    return dict(line.split("=", 1) for line in lines)


def pyproject(*dependencies: str, optional: str = "", group: str = "") -> str:
    text = "[project]\nname = 'app'\nversion = '1'\ndependencies = [{}]\n".format(
        ", ".join(f'"{d}"' for d in dependencies))
    if optional:
        text += f'[project.optional-dependencies]\nhttp = ["{optional}"]\n'
    if group:
        text += f'[dependency-groups]\ndev = ["pytest", {{include-group = "x"}}, "{group}"]\n'
    return text


def lock(name: str, version: str, key: str = "package") -> str:
    return (f'version = 1\n[[{key}]]\nname = "anyio"\nversion = "4.0.0"\n'
            f'[[{key}]]\nname = "{name}"\nversion = "{version}"\n')


def test_requirements_pin_moved(repo: Repo) -> None:
    base = repo.commit({"requirements.txt": "anyio\nhttpx[http2,brotli]==0.28.1  # pin\n"})
    head = repo.commit({"requirements.txt": "anyio\nhttpx[http2,brotli]==0.29.0  # pin\n"})
    assert outputs(repo, base, head) == {
        "changed": "true", "from": "httpx[http2,brotli]==0.28.1",
        "to": "httpx[http2,brotli]==0.29.0", "from_import": "httpx", "to_import": "httpx",
        "files": "requirements.txt", "note": "httpx[http2,brotli]==0.28.1 -> "
                                             "httpx[http2,brotli]==0.29.0"}


def test_no_dependency_file_changed(repo: Repo) -> None:
    base = repo.commit({"requirements.txt": "httpx==0.28.1\n"})
    head = repo.commit({"app.py": "import httpx\n"})
    result = outputs(repo, base, head)
    assert result["changed"] == "false" and result["files"] == ""
    assert result["note"] == "no dependency file changed"


def test_other_requirements_moved_not_httpx(repo: Repo) -> None:
    base = repo.commit({"requirements-dev.txt": "pytest==8.0\nHTTPX == 0.28.1\n"})
    head = repo.commit({"requirements-dev.txt": "pytest==8.1\n# a comment\nhttpx==0.28.1\n"})
    result = outputs(repo, base, head)
    assert result["changed"] == "false" and result["files"] == "requirements-dev.txt"
    assert result["note"] == "dependency files changed, the httpx requirement did not"


@pytest.mark.parametrize("where", ["dependencies", "optional", "group"])
def test_pyproject_tables(repo: Repo, where: str) -> None:
    def text(version: str) -> str:
        entry = f"httpx[http2] >= {version} ; python_version >= '3.9'"
        return {"dependencies": pyproject("anyio", entry),
                "optional": pyproject("anyio", optional=entry),
                "group": pyproject("anyio", group=entry)}[where]

    base = repo.commit({"pyproject.toml": text("0.27")})
    head = repo.commit({"pyproject.toml": text("0.28")})
    result = outputs(repo, base, head)
    # markers dropped, spaces squeezed: a requirement pip and tox -e upgrade take
    assert (result["changed"], result["from"], result["to"]) == (
        "true", "httpx[http2]>=0.27", "httpx[http2]>=0.28")


@pytest.mark.parametrize("name,key", [("uv.lock", "package"), ("poetry.lock", "package"),
                                      ("pylock.toml", "packages")])
def test_a_lock_gives_the_exact_version(repo: Repo, name: str, key: str) -> None:
    """The declared range stays, the lock moves: the lock is what gets installed, with the
    declared extras."""
    declared = pyproject("httpx[http2,brotli]>=0.28")
    base = repo.commit({"pyproject.toml": declared, name: lock("httpx", "0.28.1", key)})
    head = repo.commit({name: lock("httpx", "0.29.0", key)})
    result = outputs(repo, base, head)
    assert (result["changed"], result["from"], result["to"], result["files"]) == (
        "true", "httpx[http2,brotli]==0.28.1", "httpx[http2,brotli]==0.29.0", name)


def test_a_pin_beats_a_range_and_files_in_subdirectories_count(repo: Repo) -> None:
    base = repo.commit({"pyproject.toml": pyproject("httpx>=0.27"),
                        "deploy/constraints.txt": "httpx==0.28.1 \\\n  --hash=sha256:ab\n"})
    head = repo.commit({"deploy/constraints.txt": "httpx==0.29.0 --hash=sha256:cd\n"})
    result = outputs(repo, base, head)
    assert (result["from"], result["to"], result["files"]) == (
        "httpx==0.28.1", "httpx==0.29.0", "deploy/constraints.txt")


def test_switch_to_a_fork(repo: Repo) -> None:
    base = repo.commit({"requirements.txt": "httpx[http2]==0.28.1\n"})
    head = repo.commit({"requirements.txt": "httpx2[http2]==2.16.2\n"})
    result = outputs(repo, base, head)
    assert (result["changed"], result["from"], result["to"], result["from_import"],
            result["to_import"]) == ("true", "httpx[http2]==0.28.1", "httpx2[http2]==2.16.2",
                                     "httpx", "httpx2")


@pytest.mark.parametrize("before,after,note", [
    (None, "httpx==0.28.1\n", "httpx added: nothing earlier to compare with"),
    ("httpx==0.28.1\n", None, "httpx removed: nothing later to compare with"),
])
def test_added_or_removed_is_no_pair(repo: Repo, before: str | None, after: str | None,
                                     note: str) -> None:
    base = repo.commit({"requirements.txt": before or "anyio\n"})
    head = repo.commit({"requirements.txt": after or "anyio\n"})
    result = outputs(repo, base, head)
    assert (result["changed"], result["note"]) == ("false", note)


def one_line_error(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("httpx_requirement_change: "), done.stderr
    assert all(word in lines[0] for word in words), lines[0]


def test_two_members_moving_is_an_error(repo: Repo) -> None:
    base = repo.commit({"requirements.txt": "httpx==0.28.1\nhttpxyz==0.1\n"})
    head = repo.commit({"requirements.txt": "httpx==0.29.0\nhttpxyz==0.2\n"})
    one_line_error(detect(repo, base, head), "several", "httpx, httpxyz")


def test_bad_input_is_one_line(repo: Repo, tmp_path: Path) -> None:
    base = repo.commit({"pyproject.toml": pyproject("httpx==0.28.1")})
    head = repo.commit({"pyproject.toml": "[project\ndependencies = [\n"})
    one_line_error(detect(repo, base, head), f"{head}:pyproject.toml is not valid TOML")
    one_line_error(detect(repo, "0" * 40, head), "0" * 40, "fetch-depth: 0")
    outside = tmp_path / "not-a-repo"
    outside.mkdir()
    one_line_error(subprocess.run([sys.executable, str(SCRIPT), "main", "HEAD"], cwd=outside,
                                  capture_output=True, text=True, timeout=60), "git rev-parse")
    done = subprocess.run([sys.executable, str(SCRIPT), base], cwd=repo.path,
                          capture_output=True, text=True, timeout=60)
    one_line_error(done, "usage")
