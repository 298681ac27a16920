"""One adapter per httpx API generation, shared by the conformance suite and the snapshot.

Callers write requests in the 0.x shape (``Client(base_url=...)``, ``client.request(method,
url, params=..., json=...)``) and reach the target through ``adapt(module)``. On 0.x and
its drop-in forks that is the target's own API. On 1.0 an argument is translated only
where 1.0 offers the same capability under another name; an argument 1.0 does not have
raises ``MissingAPI`` (never emulated), so both suites record what the target offers.
"""

from ._detect import GENERATIONS, adapt, generation
from ._missing import MissingAPI, Target, is_missing_api
from ._v0 import ApiV0, SetupFailed
from ._v1 import ApiV1

__all__ = [
    "GENERATIONS",
    "ApiV0",
    "ApiV1",
    "MissingAPI",
    "SetupFailed",
    "Target",
    "adapt",
    "generation",
    "is_missing_api",
]
