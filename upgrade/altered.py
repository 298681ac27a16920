"""``python -m upgrade.altered VERSION ALTERATION OUTDIR``: a real httpx release, altered.

Builds an installable wheel of httpx==VERSION with one deliberate regression, versioned
``VERSION+altered.<name>`` (PEP 440 local version: the name's ``-`` becomes ``.``), so the
upgrade verdict can be proven on pairs whose answer is known. The release's own files are
fetched with uv (no dependencies), checked against the release's RECORD, patched with one
small textual change whose anchor must be found, and zipped again with a new RECORD.
Prints the wheel's path; a bad version, alteration or missing anchor exits 2 with one line.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from upgrade.environments import last_line as uv_last_line
from upgrade.environments import uv

FETCH_TIMEOUT = 120.0  # seconds for uv to fetch one wheel
# A public release in canonical PEP 440 form (the form of the index's dist-info names).
VERSION_RE = re.compile(r"(?:[1-9][0-9]*!)?(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))*"
                        r"(?:(?:a|b|rc)(?:0|[1-9][0-9]*))?(?:\.post(?:0|[1-9][0-9]*))?"
                        r"(?:\.dev(?:0|[1-9][0-9]*))?")
# Files an installer adds to dist-info: not part of the wheel.
INSTALLER_FILES = {"INSTALLER", "REQUESTED", "RECORD", "direct_url.json", "uv_cache.json"}
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so the same alteration gives the same bytes


class AlterationError(Exception):
    """Why the altered wheel could not be built: one line."""


class FetchError(AlterationError):
    """The release could not be fetched (index unreachable, no such version)."""


@dataclass(frozen=True)
class Patch:
    path: str  # inside the wheel
    old: str
    new: str
    count: int = 1  # occurrences the release must have: all are replaced


def more_work(name: str, times: int) -> str:
    """Request.__init__ re-normalising its headers ``times`` more times on every request
    (Client and AsyncClient alike): a deliberate CPU regression, no sleep, since the count
    gate measures instructions. Three times is about 10 % of a pooled Client.get's
    instructions on httpx 0.28.1 (docs/upgrade.md)."""
    return (
        "        self.headers = Headers(headers)\n"
        f"        # Altered build (upgrade/altered.py, {name}): headers re-normalised {times}\n"
        "        # more times on every request, a deliberate CPU regression.\n"
        f"        for _ in range({times}):\n"
        "            self.headers = Headers(self.headers.multi_items())\n"
        "        self.extensions = {} if extensions is None else dict(extensions)\n")


REQUEST_HEADERS = ("        self.headers = Headers(headers)\n"
                   "        self.extensions = {} if extensions is None else dict(extensions)\n")

ALTERATIONS: dict[str, tuple[Patch, ...]] = {
    "more-work": (Patch("httpx/_models.py", REQUEST_HEADERS, more_work("more-work", 3)),),
    # Three times the work: enough client CPU for the interleaved timings to call "slower".
    "much-more-work": (Patch("httpx/_models.py", REQUEST_HEADERS,
                             more_work("much-more-work", 9)),),
    # httpcore's pool closes an idle connection at once when more connections than
    # max_keepalive_connections are idle (a count, deterministic); keepalive_expiry=0 would
    # rely on the monotonic clock moving between two reads.
    "no-keepalive": (Patch(
        "httpx/_config.py",
        "DEFAULT_LIMITS = Limits(max_connections=100, max_keepalive_connections=20)",
        "DEFAULT_LIMITS = Limits(max_connections=100, max_keepalive_connections=0)"),),
    "default-timeout": (Patch(
        "httpx/_config.py",
        "DEFAULT_TIMEOUT_CONFIG = Timeout(timeout=5.0)",
        "DEFAULT_TIMEOUT_CONFIG = Timeout(timeout=10.0)"),),
    # BaseClient, Client and AsyncClient each declare the default.
    "follow-redirects": (Patch(
        "httpx/_client.py",
        "        follow_redirects: bool = False,\n",
        "        follow_redirects: bool = True,\n",
        count=3),),
    # Only AsyncClient.send: the request's headers rebuilt three more times per request,
    # the sync path as released (the async fan-out's Python-line gate must see it).
    "async-path": (Patch(
        "httpx/_client.py",
        "        response = await self._send_handling_auth(\n",
        "        # Altered build (upgrade/altered.py, async-path): the request's headers\n"
        "        # rebuilt three more times on the async path only, a deliberate CPU\n"
        "        # regression.\n"
        "        for _ in range(3):\n"
        "            request.headers = Headers(request.headers.multi_items())\n"
        "        response = await self._send_handling_auth(\n"),),
    # Only responses that arrived over HTTP/2 (both transports): their headers normalised
    # three more times. The test rides on a line the released code already runs, so an
    # HTTP/1.1 response executes no extra line (the Python-line gate would see one).
    "http2-only": (
        Patch("httpx/_transports/default.py",
              "class ResponseStream(SyncByteStream):\n",
              "def _altered_http2_headers(resp: typing.Any) -> typing.Any:\n"
              "    # Altered build (upgrade/altered.py, http2-only): an HTTP/2 response's\n"
              "    # headers normalised three more times, a deliberate CPU regression.\n"
              "    from .._models import Headers\n"
              "\n"
              "    for _ in range(3):\n"
              "        resp.headers = Headers(resp.headers).raw\n"
              "    return resp.headers\n"
              "\n"
              "\n"
              "class ResponseStream(SyncByteStream):\n"),
        Patch("httpx/_transports/default.py",
              "            headers=resp.headers,\n",
              "            headers=resp.headers if resp.extensions.get(\"http_version\") != "
              "b\"HTTP/2\" else _altered_http2_headers(resp),\n",
              count=2),
    ),
    # iter_bytes()/aiter_bytes() read the whole raw body before yielding its first chunk: a
    # stream's memory grows with the body. read() joins what iter_bytes() yields, so a
    # buffered read holds what it held before (the body's chunks, then the joined body).
    "buffered-stream": (
        Patch("httpx/_models.py",
              "                for raw_bytes in self.iter_raw():\n",
              "                # Altered build (upgrade/altered.py, buffered-stream): the whole\n"
              "                # body is read first, a deliberate memory regression.\n"
              "                for raw_bytes in list(self.iter_raw()):\n"),
        Patch("httpx/_models.py",
              "                async for raw_bytes in self.aiter_raw():\n",
              "                # Altered build (upgrade/altered.py, buffered-stream): the whole\n"
              "                # body is read first, a deliberate memory regression.\n"
              "                for raw_bytes in [raw async for raw in self.aiter_raw()]:\n"),
    ),
}

# Builds that cannot be measured, for a series of releases with a gap (releases/bisect.py
# skips them): kept apart from ALTERATIONS, whose every build the upgrade must judge.
BROKEN_BUILDS: dict[str, tuple[Patch, ...]] = {
    "broken-import": (Patch(
        "httpx/__init__.py",
        "from .__version__ import __description__, __title__, __version__\n",
        "raise ImportError(\"altered build (upgrade/altered.py, broken-import)\")\n"),),
}


def altered_version(version: str, alteration: str) -> str:
    """The normalised PEP 440 local version of the altered build."""
    return f"{version}+altered.{alteration.replace('-', '.')}"


def check_arguments(version: str, alteration: str) -> None:
    if alteration not in ALTERATIONS and alteration not in BROKEN_BUILDS:
        raise AlterationError(f"unknown alteration {alteration!r}; known: "
                              f"{', '.join(ALTERATIONS)}")
    if not VERSION_RE.fullmatch(version):
        raise AlterationError(f"version {version!r} is not a public release in canonical "
                              "PEP 440 form (e.g. 0.28.1)")


def last_line(text: str) -> str:
    """uv's reason (environments.last_line) without its "error:" prefix."""
    return re.sub(r"^(?:error|cause|caused by): ", "", uv_last_line(text), flags=re.IGNORECASE)


def fetch(version: str, target: Path) -> None:
    """Install httpx==VERSION's wheel alone into ``target`` (uv: works without pip)."""
    requirement = f"httpx=={version}"
    command = [*uv(), "pip", "install", "--quiet", "--no-deps", "--only-binary", ":all:",
               "--python", sys.executable, "--target", str(target), requirement]
    # Exactly this release: the harness's constraints are not about it.
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("UV_CONSTRAINT", "UV_OVERRIDE", "VIRTUAL_ENV")}
    try:
        done = subprocess.run(command, capture_output=True, text=True,
                              timeout=FETCH_TIMEOUT, env=environment)
    except FileNotFoundError:
        raise FetchError("uv not found (on PATH or as a module of this Python)") from None
    except subprocess.TimeoutExpired:
        raise FetchError(f"could not fetch {requirement}: no answer in "
                         f"{FETCH_TIMEOUT:g} s") from None
    if done.returncode != 0:
        raise FetchError(f"could not fetch {requirement}: "
                         f"{last_line(done.stderr or done.stdout)}")


def record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode("ascii")


def release_files(tree: Path, dist_info: str) -> dict[str, bytes]:
    """The wheel's files, by path, as the release's RECORD lists and hashes them."""
    files: dict[str, bytes] = {}
    record = (tree / dist_info / "RECORD").read_text(encoding="utf-8")
    for path, digest, _size in csv.reader(record.splitlines()):
        top, _, name = path.partition("/")
        if top not in ("httpx", dist_info) or (top == dist_info and name in INSTALLER_FILES):
            continue  # console scripts and installer files are the installer's
        data = (tree / path).read_bytes()
        if digest and record_hash(data) != digest:
            raise AlterationError(f"{path} of the fetched release does not match its RECORD")
        files[path] = data
    return files


def patched(files: dict[str, str | bytes], version: str,
            alteration: str) -> dict[str, str | bytes]:
    result: dict[str, str | bytes] = dict(files)
    for patch in ALTERATIONS.get(alteration) or BROKEN_BUILDS[alteration]:
        # Several patches may change one file: each applies to what the last one left.
        content = result.get(patch.path, b"")
        text = content.decode("utf-8") if isinstance(content, bytes) else content
        found = text.count(patch.old)
        if found != patch.count:
            raise AlterationError(
                f"httpx {version} does not have what {alteration} changes: {patch.path} has "
                f"{found} of {patch.old.strip()!r}, expected {patch.count}")
        result[patch.path] = text.replace(patch.old, patch.new)
    return result


def renamed(files: dict[str, str | bytes], version: str, new_version: str,
            ) -> Iterator[tuple[str, bytes]]:
    """Every file with the new version in __version__.py, METADATA and dist-info's name."""
    old_info, new_info = f"httpx-{version}.dist-info", f"httpx-{new_version}.dist-info"
    changes = {
        "httpx/__version__.py": (f'__version__ = "{version}"\n',
                                 f'__version__ = "{new_version}"\n'),
        f"{old_info}/METADATA": (f"\nVersion: {version}\n", f"\nVersion: {new_version}\n"),
    }
    for path, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        if path in changes:
            old, new = changes[path]
            text = data.decode("utf-8")
            if text.count(old) != 1:
                raise AlterationError(f"httpx {version}: {path} does not have {old.strip()!r}")
            data = text.replace(old, new).encode("utf-8")
        yield new_info + path[len(old_info):] if path.startswith(old_info) else path, data


def wheel_tag(files: dict[str, bytes], dist_info: str) -> str:
    tags = [line.split(":", 1)[1].strip()
            for line in files[f"{dist_info}/WHEEL"].decode("utf-8").splitlines()
            if line.startswith("Tag:")]
    if len(tags) != 1:
        raise AlterationError(f"{dist_info}/WHEEL names {len(tags)} tags, expected one")
    return tags[0]


def write_wheel(path: Path, files: list[tuple[str, bytes]], dist_info: str) -> None:
    """A zip whose RECORD lists every file's hash and size; dist-info last, as is usual."""
    files = sorted(files, key=lambda item: (item[0].startswith(dist_info), item[0]))
    record = "".join(f"{name},{record_hash(data)},{len(data)}\n" for name, data in files)
    record += f"{dist_info}/RECORD,,\n"
    files.append((f"{dist_info}/RECORD", record.encode("utf-8")))
    partial = path.with_name(path.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as wheel:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(info, data)
    if path.exists() and path.read_bytes() != partial.read_bytes():
        partial.unlink()
        raise AlterationError(f"{path} exists with other content; not overwritten")
    os.replace(partial, path)


def build(version: str, alteration: str, outdir: Path) -> Path:
    """Build httpx==VERSION with ALTERATION into OUTDIR; the wheel's path."""
    check_arguments(version, alteration)
    return build_release(version, [alteration], altered_version(version, alteration), outdir)


def build_release(version: str, alterations: list[str], new_version: str,
                  outdir: Path) -> Path:
    """httpx==VERSION with every alteration of ``alterations`` (none: the release as it is)
    applied in turn, published as ``new_version``: the steps of a local series of releases
    (tests/test_releases_series.py builds 0.28.1.post1, .post2, ...)."""
    for alteration in alterations:
        check_arguments(version, alteration)
    dist_info = f"httpx-{version}.dist-info"
    with tempfile.TemporaryDirectory(prefix="httpx-altered-") as scratch:
        tree = Path(scratch)
        fetch(version, tree)
        if not (tree / dist_info / "RECORD").is_file():
            raise AlterationError(f"the fetched release has no {dist_info}/RECORD")
        released = release_files(tree, dist_info)
    tag = wheel_tag(released, dist_info)
    files: dict[str, str | bytes] = dict(released)
    for alteration in alterations:
        files = patched(files, version, alteration)
    content = list(renamed(files, version, new_version))
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / f"httpx-{new_version}-{tag}.whl"
    write_wheel(path, content, f"httpx-{new_version}.dist-info")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m upgrade.altered", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("version", metavar="VERSION", help="an httpx release, e.g. 0.28.1")
    parser.add_argument("alteration", metavar="ALTERATION", help=", ".join(ALTERATIONS))
    parser.add_argument("outdir", metavar="OUTDIR", type=Path)
    args = parser.parse_args(argv)
    try:
        print(build(args.version, args.alteration, args.outdir))
    except (AlterationError, OSError) as error:
        print(f"upgrade.altered: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
