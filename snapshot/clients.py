"""The call layer: one small adapter per API generation, so the grid runs on every target.

An adapter turns a case's arguments into the library's own way of saying them. When the
library has no way (requests has no ``base_url``, httpx 1.0.dev6 no ``auth=``), the case
is ``Unsupported`` with the reason, never a crash. Nothing else is passed: no timeout, no
verify, no headers the case is not about (observe, don't steer; an outer alarm bounds time).
"""

from __future__ import annotations

import inspect
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from snapshot.grid import Case


class Unsupported(Exception):
    """The case's input cannot be expressed on this library; the message says why."""


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


class HttpxClassic(Adapter):
    """httpx 0.x and its drop-in forks: ``Client(base_url=...).request(method, url, **args)``."""

    generation = "httpx-0.x"

    def send(self, case: Case, fill: Fill) -> Reported:
        client_args = {"base_url": fill(case.base_url)} if case.base_url is not None else {}
        try:
            client = self.lib.Client(**client_args)
        except TypeError as error:
            if unexpected_keyword(error):
                raise Unsupported(f"Client(): {error}") from None
            raise
        with client:
            try:
                response = client.request(case.method, fill(case.url), **case.args)
            except TypeError as error:
                if unexpected_keyword(error):
                    raise Unsupported(f"request(): {error}") from None
                raise
            if case.then:
                response = client.get(fill(case.then))
            return Reported(response.status_code, str(response.url),
                            [[r.status_code, str(r.url)] for r in response.history],
                            response.content)


# requests' names for the same arguments (it has no content=: data= takes bytes and str).
REQUESTS_NAMES = {"follow_redirects": "allow_redirects", "content": "data"}


class Requests(Adapter):
    """requests: a Session, the same arguments under requests' names."""

    generation = "requests"
    def send(self, case: Case, fill: Fill) -> Reported:
        if case.base_url is not None:
            raise Unsupported("requests has no base_url")
        args = {REQUESTS_NAMES.get(key, key): value for key, value in case.args.items()}
        with self.lib.Session() as session:
            response = session.request(case.method, fill(case.url), **args)
            if case.then:
                response = session.get(fill(case.then))
            return Reported(response.status_code, response.url,
                            [[r.status_code, r.url] for r in response.history],
                            response.content)


class Httpx1(Adapter):
    """httpx 1.0 previews: ``Client(url=...)``, content types (``JSON``, ``Form``, ``Files``)."""

    generation = "httpx-1.0"

    def send(self, case: Case, fill: Fill) -> Reported:
        lib, args = self.lib, dict(case.args)
        for name in ("cookies", "auth"):
            if name in args:
                raise Unsupported(f"{name}=: no such argument (nor a cookie jar or auth hook)")
        if args.pop("follow_redirects", True) is False:
            raise Unsupported("follow_redirects=False: the Client always follows redirects")
        url: Any = fill(case.url)
        if "params" in args:
            url = lib.URL(url, params=args.pop("params"))
        with tempfile.TemporaryDirectory(prefix="snapshot-files-") as scratch:
            content = self.content(args, Path(scratch))
            request_args: dict[str, Any] = {}
            if "headers" in args:
                request_args["headers"] = args.pop("headers")
            if content is not None:
                request_args["content"] = content
            if args:
                raise Unsupported(f"{', '.join(args)}=: no such argument")
            client_args = {"url": fill(case.base_url)} if case.base_url is not None else {}
            with lib.Client(**client_args) as client:
                response = client.request(case.method, url, **request_args)
                if case.then:
                    response = client.request("GET", fill(case.then))
                return Reported(int(response.status_code), None, None, response.body)

    def content(self, args: dict[str, Any], scratch: Path) -> Any:
        """The body argument as a 1.0 content object, or None without one."""
        lib = self.lib
        if "json" in args:
            return lib.JSON(args.pop("json"))
        if "content" in args:
            value = args.pop("content")
            return lib.Text(value) if isinstance(value, str) else value
        files = args.pop("files", None)
        data = args.pop("data", None)
        if files is not None:
            return lib.MultiPart(form=data, files=self.files(files, scratch))
        if data is None:
            return None
        if isinstance(data, (str, bytes)):
            raise Unsupported("data=<str|bytes>: no such argument (content= takes bytes)")
        return lib.Form(data)

    def files(self, files: Any, scratch: Path) -> list[tuple[str, Any]]:
        """Files are paths in 1.0: each upload is written to a file of the same name."""
        items = files.items() if isinstance(files, dict) else files
        converted = []
        for index, (field_name, value) in enumerate(items):
            if not isinstance(value, tuple):
                raise Unsupported("files= without a filename: a File is a path")
            if len(value) > 2:
                raise Unsupported("files= with a content type: File has no content type")
            folder = scratch / str(index)
            folder.mkdir()
            path = folder / value[0]
            path.write_bytes(value[1])
            converted.append((field_name, self.lib.File(str(path))))
        return converted


def adapter_for(module: ModuleType) -> Adapter:
    """The adapter of the module's API generation, recognised by what it offers."""
    if module.__name__ == "requests":
        return Requests(module)
    client = getattr(module, "Client", None)
    if client is None:
        raise Unsupported(f"{module.__name__} has no Client")
    try:
        parameters = inspect.signature(client.__init__).parameters
    except (TypeError, ValueError):  # a compiled Client without a signature
        return HttpxClassic(module)
    if "base_url" in parameters or "follow_redirects" in parameters:
        return HttpxClassic(module)
    if "url" in parameters and hasattr(module, "JSON"):
        return Httpx1(module)
    return HttpxClassic(module)  # unknown shape: try the 0.x way, failures are recorded
