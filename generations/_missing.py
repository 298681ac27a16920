"""Missing API: the one way a generation says "no such function, class or argument"."""

from __future__ import annotations

from types import ModuleType
from typing import Any

__all__ = ["MissingAPI", "Target", "is_missing_api"]


class MissingAPI(Exception):
    """The target lacks a function, class, attribute or argument that a caller uses."""


class Target:
    """A module proxy: ``target.Client`` is the module's, a missing name raises MissingAPI."""

    def __init__(self, module: ModuleType) -> None:
        self.module = module
        self.name = module.__name__

    def __getattr__(self, name: str) -> Any:
        try:
            return getattr(self.module, name)
        except AttributeError:
            raise MissingAPI(f"{self.name}.{name} does not exist") from None


def is_missing_api(error: BaseException, target_module: str) -> bool:
    """True when an exception means the target has no such name or keyword argument."""
    if isinstance(error, MissingAPI):
        return True
    if isinstance(error, AttributeError):
        owner = getattr(error, "obj", None)
        module = getattr(type(owner), "__module__", "") or ""
        if isinstance(owner, ModuleType):
            module = owner.__name__
        return module.split(".")[0] == target_module
    if isinstance(error, TypeError):
        text = str(error)
        return "unexpected keyword argument" in text or "takes no keyword argument" in text
    return False
