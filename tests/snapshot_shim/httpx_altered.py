"""Test-only shim: the installed httpx with one behaviour altered ($HARNESS_ALTERATION).

None of these alterations is among the claims, so only the wire snapshot can notice them.
Run as ``python -m snapshot --library httpx_altered`` with this directory on PYTHONPATH.
"""

from __future__ import annotations

import os
from typing import Any

import httpx
from httpx import _auth, _client, _urlparse

ALTERATIONS = ("extra-header", "pipe-escaped-in-path", "basic-auth-latin1", "303-keeps-method")
alteration = os.environ.get("HARNESS_ALTERATION", "")
if alteration not in ALTERATIONS:
    raise ImportError(f"HARNESS_ALTERATION must be one of {', '.join(ALTERATIONS)}")

Client: Any = httpx.Client

if alteration == "extra-header":
    class Client(httpx.Client):  # type: ignore[no-redef]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.headers["X-Altered"] = "1"
elif alteration == "pipe-escaped-in-path":
    _urlparse.PATH_SAFE = _urlparse.PATH_SAFE.replace("|", "")
elif alteration == "basic-auth-latin1":
    def latin1_header(self: Any, username: str, password: str) -> str:
        import base64

        token = base64.b64encode(f"{username}:{password}".encode("latin-1")).decode()
        return f"Basic {token}"

    _auth.BasicAuth._build_auth_header = latin1_header  # type: ignore[method-assign]
elif alteration == "303-keeps-method":
    original = _client.BaseClient._redirect_method

    def keep_method_on_303(self: Any, request: Any, response: Any) -> str:
        if response.status_code == 303:
            return request.method
        return original(self, request, response)

    _client.BaseClient._redirect_method = keep_method_on_303  # type: ignore[method-assign]
