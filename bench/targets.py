"""Skipping, with a reason, what the target under test does not have."""

from __future__ import annotations

import ssl
from types import ModuleType

import pytest


def require(module: ModuleType, *names: str) -> None:
    """Skip when the target lacks an API a scenario needs (a fork may not have it)."""
    missing = [n for n in names if not hasattr(module, n)]
    if missing:
        version = getattr(module, "__version__", "")
        pytest.skip(f"{module.__name__} {version} has no {', '.join(missing)}".replace("  ", " "))


def require_http2(module: ModuleType) -> None:
    """httpx needs the h2 package for http2=True; without it HTTP/2 cases skip."""
    require(module, "Client")
    try:
        module.Client(http2=True).close()
    except (ImportError, TypeError) as error:
        pytest.skip(f"{module.__name__} cannot use HTTP/2 here: {str(error).splitlines()[0]}")


def require_tls(module: ModuleType, url: str, context: ssl.SSLContext,
                http2: bool = False) -> None:
    """Skip when the target cannot GET ``url`` trusting ``context`` (or negotiate HTTP/2).

    A fork that ignores ``verify=<SSLContext>`` (e.g. one verifying with the platform's
    store) cannot reach the harness's private-CA server at all: one skip says so, instead
    of every request of every TLS case failing.
    """
    require(module, "Client")
    what = "verify=<SSLContext>" + (", http2=True" if http2 else "")
    try:
        with module.Client(verify=context, http2=http2) as client:
            version = client.get(url).http_version
    except Exception as error:  # any failure here means the scenario cannot run
        first = (str(error).splitlines() or [""])[0][:160]
        pytest.skip(f"{module.__name__} cannot GET {url} with {what}: "
                    f"{type(error).__name__}: {first}")
    if http2 and version != "HTTP/2":
        pytest.skip(f"{module.__name__} negotiated {version}, not HTTP/2, with {what}")
