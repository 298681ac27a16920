"""Where one configuration overtakes another as the round-trip time grows, and the physics.

``speedup`` at an RTT is the slower configuration's time over the other's (above 1: the
other is ahead). The crossover is the RTT from which the speedup stays at or above 1,
interpolated linearly between the two measured RTTs that bracket it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

AHEAD = "ahead at every RTT measured"
OVERTAKES = "overtakes"
BEHIND = "behind at every RTT measured"
FALLS_BEHIND = "falls behind"


@dataclass(frozen=True)
class Crossover:
    status: str  # one of the four constants above
    rtt_ms: float | None  # where the speedup passes 1; None when it never does

    def describe(self) -> str:
        if self.status == AHEAD:
            return f"ahead from {self.rtt_ms:g} ms"
        if self.status == BEHIND:
            return "never (behind at every RTT)"
        verb = "overtakes at" if self.status == OVERTAKES else "falls behind at"
        return f"{verb} ~{self.rtt_ms:.3g} ms"


def _between(low: tuple[float, float], high: tuple[float, float]) -> float:
    (r0, s0), (r1, s1) = low, high
    if s1 == s0:
        return r1
    return r0 + (1.0 - s0) / (s1 - s0) * (r1 - r0)


def crossover(points: Sequence[tuple[float, float]]) -> Crossover:
    """``points`` are (RTT in ms, speedup); the answer is about the largest RTTs measured."""
    ordered = sorted(points)
    if not ordered:
        raise ValueError("no points")
    ahead = [speedup >= 1.0 for _, speedup in ordered]
    if all(ahead):
        return Crossover(AHEAD, ordered[0][0])
    if not any(ahead):
        return Crossover(BEHIND, None)
    # The last change of side decides: what holds at the largest RTTs is what users see.
    last = max(i for i in range(1, len(ordered)) if ahead[i] != ahead[i - 1])
    rtt = _between(ordered[last - 1], ordered[last])
    return Crossover(OVERTAKES if ahead[-1] else FALLS_BEHIND, rtt)


def waves(n: int, connections: int) -> int:
    """N requests over k connections, one request per connection at a time: ceil(N/k)."""
    return math.ceil(n / connections)


def fresh_client_seconds(rtt: float, n: int, connections: int, server_delay: float,
                         tls: bool = True, settings_wait: bool = False) -> float:
    """The least time N concurrent requests can take on a new client: connection setup
    (TCP one round trip, TLS 1.3 one more) on every connection at once, then ceil(N/k)
    waves of one round trip plus the server's delay each.

    ``settings_wait``: httpcore opens an HTTP/2 connection with one stream allowed until
    the server's SETTINGS frame arrives, one round trip after the connection preface; the
    other N-1 streams leave then (httpcore/_async/http2.py, "Initially start with just 1").
    """
    setup = (2 if tls else 1) * rtt
    if settings_wait and n > 1:
        setup += rtt
    return setup + waves(n, connections) * (rtt + server_delay)
