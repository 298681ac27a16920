"""pytest plugin: pytest-httpbin's fixtures served by this harness's server instead.

Lets a third-party test suite written against httpbin (requests' own tests use
pytest-httpbin) run unchanged against ``python -m server``::

    python -m pytest -p no:httpbin -p server.httpbin_shim tests/test_requests.py

``httpbin`` and ``httpbin_secure`` have pytest-httpbin's ``.url``, ``.host`` and ``.port``;
``httpbin_ca_bundle`` points REQUESTS_CA_BUNDLE at the server's throw-away CA.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from server.plugin import serve_for_session
from server.process import ServerInfo, ServerProcess


@dataclass(frozen=True)
class HttpbinLike:
    url: str

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 0

    def __add__(self, suffix: str) -> str:  # pytest-httpbin allows httpbin + "/get"
        return self.url + suffix


@pytest.fixture(scope="session")
def _harness_server() -> Iterator[ServerProcess]:
    yield from serve_for_session("hypercorn", label="httpbin shim")


@pytest.fixture(scope="session")
def _harness_info(_harness_server: ServerProcess) -> ServerInfo:
    assert _harness_server.info is not None
    return _harness_server.info


@pytest.fixture(scope="session")
def httpbin(_harness_info: ServerInfo) -> HttpbinLike:
    return HttpbinLike(_harness_info.http)


@pytest.fixture(scope="session")
def httpbin_secure(_harness_info: ServerInfo) -> HttpbinLike:
    return HttpbinLike(_harness_info.https_h1)


@pytest.fixture(scope="session", params=["http", "https"])
def httpbin_both(request: pytest.FixtureRequest, httpbin: HttpbinLike,
                 httpbin_secure: HttpbinLike) -> HttpbinLike:
    return httpbin if request.param == "http" else httpbin_secure


@pytest.fixture
def httpbin_ca_bundle(monkeypatch: pytest.MonkeyPatch, _harness_info: ServerInfo) -> str:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", _harness_info.ca)
    return _harness_info.ca
