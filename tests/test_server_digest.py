"""The server's Digest check against digests computed independently here (RFC 7616)."""

from __future__ import annotations

import hashlib

import pytest

from server import digest


def _h(algorithm: str, data: bytes) -> str:
    return hashlib.new({"MD5": "md5", "SHA-256": "sha256", "SHA-512": "sha512"}[algorithm],
                       data).hexdigest()


def _answer(challenge: str, qop: str, algorithm: str, password: str, body: bytes) -> dict:
    fields = digest.parse_authorization(challenge)
    ha1 = _h(algorithm, f"ann:{fields['realm']}:{password}".encode())
    a2 = f"POST:/x:{_h(algorithm, body)}" if qop == "auth-int" else "POST:/x"
    ha2 = _h(algorithm, a2.encode())
    response = _h(algorithm, f"{ha1}:{fields['nonce']}:00000001:abc:{qop}:{ha2}".encode())
    return {**fields, "username": "ann", "uri": "/x", "qop": qop, "nc": "00000001",
            "cnonce": "abc", "response": response}


@pytest.mark.parametrize("algorithm", sorted(digest.ALGORITHMS))
@pytest.mark.parametrize("qop", digest.QOPS)
def test_right_password_verifies_and_wrong_one_does_not(qop: str, algorithm: str) -> None:
    challenge = digest.challenge("realm", qop, algorithm)
    good = _answer(challenge, qop, algorithm, "pw", b"body")
    assert digest.verify(good, "POST", "ann", "pw", b"body", algorithm)
    bad = _answer(challenge, qop, algorithm, "wrong", b"body")
    assert not digest.verify(bad, "POST", "ann", "pw", b"body", algorithm)
    if qop == "auth-int":  # the body is part of the digest
        assert not digest.verify(good, "POST", "ann", "pw", b"other", algorithm)


def test_a_non_digest_header_parses_to_nothing() -> None:
    assert digest.parse_authorization("Basic YW5uOnB3") == {}
