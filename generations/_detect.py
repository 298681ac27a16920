"""Which API generation a module has, recognised by what its Client takes."""

from __future__ import annotations

import inspect
from types import ModuleType

from ._v0 import ApiV0
from ._v1 import ApiV1

__all__ = ["GENERATIONS", "adapt", "generation"]

GENERATIONS = ("0.x", "1.0")


def generation(module: ModuleType) -> str:
    """``1.0`` when the Client takes ``url=`` instead of ``base_url=``, else ``0.x``."""
    client = getattr(module, "Client", None)
    if client is None:
        return "0.x"
    try:
        parameters = inspect.signature(client).parameters
    except (TypeError, ValueError):  # a compiled Client without a signature: 0.x-shaped
        return "0.x"
    return "1.0" if "url" in parameters and "base_url" not in parameters else "0.x"


def adapt(module: ModuleType) -> ApiV0:
    """The adapter for the module's API generation."""
    return ApiV1(module) if generation(module) == "1.0" else ApiV0(module)
