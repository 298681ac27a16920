"""HTTP Digest authentication (RFC 7616) as httpbin's /digest-auth serves it."""

from __future__ import annotations

import hashlib
import os
import re

ALGORITHMS = {"MD5": "md5", "SHA-256": "sha256", "SHA-512": "sha512"}
QOPS = ("auth", "auth-int")


def _hash(algorithm: str, data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return hashlib.new(ALGORITHMS[algorithm], raw).hexdigest()


def challenge(realm: str, qop: str, algorithm: str, stale: bool = False) -> str:
    nonce = _hash(algorithm, os.urandom(16))
    opaque = _hash(algorithm, os.urandom(16))
    parts = [
        f'realm="{realm}"',
        f'nonce="{nonce}"',
        f'qop="{qop}"',
        f'opaque="{opaque}"',
        f"algorithm={algorithm}",
    ]
    if stale:  # the nonce was good but has expired: retry with the new one (RFC 7616)
        parts.append("stale=TRUE")
    return "Digest " + ", ".join(parts)


def parse_authorization(header: str) -> dict[str, str]:
    """Parse ``Digest k=v, k="v"`` into a dict; empty if it is not a Digest header."""
    scheme, _, rest = header.partition(" ")
    if scheme.lower() != "digest":
        return {}
    pairs = re.findall(r'(\w+)=("([^"]*)"|[^,\s]*)', rest)
    return {key: quoted if value.startswith('"') else value for key, value, quoted in pairs}


def verify(
    fields: dict[str, str], method: str, user: str, password: str, body: bytes, algorithm: str
) -> bool:
    """True if the client's digest matches the one computed from the known password."""
    try:
        realm, nonce, uri, response = (fields[k] for k in ("realm", "nonce", "uri", "response"))
    except KeyError:
        return False
    if fields.get("username") != user:
        return False
    qop = fields.get("qop")
    ha1 = _hash(algorithm, f"{user}:{realm}:{password}")
    if qop == "auth-int":
        ha2 = _hash(algorithm, f"{method}:{uri}:{_hash(algorithm, body)}")
    else:
        ha2 = _hash(algorithm, f"{method}:{uri}")
    if qop in QOPS:
        nc, cnonce = fields.get("nc", ""), fields.get("cnonce", "")
        expected = _hash(algorithm, f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
    else:
        expected = _hash(algorithm, f"{ha1}:{nonce}:{ha2}")
    return expected == response
