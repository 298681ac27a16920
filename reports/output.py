"""Write a report directory all at once: into a temporary sibling, then rename into place."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def staged_directory(final: Path) -> Iterator[Path]:
    """Yield an empty temporary directory that becomes ``final`` only if the block succeeds.

    On any error the temporary directory is removed, so a failed report leaves nothing
    behind and an earlier report stays untouched.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}-new-", dir=final.parent))
    try:
        yield staging
        staging.chmod(0o755)
        if final.exists():
            # A rename cannot replace a non-empty directory: move the old one aside first.
            retired = Path(tempfile.mkdtemp(prefix=f".{final.name}-old-", dir=final.parent))
            retired.rmdir()
            final.rename(retired)
            staging.rename(final)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            staging.rename(final)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def write_text_atomically(path: Path, text: str) -> None:
    """Write to a temporary sibling, then rename: a reader never sees half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with open(fd, "w", encoding="utf-8") as out:
            out.write(text)
        Path(temporary).chmod(0o644)
        Path(temporary).replace(path)
    finally:
        Path(temporary).unlink(missing_ok=True)
