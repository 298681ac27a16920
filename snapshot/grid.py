"""The grid of request constructions: generated once, in a fixed order, the same for every target.

A case changes exactly one thing from the library's defaults (the argument it is about);
everything else is left to the library. URLs are templates: ``{origin}`` is the server's
plain-HTTP listener as ``http://127.0.0.1:PORT``, ``{other}`` the same listener as
``http://localhost:PORT`` - another origin, for cross-origin redirects.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

# Characters whose escaping clients disagree about: reserved, unsafe, non-ASCII, and
# sequences that are already percent-escaped (or look as if they were).
CHARACTERS = {
    "space": " ", "bang": "!", "dquote": '"', "hash": "#", "dollar": "$", "percent": "%",
    "amp": "&", "squote": "'", "lparen": "(", "rparen": ")", "star": "*", "plus": "+",
    "comma": ",", "slash": "/", "colon": ":", "semicolon": ";", "lt": "<", "equals": "=",
    "gt": ">", "question": "?", "at": "@", "lbracket": "[", "backslash": "\\",
    "rbracket": "]", "caret": "^", "backtick": "`", "lbrace": "{", "pipe": "|",
    "rbrace": "}", "tilde": "~", "e-acute": "é", "snowman": "☃", "escaped-space": "%20",
    "escaped-slash": "%2F", "escaped-percent": "%25", "bad-escape": "%zz",
}
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
# Headers a client may or may not carry across a redirect to another origin.
SENSITIVE_HEADERS = {"Authorization": "Bearer secret-token", "Cookie": "session=abc",
                     "X-Custom": "kept?"}


@dataclass(frozen=True)
class Case:
    """One request construction. ``args`` are the request's keyword arguments (0.x names)."""

    id: str
    area: str
    url: str
    method: str = "GET"
    args: dict[str, Any] = field(default_factory=dict)
    base_url: str | None = None  # a client built with base_url=...
    then: str | None = None  # a second GET on the same client (cookie persistence)
    claims: tuple[str, ...] = ()  # catalogue claims about the same behaviour, if any

    def describe(self) -> str:
        """The input as stable text, recorded beside the observation."""
        parts = [f"{self.method} {self.url}"]
        parts += [f"{key}={value!r}" for key, value in self.args.items()]
        if self.base_url is not None:
            parts.insert(0, f"Client(base_url={self.base_url!r})")
        if self.then:
            parts.append(f"then GET {self.then}")
        return " ".join(parts)


def params_cases() -> list[Case]:
    cases = []
    for name, char in CHARACTERS.items():
        cases += [
            Case(f"params.value.{name}", "params", "{origin}/anything",
                 args={"params": {"v": f"a{char}b"}}),
            Case(f"params.key.{name}", "params", "{origin}/anything",
                 args={"params": {f"k{char}": "v"}}),
            Case(f"params.in-url.{name}", "params", f"{{origin}}/anything?v=a{char}b"),
        ]
    params: dict[str, Any] = {
        "none-value": {"a": None, "b": "1"}, "list-value": {"a": ["1", "2"]},
        "empty-list": {"a": []}, "empty-string": {"a": ""}, "int-and-float": {"i": 1, "f": 1.5},
        "bool": {"t": True, "f": False}, "tuples": [("a", "1"), ("a", "2")],
        "string": "a=1&b=2", "empty-dict": {}, "unicode-key": {"ключ": "значение"},
    }
    cases += [Case(f"params.{name}", "params", "{origin}/anything", args={"params": value})
              for name, value in params.items()]
    existing = {"add": {"b": "2"}, "same-key": {"a": "2"}, "empty-dict": {}, "none": None}
    cases += [Case(f"params.merge-with-url.{name}", "params", "{origin}/anything?a=1",
                   args={"params": value}) for name, value in existing.items()]
    cases += [Case("params.empty-question-mark", "params", "{origin}/anything?"),
              Case("params.fragment-dropped", "params", "{origin}/anything?a=1#frag"),
              Case("params.blank-value", "params", "{origin}/anything?a&b=")]
    return cases


def url_cases() -> list[Case]:
    cases = [Case(f"urls.path-char.{name}", "urls", f"{{origin}}/anything/a{char}b")
             for name, char in CHARACTERS.items() if char not in "#?"]
    segments = {"dot-dot": "/anything/a/../b", "dot": "/anything/./b",
                "double-slash": "/anything//b", "escaped-dot-dot": "/anything/%2e%2e/b",
                "trailing-slash": "/anything/b/", "unicode-segment": "/anything/日本",
                "escaped-unicode": "/anything/" + quote("日本"), "empty": ""}
    cases += [Case(f"urls.path-{name}", "urls", "{origin}" + path)
              for name, path in segments.items()]
    return cases


def body_cases() -> list[Case]:
    bodies: dict[str, tuple[str, dict[str, Any]]] = {
        "json.non-ascii": ("POST", {"json": {"name": "adé", "emoji": "☃"}}),
        "json.nan": ("POST", {"json": {"x": float("nan")}}),
        "json.nested": ("POST", {"json": {"a": {"b": [1, 2, {"c": None}]}, "d": True}}),
        "json.list": ("POST", {"json": [1, "two", 3.0]}),
        "json.string": ("POST", {"json": "text"}),
        "json.null": ("POST", {"json": None}),
        "json.on-get": ("GET", {"json": {"a": 1}}),
        "data.dict": ("POST", {"data": {"a": "1", "b": "x y&z"}}),
        "data.list-values": ("POST", {"data": {"a": ["1", "2"]}}),
        "data.tuples": ("POST", {"data": [("a", "1"), ("a", "2")]}),
        "data.unicode": ("POST", {"data": {"name": "adé"}}),
        "data.int-value": ("POST", {"data": {"n": 1}}),
        "data.none-value": ("POST", {"data": {"a": None, "b": "1"}}),
        "data.empty-dict": ("POST", {"data": {}}),
        "data.string": ("POST", {"data": "raw=string"}),
        "data.bytes": ("POST", {"data": b"raw bytes"}),
        "content.bytes": ("POST", {"content": b"raw bytes"}),
        "content.text": ("POST", {"content": "text é"}),
        "content.empty": ("POST", {"content": b""}),
        "content.on-get": ("GET", {"content": b"x"}),
        "files.one": ("POST", {"files": {"upload": ("a.txt", b"file body")}}),
        "files.content-type": ("POST", {"files": {"upload": ("a.csv", b"1,2", "text/csv")}}),
        "files.with-data": ("POST", {"files": {"upload": ("a.txt", b"body")},
                                     "data": {"field": "value"}}),
        "files.two-same-field": ("POST", {"files": [("f", ("a.txt", b"1")),
                                                    ("f", ("b.txt", b"2"))]}),
        "files.unicode-name": ("POST", {"files": {"upload": ("naïve é.txt", b"x")}}),
        "files.no-filename": ("POST", {"files": {"upload": b"bare bytes"}}),
    }
    cases = [Case(f"bodies.{name}", "bodies", "{origin}/anything", method=method, args=args)
             for name, (method, args) in bodies.items()]
    cases += [Case(f"bodies.no-body.{method.lower()}", "bodies", "{origin}/anything", method=method)
              for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")]
    return cases


def header_cases() -> list[Case]:
    headers: dict[str, Any] = {
        "custom": {"X-Custom": "1"},
        "casing": {"x-lower": "1", "X-UPPER": "2", "X-Mixed-Case": "3"},
        "order": {"X-B": "1", "X-A": "2", "X-C": "3"},
        "duplicates": [("X-Dup", "1"), ("X-Dup", "2")],
        "same-name-different-case": [("X-Same", "1"), ("x-same", "2")],
        "unicode-value": {"X-Text": "adé"},
        "whitespace-value": {"X-Space": "  padded  "},
        "empty-value": {"X-Empty": ""},
        "user-agent": {"User-Agent": "mine/1.0"},
        "accept": {"Accept": "application/json"},
        "accept-encoding": {"Accept-Encoding": "identity"},
        "host": {"Host": "example.test"},
        "connection-close": {"Connection": "close"},
        "content-type-on-get": {"Content-Type": "text/plain"},
    }
    cases = [Case("headers.defaults", "headers", "{origin}/anything")]
    cases += [Case(f"headers.{name}", "headers", "{origin}/anything", args={"headers": value})
              for name, value in headers.items()]
    cases.append(Case("headers.defaults-post", "headers", "{origin}/anything", method="POST",
                      args={"content": b"x"}))
    return cases


def cookie_cases() -> list[Case]:
    return [
        Case("cookies.argument", "cookies", "{origin}/anything", args={"cookies": {"a": "1"}}),
        Case("cookies.two", "cookies", "{origin}/anything",
             args={"cookies": {"b": "2", "a": "1"}}),
        Case("cookies.special-value", "cookies", "{origin}/anything",
             args={"cookies": {"a": "x y;z"}}),
        Case("cookies.with-header", "cookies", "{origin}/anything",
             args={"cookies": {"a": "1"}, "headers": {"Cookie": "b=2"}}),
        Case("cookies.set-by-server-then-sent", "cookies", "{origin}/cookies/set?s=1",
             then="{origin}/anything"),
        Case("cookies.set-by-server-other-host", "cookies", "{origin}/cookies/set?s=1",
             then="{other}/anything"),
    ]


def redirect_cases() -> list[Case]:
    cases = []
    for status in REDIRECT_STATUSES:
        cases.append(Case(f"redirects.default.{status}", "redirects",
                          f"{{origin}}/redirect-to?url=/anything&status_code={status}"))
        for origin in ("same-origin", "cross-origin"):
            target = "/anything" if origin == "same-origin" else "{other}/anything"
            cases.append(Case(
                f"redirects.{origin}.post.{status}", "redirects",
                f"{{origin}}/redirect-to?url={target}&status_code={status}", method="POST",
                args={"content": b"payload", "headers": dict(SENSITIVE_HEADERS),
                      "follow_redirects": True}))
    cases += [
        Case("redirects.chain-of-3", "redirects", "{origin}/redirect/3",
             args={"follow_redirects": True}),
        Case("redirects.cross-origin.auth-argument", "redirects",
             "{origin}/redirect-to?url={other}/anything&status_code=302",
             args={"auth": ("user", "pass"), "follow_redirects": True}),
        Case("redirects.relative-location-with-query", "redirects",
             "{origin}/redirect-to?url=/anything%3Fx%3D1&status_code=302",
             args={"follow_redirects": True}),
        Case("redirects.fragment", "redirects",
             "{origin}/redirect-to?url=/anything%23frag&status_code=302",
             args={"follow_redirects": True}),
    ]
    return cases


def base_url_cases() -> list[Case]:
    urls = {"empty": "", "x": "x", "slash-x": "/x", "dot-x": "./x", "dot-dot-x": "../x",
            "x-query": "x?q=1", "absolute": "{other}/abs"}
    return [Case(f"base-url.{label}.{name}", "base-url", url, base_url="{origin}" + base)
            for label, base in (("no-slash", "/anything/api"), ("slash", "/anything/api/"))
            for name, url in urls.items()]


def auth_cases() -> list[Case]:
    return [
        Case("auth.basic", "auth", "{origin}/anything", args={"auth": ("user", "pass")}),
        Case("auth.basic-non-ascii", "auth", "{origin}/anything",
             args={"auth": ("usér", "päss")}),
        Case("auth.basic-colon-in-password", "auth", "{origin}/anything",
             args={"auth": ("user", "pa:ss")}),
        Case("auth.userinfo-in-url", "auth", "http://user:pass@127.0.0.1:{port}/anything"),
        Case("auth.escaped-userinfo-in-url", "auth",
             "http://us%40er:p%3Ass@127.0.0.1:{port}/anything"),
        Case("auth.argument-and-header", "auth", "{origin}/anything",
             args={"auth": ("user", "pass"), "headers": {"Authorization": "Bearer x"}}),
    ]


# Cases whose behaviour a catalogue claim (conformance/claims.toml) also documents: the
# upgrade report then cites the claim's source instead of "undocumented".
DOCUMENTED = {
    "bodies.json.non-ascii": ("bodies.json-compact-bytes",),
    "bodies.json.nested": ("bodies.json-compact-bytes",),
    "bodies.json.list": ("bodies.json-compact-bytes",),
    "bodies.json.on-get": ("bodies.json-compact-bytes",),
    "bodies.data.dict": ("bodies.data-form",),
    "bodies.data.list-values": ("bodies.data-form-multiple-values",),
    "bodies.data.bytes": ("bodies.data-bytes-deprecated",),
    "bodies.data.string": ("bodies.data-text-deprecated",),
    "bodies.content.bytes": ("bodies.content-bytes",),
    "params.merge-with-url.add": ("params.replace-url-query",),
    "params.merge-with-url.same-key": ("params.replace-url-query",),
    "params.merge-with-url.empty-dict": ("params.replace-url-query",),
    "params.none-value": ("params.none-not-omitted",),
    "params.list-value": ("params.list-values",),
    "params.tuples": ("params.list-of-tuples-not-supported",),
    "headers.defaults": ("headers.default-user-agent",),
    "cookies.argument": ("cookies.per-request-deprecated",),
    "auth.basic": ("auth.basic-tuple",),
    "base-url.no-slash.x": ("base-url.no-trailing-slash-relative",),
    "base-url.no-slash.slash-x": ("base-url.no-trailing-slash-leading-slash",),
    "base-url.slash.x": ("base-url.trailing-slash-relative",),
    "base-url.slash.absolute": ("base-url.absolute-url-wins",),
    "base-url.no-slash.absolute": ("base-url.absolute-url-wins",),
    **{f"redirects.default.{status}": ("redirects.not-followed-by-default",)
       for status in REDIRECT_STATUSES},
}


def grid() -> list[Case]:
    """Every case, in a fixed order; ids are unique."""
    cases = (params_cases() + url_cases() + body_cases() + header_cases() + cookie_cases()
             + redirect_cases() + base_url_cases() + auth_cases())
    cases = [replace(case, claims=DOCUMENTED.get(case.id, ())) for case in cases]
    unknown = set(DOCUMENTED) - {case.id for case in cases}
    if unknown:
        raise ValueError(f"DOCUMENTED names cases that do not exist: {sorted(unknown)}")
    ids = [case.id for case in cases]
    duplicated = {i for i in ids if ids.count(i) > 1}
    if duplicated:
        raise ValueError(f"duplicate case ids: {sorted(duplicated)}")
    return cases
