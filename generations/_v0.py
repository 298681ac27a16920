"""httpx 0.x and the forks that keep its API: the module itself, plus setup help.

Setup steps that are not the claim (trusting the test CA) try every way the target
supports; if none works the caller gets ``SetupFailed`` (outcome ``setup-failed``), never
``broken``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._missing import Target

__all__ = ["ApiV0", "SetupFailed"]

TrustWay = Callable[[Any], dict[str, Any]]  # server -> Client keyword arguments


class SetupFailed(Exception):
    """A step that prepares the observation failed in every way the target supports."""

    def __init__(self, step: str, attempts: list[str]) -> None:
        self.step = step
        self.attempts = attempts
        super().__init__(f"{step}: " + "; ".join(attempts))


class ApiV0(Target):
    """The 0.x API: tests are written in its shape, so nothing is translated."""

    generation = "0.x"

    def __init__(self, module: Any) -> None:
        super().__init__(module)
        self._trust: dict[bool, TrustWay] = {}

    def trust_ways(self, name_check: bool = False) -> list[tuple[str, TrustWay]]:
        """Ways this generation can trust a CA, most usual first. Both 0.x ways check the
        server's name, so ``name_check`` changes nothing here."""
        return [
            ("verify=ssl.SSLContext", lambda server: {"verify": server.ssl_context()}),
            ("verify=<CA file path>", lambda server: {"verify": str(server.ca)}),
        ]

    def trusting(self, server: Any, *, name_check: bool = False) -> dict[str, Any]:
        """Client keyword arguments that make the target trust the server's CA.

        The first way that completes a request to ``server.https_h1`` is kept for the
        session; each call returns fresh objects (a context is never shared between
        clients). With ``name_check`` only ways that check the server's name count (a claim
        about default verification needs that step, not just the CA). If no way works:
        ``SetupFailed`` naming the step and each attempt.
        """
        if name_check not in self._trust:
            attempts = []
            for name, way in self.trust_ways(name_check):
                try:
                    with self.Client(**way(server)) as client:
                        client.get(server.https_h1 + "/get")
                except Exception as error:  # any failure means: try the next way
                    attempts.append(f"{name}: {type(error).__name__}: {error}"[:200])
                    continue
                self._trust[name_check] = way
                break
            else:
                step = "trusting the CA" + (" with the server name checked" if name_check else "")
                raise SetupFailed(step, attempts)
        return self._trust[name_check](server)
