"""A throw-away certificate authority and server certificate, made fresh at each start.

The PEM files live in anonymous memory files (Linux ``memfd``), reached through
``/proc/<pid>/fd/<n>``: they exist exactly as long as the server process, so no private
key is left on disk whatever ends the process (SIGKILL included). Where memfd is missing
they fall back to a temporary directory the server removes at exit.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

HOSTNAMES = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class CertificateFiles:
    ca: Path  # the CA certificate clients trust (verify=...)
    cert_chain: Path  # server leaf certificate followed by the CA
    key: Path  # server private key, PKCS#8 (granian needs it; hypercorn accepts it)
    _fds: tuple[int, ...] = field(default=(), repr=False)
    _directory: Path | None = field(default=None, repr=False)

    def remove(self) -> None:
        """Close the memory files (or delete the fallback directory). Idempotent."""
        for fd in self._fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)


def _pem_blobs() -> dict[str, bytes]:
    import trustme
    from cryptography.hazmat.primitives import serialization

    ca = trustme.CA()
    leaf = ca.issue_cert(*HOSTNAMES)
    # trustme writes a traditional EC key; PKCS#8 is what every engine accepts.
    key = serialization.load_pem_private_key(leaf.private_key_pem.bytes(), password=None)
    return {
        "ca.pem": ca.cert_pem.bytes(),
        "server-chain.pem": b"".join(blob.bytes() for blob in leaf.cert_chain_pems),
        "server-key.pem": key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    }


def make_certificates() -> CertificateFiles:
    """A new CA and a leaf for 127.0.0.1, localhost and ::1, in memory where possible."""
    blobs = _pem_blobs()
    if hasattr(os, "memfd_create") and Path(f"/proc/{os.getpid()}/fd").is_dir():
        fds = []
        paths = []
        for name, blob in blobs.items():
            fd = os.memfd_create(name)
            os.write(fd, blob)
            fds.append(fd)
            # /proc/<pid>/..., not /proc/self/...: the client (another process) reads the CA.
            paths.append(Path(f"/proc/{os.getpid()}/fd/{fd}"))
        return CertificateFiles(*paths, _fds=tuple(fds))
    directory = Path(tempfile.mkdtemp(prefix="httpx-harness-server-"))
    for name, blob in blobs.items():
        (directory / name).write_bytes(blob)
    return CertificateFiles(directory / "ca.pem", directory / "server-chain.pem",
                            directory / "server-key.pem", _directory=directory)
