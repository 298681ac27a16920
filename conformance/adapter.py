"""One adapter per API generation, so a claim is observed wherever its capability exists.

Tests are written in the 0.x shape (``hx.Client(base_url=...)``, ``client.get(...)``). On
0.x and its forks that is the target's own API and the adapter adds nothing but setup
help. httpx 1.0 renamed much of it (``Client(url=...)``, ``httpx.timeout()``, content
types such as ``httpx.JSON``); ``ApiV1`` reaches the same capabilities through those
names, and raises ``MissingAPI`` only where the capability itself is absent (no way to
turn redirect following off, no cookies, no auth, no per-phase timeouts).

Setup steps that are not the claim (trusting the test CA) try every way the target
supports; if none works the test ends with ``SetupFailed`` (outcome ``setup-failed``),
never ``broken``.
"""

from __future__ import annotations

import contextlib
import inspect
import json as jsonlib
import ssl
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

from conformance.target import MissingAPI, Target

GENERATIONS = ("0.x", "1.0")


class SetupFailed(Exception):
    """A step that prepares the observation failed in every way the target supports."""

    def __init__(self, step: str, attempts: list[str]) -> None:
        self.step = step
        self.attempts = attempts
        super().__init__(f"{step}: " + "; ".join(attempts))


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


def adapt(module: ModuleType) -> Target:
    """The adapter for the target module's API generation."""
    return ApiV1(module) if generation(module) == "1.0" else ApiV0(module)


class ApiV0(Target):
    """httpx 0.x and the forks that keep its API: the module itself, plus setup help."""

    generation = "0.x"

    def __init__(self, module: ModuleType) -> None:
        super().__init__(module)
        self._trust: Callable[[Any], dict[str, Any]] | None = None

    def trust_ways(self) -> list[tuple[str, Callable[[Any], dict[str, Any]]]]:
        """Ways this generation can trust a CA, most usual first (server -> Client kwargs)."""
        return [
            ("verify=ssl.SSLContext", lambda server: {"verify": server.ssl_context()}),
            ("verify=<CA file path>", lambda server: {"verify": str(server.ca)}),
        ]

    def trusting(self, server: Any) -> dict[str, Any]:
        """Client keyword arguments that make the target trust the server's CA.

        The first way that completes a request to ``server.https_h1`` is kept for the
        session; each call returns fresh objects (a context is never shared between
        clients). If no way works: ``SetupFailed("trusting the CA", ...)``.
        """
        if self._trust is None:
            attempts = []
            for name, way in self.trust_ways():
                try:
                    with self.Client(**way(server)) as client:
                        client.get(server.https_h1 + "/get")
                except Exception as error:  # any failure means: try the next way
                    attempts.append(f"{name}: {type(error).__name__}: {error}"[:200])
                    continue
                self._trust = way
                break
            else:
                raise SetupFailed("trusting the CA", attempts)
        return self._trust(server)


class ApiV1(ApiV0):
    """httpx 1.0: ``Client(url=...)``, ``httpx.timeout()``, content types, no top level."""

    generation = "1.0"

    def trust_ways(self) -> list[tuple[str, Callable[[Any], dict[str, Any]]]]:
        # 1.0.dev6 passes the Host header ("127.0.0.1:<port>") as the TLS server name, so
        # a name check fails on any non-default port; the CA is still the only one trusted.
        return [*super().trust_ways(),
                ("verify=<context trusting the CA, no name check>",
                 lambda server: {"verify": _ca_without_name_check(server.ca)})]

    def __getattr__(self, name: str) -> Any:
        if name == "Client":
            return lambda **kwargs: ClientV1(self.module, **kwargs)
        if name == "TimeoutException":
            return TimeoutError  # 1.0 raises the builtin when httpx.timeout() runs out
        return super().__getattr__(name)


UNSET: Any = object()
# 0.x Client arguments 1.0 has no capability for (with the reason shown as missing-api).
ABSENT_IN_V1 = {
    "auth": "no auth", "cookies": "no cookie persistence", "params": "no client params",
    "event_hooks": "no event hooks", "limits": "no pool limits", "http2": "no HTTP/2",
    "mounts": "no mounts", "max_redirects": "no redirect limit (always follows)",
    "proxy": "no proxies", "trust_env": "no trust_env", "cert": "no client certificates",
    "default_encoding": "no default_encoding",
}
# 0.x request arguments 1.0 has no capability for; any other unknown one is a TypeError,
# as on 0.x itself (e.g. requests' allow_redirects=).
ABSENT_PER_REQUEST_IN_V1 = {"auth", "cookies", "files", "extensions"}


def _unexpected(function: str, name: str) -> TypeError:
    return TypeError(f"{function}() got an unexpected keyword argument '{name}'")


def _missing(what: str) -> MissingAPI:
    return MissingAPI(f"httpx 1.0: {what}")


class ClientV1:
    """A 0.x-shaped Client over httpx 1.0's ``Client``."""

    def __init__(self, module: ModuleType, *, base_url: Any = None, headers: Any = None,
                 verify: Any = True, timeout: Any = UNSET, follow_redirects: Any = None,
                 transport: Any = None, **absent: Any) -> None:
        for name in absent:
            if name in ABSENT_IN_V1:
                raise _missing(ABSENT_IN_V1[name])
            raise _unexpected("Client", name)
        if follow_redirects is False:
            raise _missing("the Client always follows redirects; no way to turn it off")
        self.module = module
        self._timeout = _v1_timeout(timeout)  # not exposed: 1.0's Client has no .timeout
        kwargs: dict[str, Any] = {}
        if base_url is not None:
            kwargs["url"] = base_url  # renamed: base_url= is url= in 1.0
        if headers is not None:
            kwargs["headers"] = headers
        if transport is None and verify is not True:
            transport = module.ConnectionPool(backend=module.NetworkBackend(
                ssl_ctx=_ssl_context(verify)))
        if transport is not None:
            kwargs["transport"] = transport
        self._client = module.Client(**kwargs)

    def _build(self, method: str, url: Any, *, params: Any = None, headers: Any = None,
               content: Any = None, json: Any = UNSET, data: Any = None,
               **absent: Any) -> tuple[Any, dict[str, Any]]:
        for name in absent:
            if name in ABSENT_PER_REQUEST_IN_V1:
                raise _missing(f"request({name}=...)")
            raise _unexpected(method.lower(), name)
        if params is not None:
            url = self.module.URL(str(url)).copy_merge_params(params)
        body: Any = None
        if json is not UNSET:
            body = self.module.JSON(json)
        elif isinstance(data, dict):
            body = self.module.Form(data)
        elif data is not None or content is not None:
            body = data if content is None else content
            body = body.encode() if isinstance(body, str) else body
        kwargs = {"headers": headers}
        if body is not None:
            kwargs["content"] = body
        return url, kwargs

    def _limit(self, timeout: Any) -> contextlib.AbstractContextManager[Any]:
        seconds = self._timeout if timeout is UNSET else _v1_timeout(timeout)
        return self.module.timeout(seconds) if seconds is not None else contextlib.nullcontext()

    def request(self, method: str, url: Any, *, timeout: Any = UNSET,
                follow_redirects: Any = None, **kwargs: Any) -> ResponseV1:
        if follow_redirects is False:
            raise _missing("the Client always follows redirects; no way to turn it off")
        url, built = self._build(method, url, **kwargs)
        request = self._client.build_request(method, url, **built)
        with self._limit(timeout):
            return ResponseV1(self._client.request(method, url, **built), request)

    def get(self, url: Any, **kwargs: Any) -> ResponseV1:
        return self.request("GET", url, **kwargs)

    def post(self, url: Any, **kwargs: Any) -> ResponseV1:
        return self.request("POST", url, **kwargs)

    def put(self, url: Any, **kwargs: Any) -> ResponseV1:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: Any, **kwargs: Any) -> ResponseV1:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: Any, **kwargs: Any) -> ResponseV1:
        return self.request("DELETE", url, **kwargs)

    def head(self, url: Any, **kwargs: Any) -> ResponseV1:
        return self.request("HEAD", url, **kwargs)  # 1.0 has no .head(); request() takes it

    @contextlib.contextmanager
    def stream(self, method: str, url: Any, *, timeout: Any = UNSET,
               **kwargs: Any) -> Iterator[StreamV1]:
        url, built = self._build(method, url, **kwargs)
        with self._limit(timeout), self._client.stream(method, url, **built) as stream:
            yield StreamV1(stream)

    def build_request(self, method: str, url: Any, **kwargs: Any) -> Any:
        url, built = self._build(method, url, **kwargs)
        return self._client.build_request(method, url, **built)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> ClientV1:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        raise _missing(f"Client.{name}")


class ResponseV1:
    """A 0.x-shaped view of a 1.0 Response (1.0 reads the body into a typed content)."""

    def __init__(self, response: Any, request: Any) -> None:
        self._response = response
        self.request = request  # the request as built (1.0 does not keep the final one)
        self.status_code = int(response.status_code)
        self.headers = response.headers
        self.content = bytes(response.content)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        value = getattr(self._response.content, "value", UNSET)
        return jsonlib.loads(self.content) if value is UNSET else value

    # 1.0 keeps the status checks on the status code object, under other names.
    @property
    def reason_phrase(self) -> str:
        return self._response.status_code.reason_phrase

    @property
    def is_informational(self) -> bool:
        return self._response.status_code.is_1xx_informational()

    @property
    def is_success(self) -> bool:
        return self._response.status_code.is_2xx_success()

    @property
    def is_redirect(self) -> bool:
        return self._response.status_code.is_3xx_redirect()

    @property
    def is_client_error(self) -> bool:
        return self._response.status_code.is_4xx_client_error()

    @property
    def is_server_error(self) -> bool:
        return self._response.status_code.is_5xx_server_error()

    def __getattr__(self, name: str) -> Any:
        raise _missing(f"Response.{name}")


class StreamV1:
    """A 0.x-shaped view of 1.0's ``ResponseStream``: status, headers, iter_bytes."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.status_code = int(stream.status_code)
        self.headers = stream.headers

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        while chunk := self._stream.read(chunk_size or 65536):
            yield chunk

    def iter_raw(self, chunk_size: int | None = None) -> Iterator[bytes]:
        return self.iter_bytes(chunk_size)  # 1.0 does not decode: its bytes are the raw ones

    def read(self) -> bytes:
        return b"".join(self.iter_bytes())

    def __getattr__(self, name: str) -> Any:
        raise _missing(f"streaming Response.{name}")


def _v1_timeout(timeout: Any) -> float | None:
    """1.0 has one overall duration (``httpx.timeout(seconds)``), not per-phase fields."""
    if timeout is UNSET or timeout is None:
        return None
    if isinstance(timeout, (int, float)):
        return float(timeout)
    raise _missing("no per-phase timeouts (httpx.timeout() takes one duration)")


def _ssl_context(verify: Any) -> ssl.SSLContext:
    if isinstance(verify, ssl.SSLContext):
        return verify
    if isinstance(verify, str):
        return ssl.create_default_context(cafile=verify)
    raise _missing(f"verify={verify!r}")


def _ca_without_name_check(ca: str) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca)
    context.check_hostname = False  # the chain is still verified against the test CA only
    return context
