"""A throw-away certificate authority and server certificate, made fresh at each start."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HOSTNAMES = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class CertificateFiles:
    ca: Path  # the CA certificate clients trust (verify=...)
    cert_chain: Path  # server leaf certificate followed by the CA
    key: Path  # server private key, PKCS#8 (granian needs it; hypercorn accepts it)


def make_certificates(directory: Path) -> CertificateFiles:
    """Write a new CA and a leaf for 127.0.0.1, localhost and ::1 into ``directory``."""
    import trustme
    from cryptography.hazmat.primitives import serialization

    ca = trustme.CA()
    leaf = ca.issue_cert(*HOSTNAMES)
    files = CertificateFiles(directory / "ca.pem", directory / "server-chain.pem",
                             directory / "server-key.pem")
    ca.cert_pem.write_to_path(str(files.ca))
    with files.cert_chain.open("wb") as out:
        for blob in leaf.cert_chain_pems:
            out.write(blob.bytes())
    # trustme writes a traditional EC key; PKCS#8 is what every engine accepts.
    key = serialization.load_pem_private_key(leaf.private_key_pem.bytes(), password=None)
    files.key.write_bytes(key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ))
    return files
