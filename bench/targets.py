"""Skipping, with a reason, what the target under test does not have."""

from __future__ import annotations

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
