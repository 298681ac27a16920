"""The call layer: how each library sends a case, so the grid runs on every target.

An adapter turns a case's arguments into the library's own way of saying them: httpx
through the API-generation adapter the conformance suite uses too (``generations``), so
both read one translation; requests under its own names. When the library has no way
(requests has no ``base_url``, httpx 1.0.dev6 no ``auth=``), the case raises
``MissingAPI`` (recorded ``unsupported``) with the reason, never a crash. Nothing else is
passed: no timeout, no verify, no headers the case is not about (observe, don't steer; an
outer alarm bounds time).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from generations import MissingAPI, adapt
from snapshot.grid import Case


@dataclass
class Reported:
    """What the client said about the exchange."""

    status: int | None = None
    url: str | None = None
    history: list[list[Any]] | None = None  # [status, url] per redirect response
    body: bytes = b""
    warnings: list[str] = field(default_factory=list)


Fill = Callable[[str], str]  # fills {origin}, {other}, {port} into a URL template


class Adapter:
    """How one library family sends a case."""

    generation = "?"

    def __init__(self, module: ModuleType) -> None:
        self.lib = module

    def send(self, case: Case, fill: Fill) -> Reported:
        raise NotImplementedError


def unexpected_keyword(error: TypeError) -> bool:
    text = str(error)
    return "unexpected keyword argument" in text or "takes no keyword argument" in text


class Httpx(Adapter):
    """httpx of any API generation, through its adapter (``generations``): the case's 0.x
    arguments reach the target only where its generation has them, else MissingAPI."""

    def __init__(self, module: ModuleType) -> None:
        super().__init__(module)
        self.hx = adapt(module)
        self.generation = f"httpx-{self.hx.generation}"

    def send(self, case: Case, fill: Fill) -> Reported:
        client_args = {"base_url": fill(case.base_url)} if case.base_url is not None else {}
        with expressible("Client()"):
            client = self.hx.Client(**client_args)
        with client:
            with expressible("request()"):
                response = client.request(case.method, fill(case.url), **case.args)
            if case.then:
                response = client.get(fill(case.then))
            return Reported(response.status_code, optional(lambda: str(response.url)),
                            optional(lambda: [[r.status_code, str(r.url)]
                                              for r in response.history]),
                            response.content)


@contextmanager
def expressible(call: str) -> Iterator[None]:
    """A keyword the library rejects means the case cannot be expressed on it."""
    try:
        yield
    except TypeError as error:
        if unexpected_keyword(error):
            raise MissingAPI(f"{call}: {error}") from None
        raise


def optional(read: Callable[[], Any]) -> Any:
    """What the client reports, or None where its generation has no such attribute."""
    try:
        return read()
    except MissingAPI:
        return None


# requests' names for the same arguments (it has no content=: data= takes bytes and str).
REQUESTS_NAMES = {"follow_redirects": "allow_redirects", "content": "data"}


class Requests(Adapter):
    """requests: a Session, the same arguments under requests' names."""

    generation = "requests"
    def send(self, case: Case, fill: Fill) -> Reported:
        if case.base_url is not None:
            raise MissingAPI("requests has no base_url")
        args = {REQUESTS_NAMES.get(key, key): value for key, value in case.args.items()}
        with self.lib.Session() as session:
            response = session.request(case.method, fill(case.url), **args)
            if case.then:
                response = session.get(fill(case.then))
            return Reported(response.status_code, response.url,
                            [[r.status_code, r.url] for r in response.history],
                            response.content)


def adapter_for(module: ModuleType) -> Adapter:
    """requests, or httpx of the module's API generation."""
    if module.__name__ == "requests":
        return Requests(module)
    if getattr(module, "Client", None) is None:
        raise MissingAPI(f"{module.__name__} has no Client")
    return Httpx(module)
