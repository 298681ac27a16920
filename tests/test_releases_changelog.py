"""The bisection on httpx 0.23.3 -> 0.28.1 names, for each row that differs, the release
whose CHANGELOG.md entry brought it (issue 23).

tests/data/releases/httpx-0.23.3-0.28.1.json is what the real bisection saw: each
release's changes against 0.23.3, measured by ``tox -e bisect -- httpx==0.23.3
httpx==0.28.1 --count-scenario pooled-http --count-scenario async-serial`` (docs/releases.md,
extracted by tests/data/releases/extract.py; a release the bisection steps around is null:
0.25.1, whose default client cannot be built beside the httpcore 0.16.3 that 0.23.3's lock
kept, as 0.25.1 does not pin it).
The search (releases/search.py) runs over it with the bisection's own rule of when a release
has a difference (``Change.matches``), and each row's answer is checked against httpx's
CHANGELOG.md at 0.28.1, quoted below: the release named must be the entry's, or, where the
releases around it could not be measured, the named run of releases must hold it. Rows no
entry describes are listed apart, each with why, so a new row cannot slip by unexplained.
"""

from __future__ import annotations

import fnmatch
import functools
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from releases.changes import Change
from releases.search import Attribution, first_releases

DATA = Path(__file__).resolve().parent / "data" / "releases" / "httpx-0.23.3-0.28.1.json"


@dataclass(frozen=True)
class Entry:
    release: str
    says: str  # the CHANGELOG.md line, as written
    rows: tuple[str, ...]  # "group: item" patterns (fnmatch) of the rows it brought


CHANGELOG = [
    Entry("0.24.0", "NetRC authentication is no longer automatically handled, but is instead "
          "supported by an explicit `httpx.NetRCAuth()` authentication class. (#2525)",
          ("claim: auth.netrc", "claim: changelog.netrc-not-automatic", "api: api: NetRCAuth")),
    Entry("0.24.0", "The `Response.iter_lines()` method now matches the stdlib behaviour and does "
          "not include the newline characters. (#2423)",
          ("claim: streaming.universal-line-endings", "claim: streaming.async-methods")),
    Entry("0.24.0", "The logging behaviour has been changed to be more in-line with other standard "
          "Python logging usages. (#2547, encode/httpcore#648)",
          ("claim: changelog.request-logged-at-info", "environment: logger: httpx._*",
           "packaging: dependency: httpcore<0.17.0,>=0.15.0")),
    Entry("0.24.0", "The `rfc3986` dependancy has been removed. (#2252)",
          ("packaging: dependency: rfc3986*", "environment: module imported with it: rfc3986",
           "packaging: dependency: idna")),
    Entry("0.24.1", "Set logging request lines to INFO level for async requests, in line with "
          "sync requests. (#2656)", ("claim: changelog.async-request-logged-at-info",)),
    Entry("0.25.0", "Drop support for Python 3.7. (#2813)", ("packaging: Requires-Python",)),
    Entry("0.25.0", "Support HTTPS proxies. (#2845)", ("api: api: Proxy(ssl_context)",)),
    Entry("0.25.0", "Add `socket_options` argument to `httpx.HTTPTransport` and "
          "`httpx.AsyncHTTPTransport` classes. (#2716)",
          ("claim: changelog.transport-socket-options",
           "api: api: *HTTPTransport(socket_options)")),
    Entry("0.25.0", "The `Response.raise_for_status()` method now returns the response instance. "
          "(#2776)", ("claim: status.raise-for-status-returns-response",)),
    Entry("0.25.0", "Use Mozilla documentation instead of `httpstatuses.com` for HTTP error "
          "reference (#2768)", ("claim: changelog.status-error-links-mozilla",)),
    Entry("0.25.1", "Raise `ValueError` on `Response.encoding` being set after `Response.text` has "
          "been accessed. (#2852)", ("claim: changelog.encoding-set-after-text-raises",)),
    Entry("0.26.0", "The `proxy` argument was added. (#2879)",
          ("claim: changelog.proxy-argument", "api: api: *(proxy)")),
    Entry("0.26.0", "Fix cases of double escaping of URL path components. Allow / as a safe "
          "character in the query portion. (#2990)",
          ("wire: params.in-url.percent", "wire: params.in-url.bad-escape",
           "wire: urls.path-char.percent", "wire: urls.path-char.bad-escape")),
    Entry("0.26.0", "Allow URLs where username or password contains unescaped '@'. (#2986)",
          ("claim: changelog.userinfo-with-at-sign",)),
    Entry("0.26.0", "Ensure `Response.iter_text()` cannot yield empty strings. (#2998)",
          ("claim: streaming.iter-text",)),
    Entry("0.27.1", "Support for `zstd` content decoding using the python `zstandard` package is "
          "added. Installable using `httpx[zstd]`. (#3139)",
          ("packaging: extra: zstd", "packaging: dependency: zstandard*")),
    Entry("0.28.0", "JSON request bodies use a compact representation. (#3363)",
          ("claim: bodies.json-compact-bytes", "wire: bodies.json.*")),
    Entry("0.28.0", "Review URL percent escape sets, based on WHATWG spec. (#3371, #3373)",
          ("claim: changelog.path-whatwg-escapes", "claim: changelog.query-whatwg-escapes")),
    Entry("0.28.0", "Ensure `certifi` and `httpcore` are only imported if required. (#3377)",
          ("claim: changelog.httpcore-imported-lazily",
           *(f"environment: module imported with it: {name}"
             for name in ("certifi", "httpcore", "h11", "h2", "hpack", "hyperframe")),
           "environment: logger: hpack*")),
    Entry("0.28.0", "The deprecated `proxies` argument has now been removed.",
          ("claim: changelog.proxies-removed", "claim: changelog.proxies-deprecated",
           "api: api: *(proxies)")),
    Entry("0.28.0", "The deprecated `app` argument has now been removed.",
          ("claim: changelog.app-removed", "claim: changelog.app-deprecated",
           "api: api: *Client(app)")),
    Entry("0.28.0", "The `verify` argument as a string argument is now deprecated and will raise "
          "warnings.", ("claim: changelog.verify-string-deprecated",)),
    Entry("0.28.0", "The `cert` argument is now deprecated and will raise warnings.",
          ("claim: changelog.cert-deprecated", "api: api: *(cert)")),
    Entry("0.28.0", "We are working towards a simplified SSL configuration API.",
          ("api: api: create_ssl_context*", "api: api: HTTPTransport",
           "api: api: AsyncHTTPTransport")),
    Entry("0.28.0", "Bugfix: When passing `params={}`, always strictly update rather than merge "
          "with an existing querystring. (#3364)",
          ("claim: changelog.params-empty-dict-clears-query", "claim: params.replace-url-query",
           "wire: params.merge-with-url.*")),
]

# Rows no CHANGELOG entry describes, and why (a row an entry describes is checked against
# it even where a pattern here matches it too); the search still names a release for each.
NOT_IN_CHANGELOG = {
    "claim: headers.default-user-agent": "the User-Agent names the release: it changes in "
    "every one, and TO's value first appears at TO",
    "wire: (every case) default headers": "the User-Agent, as above",
    "claim: limits.client-default-max-connections": "timing-dependent (108 vs 110 "
    "connections seen): the bisection does not run a claim again (docs/releases.md)",
    "claim: compat.networking-layer-httpcore": "httpx's httpcore requirement: httpcore==1.* "
    "is in 0.25.2's metadata; 0.25.1 (\"Add support for httpcore 1.0\", #2885) left it "
    "unpinned",
    "packaging: dependency: httpcore==1.*": "as above",
    "claim: faults.*": "HTTP/2 faults are httpcore's: they move with the httpcore version each "
    "release's requirement brought (0.16.3, 0.18.0, 1.0.9)",
    "claim: exceptions.invalid-url": "the entries name InvalidURL's message (0.24.1 #2675, "
    "0.27.1 #3250); the exception itself comes with the URL parsing that replaced rfc3986",
    **{f"wire: {case}": "`|`, `^`, `\\`, `` ` ``, `{`, `}` no longer escaped: in httpx's "
       "history between 0.27.0 and 0.27.1 (\"Resolve queryparam quoting\" #3187, the WHATWG "
       "URL tests #3188), not in its CHANGELOG"
       for case in ("params.in-url.backslash", "params.in-url.caret", "params.in-url.backtick",
                    "params.in-url.lbrace", "params.in-url.pipe", "params.in-url.rbrace",
                    "urls.path-char.backslash", "urls.path-char.caret", "urls.path-char.pipe")},
    "wire: urls.path-escaped-dot-dot": "with the URL parsing that replaced rfc3986 "
    "(%2E%2E -> %2e%2e), not named",
    "packaging: dependency: rich*": "the cli extra's pin, not named",
    "packaging: dependency: brotli*": "the same markers parenthesised by the build tool",
    "packaging: dependency: anyio": "a new requirement, not named",
    "packaging: dependency: sniffio": "dropped in 0.28.0, not named",
    "environment: module imported with it: *": "standard library and dependency modules "
    "no longer imported with httpx, not named",
    "environment: logger: *": "loggers of modules no longer imported, not named",
    "count: *": "no changelog names a cost (docs/releases.md: what each came with)",
}


def recorded() -> tuple[list[str], dict[int, list[Change] | None]]:
    document = json.loads(DATA.read_text(encoding="utf-8"))
    versions = document["versions"]
    changes = {versions.index(version): None if rows is None else [Change(*row) for row in rows]
               for version, rows in document["changes"].items()}
    return versions, {0: [], **changes}


@functools.cache
def bisection() -> tuple[list[str], list[Attribution]]:
    versions, changes = recorded()
    return versions, first_releases(len(versions), changes[len(versions) - 1],
                                    lambda index: changes[index])


def name(change: object) -> str:
    assert isinstance(change, Change)
    return f"{change.group}: {change.item}"


def entries_for(row: str) -> list[Entry]:
    return [e for e in CHANGELOG if any(fnmatch.fnmatchcase(row, p) for p in e.rows)]


def unexplained(row: str) -> bool:
    return not any(fnmatch.fnmatchcase(row, pattern) for pattern in NOT_IN_CHANGELOG)


def test_every_row_is_an_entry_or_said_to_be_none() -> None:
    _, found = bisection()
    rows = [name(f.difference) for f in found]
    assert len(rows) == 145
    assert [r for r in rows if len(entries_for(r)) > 1] == []
    assert [r for r in rows if not entries_for(r) and unexplained(r)] == []
    # Each entry describes at least one row (a pattern that matches nothing is a typo).
    assert [e.says for e in CHANGELOG if not any(entries_for(r) == [e] for r in rows)] == []


def named(found: Attribution, versions: list[str]) -> list[str]:
    """The releases a row is attributed to: one, or the run of unmeasured ones and the
    first measured release with the change."""
    return [versions[i] for i in [*found.unmeasured, found.first]]


@pytest.mark.parametrize("row_name", sorted({
    name(f.difference) for f in bisection()[1] if entries_for(name(f.difference))}))
def test_the_release_named_is_the_changelogs(row_name: str) -> None:
    versions, found = bisection()
    [attribution] = [f for f in found if name(f.difference) == row_name]
    [entry] = entries_for(row_name)
    assert entry.release in named(attribution, versions), (
        f"{row_name}: bisection names {' or '.join(named(attribution, versions))}; "
        f"CHANGELOG.md {entry.release}: {entry.says}")


def test_the_user_agent_rows_are_named_at_the_release_whose_version_they_carry() -> None:
    versions, found = bisection()
    agents = [f for f in found if "user-agent" in name(f.difference).lower()
              or name(f.difference) == "wire: (every case) default headers"]
    assert len(agents) == 2
    assert {versions[f.first] for f in agents} == {versions[-1]}
