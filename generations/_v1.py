"""httpx 1.0 (1.0.dev6): a 0.x-shaped Client over 1.0's, translating names, never behaviour.

An argument is translated only where 1.0 offers the same capability under another name:

- ``Client(base_url=...)`` is ``Client(url=...)``;
- ``verify=<ssl.SSLContext>`` is ``transport=ConnectionPool(backend=NetworkBackend(ssl_ctx=...))``;
- a number ``timeout=`` is ``with httpx.timeout(seconds)`` around the request;
- ``params=`` is ``URL(url, params=...)`` (which replaces the URL's query, as 1.0 does);
- ``json=`` is ``content=httpx.JSON(...)``, ``data=<mapping or pairs>`` is ``httpx.Form(...)``;
- ``follow_redirects=True`` is what 1.0 always does;
- ``is_success``, ``reason_phrase``, ... are the status code's ``is_2xx_success()``, ....

Everything else 1.0 does not have is ``MissingAPI``: ``data=<bytes|str>`` (1.0 has no
``data=``), ``files=`` (1.0 uploads files by path only), ``timeout=None`` (no way to lift a
timeout), ``verify=<path|bool>``, ``follow_redirects=False``, ``TimeoutException`` (1.0
raises the builtin ``TimeoutError``; code catching ``httpx.TimeoutException`` breaks), auth,
cookies, event hooks, pool limits, HTTP/2, per-phase timeouts, ``r.url``, ``r.history``.
Values are passed as they are (``content="text"`` reaches 1.0 as a str).
"""

from __future__ import annotations

import contextlib
import json as jsonlib
import ssl
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from ._missing import MissingAPI
from ._v0 import ApiV0, TrustWay

__all__ = ["ApiV1"]

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
ABSENT_PER_REQUEST_IN_V1 = {
    "auth": "no auth", "cookies": "no cookies",
    "files": "no files= (1.0 uploads a file by path: httpx.File(path))",
    "extensions": "no extensions",
}

def _missing(what: str) -> MissingAPI:
    return MissingAPI(f"httpx 1.0: {what}")

def _unexpected(function: str, name: str) -> TypeError:
    return TypeError(f"{function}() got an unexpected keyword argument '{name}'")

class ApiV1(ApiV0):
    """httpx 1.0: ``Client(url=...)``, ``httpx.timeout()``, content types, no top level."""

    generation = "1.0"

    def trust_ways(self, name_check: bool = False) -> list[tuple[str, TrustWay]]:
        ways = [("verify=ssl.SSLContext", lambda server: {"verify": server.ssl_context()})]
        if not name_check:
            # 1.0.dev6 passes the Host header ("127.0.0.1:<port>") as the TLS server name,
            # so a name check fails on any non-default port; for a claim that is not about
            # the name, a context trusting only the CA without the name check is enough.
            ways.append(("verify=<context trusting the CA, no name check>",
                         lambda server: {"verify": _ca_without_name_check(server.ca)}))
        return ways

    def __getattr__(self, name: str) -> Any:
        if name == "Client":
            return lambda **kwargs: ClientV1(self.module, **kwargs)
        return super().__getattr__(name)

def _redirects(follow_redirects: Any) -> None:
    if follow_redirects is False:
        raise _missing("follow_redirects=False: the Client always follows redirects")

def _seconds(timeout: Any) -> float | None:
    """1.0 has one overall duration (``httpx.timeout(seconds)``): nothing else maps to it."""
    if timeout is UNSET:
        return None
    if timeout is None:
        raise _missing("timeout=None: no timeout argument; httpx.timeout() takes a duration")
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        return float(timeout)
    raise _missing("no per-phase timeouts (httpx.timeout() takes one duration)")

class ClientV1:
    """A 0.x-shaped Client over httpx 1.0's ``Client``."""

    def __init__(self, module: ModuleType, *, base_url: Any = None, headers: Any = None,
                 verify: Any = True, timeout: Any = UNSET, follow_redirects: Any = None,
                 transport: Any = None, **absent: Any) -> None:
        for name in absent:
            if name in ABSENT_IN_V1:
                raise _missing(ABSENT_IN_V1[name])
            raise _unexpected("Client", name)
        _redirects(follow_redirects)
        self.module = module
        self._timeout = _seconds(timeout)  # not exposed: 1.0's Client has no .timeout
        kwargs: dict[str, Any] = {}
        if base_url is not None:
            kwargs["url"] = base_url
        if headers is not None:
            kwargs["headers"] = headers
        if verify is not True:
            if not isinstance(verify, ssl.SSLContext):
                raise _missing(f"verify={type(verify).__name__}: 1.0 takes an SSLContext "
                               "through NetworkBackend(ssl_ctx=...)")
            if transport is not None:
                raise _missing("verify= with transport=: the context belongs to the transport")
            transport = module.ConnectionPool(backend=module.NetworkBackend(ssl_ctx=verify))
        if transport is not None:
            kwargs["transport"] = transport
        self._client = module.Client(**kwargs)

    def _build(self, method: str, url: Any, *, params: Any = None, headers: Any = None,
               content: Any = None, json: Any = UNSET, data: Any = None,
               **absent: Any) -> tuple[Any, dict[str, Any]]:
        for name in absent:
            if name in ABSENT_PER_REQUEST_IN_V1:
                raise _missing(f"request({name}=...): {ABSENT_PER_REQUEST_IN_V1[name]}")
            raise _unexpected(method.lower(), name)
        if params is not None:
            url = self.module.URL(url, params=params)
        bodies = [name for name, given in (("content", content is not None),
                                          ("json", json is not UNSET),
                                          ("data", data is not None)) if given]
        if len(bodies) > 1:
            raise _missing(f"{' and '.join(bodies)} together: 1.0 takes one content")
        body: Any = content
        if json is not UNSET:
            body = self.module.JSON(json)
        elif data is not None:
            if isinstance(data, (str, bytes)):
                raise _missing("request(data=<str|bytes>): no data=; a raw body is content=")
            body = self.module.Form(data)
        kwargs: dict[str, Any] = {"headers": headers}
        if body is not None:
            kwargs["content"] = body
        return url, kwargs

    def _limit(self, timeout: Any) -> contextlib.AbstractContextManager[Any]:
        seconds = self._timeout if timeout is UNSET else _seconds(timeout)
        return self.module.timeout(seconds) if seconds is not None else contextlib.nullcontext()

    def request(self, method: str, url: Any, *, timeout: Any = UNSET,
                follow_redirects: Any = None, **kwargs: Any) -> ResponseV1:
        _redirects(follow_redirects)
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
               follow_redirects: Any = None, **kwargs: Any) -> Iterator[StreamV1]:
        _redirects(follow_redirects)
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

def _status_check(name: str) -> property:
    """A 0.x ``is_*`` property read from 1.0's status code method of the same meaning."""
    return property(lambda self: getattr(self._response.status_code, name)())

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
        """1.0 has text only for the media it parses as text (``text/*``, HTML)."""
        if not hasattr(self._response.content, "_text"):
            kind = type(self._response.content).__name__
            raise _missing(f"Response.text of a {kind} body (text is for text/* media)")
        return str(self._response.content)

    def json(self) -> Any:
        value = getattr(self._response.content, "value", UNSET)
        return jsonlib.loads(self.content) if value is UNSET else value

    @property
    def reason_phrase(self) -> str:
        return self._response.status_code.reason_phrase

    is_informational = _status_check("is_1xx_informational")
    is_success = _status_check("is_2xx_success")
    is_redirect = _status_check("is_3xx_redirect")
    is_client_error = _status_check("is_4xx_client_error")
    is_server_error = _status_check("is_5xx_server_error")

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

def _ca_without_name_check(ca: str) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca)
    context.check_hostname = False  # the chain is still verified against the test CA only
    return context
