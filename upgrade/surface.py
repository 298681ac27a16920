"""What a target offers besides behaviour: its public API, its packaging, its environment.

``python -m upgrade.surface IMPORT DISTRIBUTION`` runs in one side's environment and prints
one JSON document: the public names (``__all__``, else every name without ``_``), the
parameters of every public callable and of every public method of a public class (name,
kind, default; annotations are left out: they change wording without changing what a call
does), the exception hierarchy, the status codes and their reason phrases, the
distribution's Requires-Python, dependencies and extras, the modules and loggers importing
it adds, and where a default ``Client()`` gets its trust from.

``findings(before, after)`` turns two such documents into verdict findings: a public name
removed, a parameter removed, reordered, made required or given another default, an
exception's bases changed are ``breaking``; a name or an optional parameter added is
``api``; packaging and environment differences are listed under their own kinds and never
decide the exit code (a raised Python floor is for the user to weigh).
"""

from __future__ import annotations

import enum
import importlib
import importlib.metadata
import inspect
import json
import logging
import re
import ssl
import sys
import typing
from collections.abc import Callable, Iterator
from typing import Any

from upgrade.verdict import Finding

ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
SEARCH_DEPTH = 5  # attribute levels searched for a Client's SSL context
SEARCH_NODES = 500  # objects visited at most in that search
# Bases that say how a class is typed or built, not what a user can do with it.
IGNORED_BASES = (object, typing.Generic)
TRUST_MODULES = ("certifi", "truststore")  # where a default context's CAs come from


def scrub(text: str) -> str:
    """A repr without object addresses (they differ on every run)."""
    return ADDRESS.sub("", text)


def parameters(thing: Any) -> list[list[str | None]] | None:
    """[name, kind, default repr or None when required] per parameter; None: no signature."""
    try:
        signature = inspect.signature(thing)
    except (TypeError, ValueError):
        return None
    return [[p.name, p.kind.name,
             None if p.default is inspect.Parameter.empty else scrub(repr(p.default))]
            for p in signature.parameters.values()]


def describe_object(thing: Any, public: set[str]) -> dict[str, Any]:
    if inspect.ismodule(thing):
        return {"kind": "module"}
    if inspect.isclass(thing):
        if issubclass(thing, enum.Enum):
            # Every name, aliases included: code that spells an old name breaks without it.
            return {"kind": "enum", "names": {
                name: " ".join(filter(None, (str(member.value),
                                             getattr(member, "phrase", None))))
                for name, member in thing.__members__.items()}}
        kind = "exception" if issubclass(thing, BaseException) else "class"
        methods = {}
        for name, member in inspect.getmembers(thing):
            if name.startswith("_"):  # __init__ is the class's own signature
                continue
            if isinstance(inspect.getattr_static(thing, name, None), property):
                methods[name] = "property"
            elif callable(member) and kind == "class":
                methods[name] = parameters(member)
        return {"kind": kind, "signature": parameters(thing), "members": methods,
                "bases": [base.__name__ if base.__name__ in public else
                          f"{base.__module__}.{base.__name__}"
                          for base in thing.__bases__ if base not in IGNORED_BASES]}
    if callable(thing):
        return {"kind": "function", "signature": parameters(thing)}
    simple = isinstance(thing, str | int | float | bool | bytes | type(None))
    return {"kind": "constant", "type": type(thing).__name__,
            **({"value": repr(thing)} if simple else {})}


def api(module: Any) -> dict[str, Any]:
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    public = {name for name in names if not name.startswith("__")}  # __version__ always moves
    return {name: describe_object(getattr(module, name), public) for name in sorted(public)
            if hasattr(module, name)}


def packaging(distribution: str) -> dict[str, Any]:
    try:
        metadata = importlib.metadata.metadata(distribution)
    except importlib.metadata.PackageNotFoundError:
        return {"error": f"distribution {distribution} not installed"}
    return {"requires_python": metadata.get("Requires-Python") or "",
            "requires": sorted(metadata.get_all("Requires-Dist") or []),
            "extras": sorted(metadata.get_all("Provides-Extra") or [])}


def contexts(root: Any) -> Iterator[ssl.SSLContext]:
    """SSL contexts reachable from ``root`` through attributes, breadth first, bounded."""
    seen, level = {id(root)}, [root]
    for _ in range(SEARCH_DEPTH):
        following = []
        for thing in level:
            if isinstance(thing, ssl.SSLContext):
                yield thing
                continue
            values = list(vars(thing).values()) if hasattr(thing, "__dict__") else []
            if isinstance(thing, list | tuple):
                values = list(thing)
            for value in values:
                if id(value) not in seen and len(seen) < SEARCH_NODES:
                    seen.add(id(value))
                    following.append(value)
        level = following


def trust(module: Any) -> dict[str, Any]:
    """Where a default ``Client()`` gets its trust: the modules it loads, its context."""
    if not hasattr(module, "Client"):
        return {"error": "no Client"}
    try:
        client = module.Client()
    except Exception as error:  # the target's own failure is what is reported
        return {"error": f"Client() raised {type(error).__name__}"}
    found: dict[str, Any] = {"modules": [m for m in TRUST_MODULES if m in sys.modules]}
    for context in contexts(client):
        found["context"] = f"{type(context).__module__}.{type(context).__qualname__}"
        found["ca_certificates"] = context.cert_store_stats().get("x509_ca")
        break
    client.close()
    return found


def describe(import_name: str, distribution: str) -> dict[str, Any]:
    modules, loggers = set(sys.modules), set(logging.Logger.manager.loggerDict)
    module = importlib.import_module(import_name)
    imported = sorted({m.split(".")[0] for m in set(sys.modules) - modules})
    # A fork's reprs and bases name its own package: "<target>" on both sides.
    own = re.compile(rf"\b{re.escape(import_name)}\.")
    surface = json.loads(own.sub("<target>.", json.dumps(api(module))))
    return {"import": import_name, "api": surface, "packaging": packaging(distribution),
            "environment": {
                "modules_on_import": [m for m in imported if m != import_name],
                "loggers": sorted(set(logging.Logger.manager.loggerDict) - loggers),
                "trust": trust(module)}}


def _parameter_changes(where: str, old: list | None, new: list | None) -> list[Finding]:
    if old is None or new is None or old == new:
        return []
    found = []
    before = {p[0]: p for p in old}
    after = {p[0]: p for p in new}
    positional = ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD")
    for name, (_, kind, default) in before.items():
        if name not in after:
            found.append(Finding("breaking", f"api: {where}({name})", "present", "removed",
                                 "parameter removed"))
            continue
        _, new_kind, new_default = after[name]
        if new_kind != kind:
            found.append(Finding("breaking", f"api: {where}({name})", kind, new_kind,
                                 "parameter kind changed"))
        if new_default != default:
            found.append(Finding("breaking", f"api: {where}({name})",
                                 "required" if default is None else f"default {default}",
                                 "required" if new_default is None else f"default {new_default}",
                                 "default changed"))
    for name, (_, kind, default) in after.items():
        if name not in before:
            required = default is None and kind not in ("VAR_POSITIONAL", "VAR_KEYWORD")
            found.append(Finding("breaking" if required else "api", f"api: {where}({name})",
                                 "absent", "required" if required else f"default {default}",
                                 "required parameter added" if required
                                 else "parameter added"))
    order = [p[0] for p in old if p[1] in positional and p[0] in after]
    new_order = [p[0] for p in new if p[1] in positional and p[0] in before]
    if order != new_order:
        found.append(Finding("breaking", f"api: {where}", ", ".join(order), ", ".join(new_order),
                             "positional parameters reordered"))
    return found


def api_findings(old: dict[str, Any], new: dict[str, Any]) -> list[Finding]:
    found = []
    for name in sorted(old.keys() | new.keys()):
        if name not in new:
            found.append(Finding("breaking", f"api: {name}", old[name]["kind"], "removed",
                                 "public name removed"))
            continue
        if name not in old:
            found.append(Finding("api", f"api: {name}", "absent", new[name]["kind"],
                                 "public name added"))
            continue
        a, b = old[name], new[name]
        if a["kind"] != b["kind"]:
            found.append(Finding("breaking", f"api: {name}", a["kind"], b["kind"],
                                 "kind changed"))
            continue
        found += _parameter_changes(name, a.get("signature"), b.get("signature"))
        if a.get("bases") != b.get("bases"):
            found.append(Finding("breaking", f"api: {name} bases", ", ".join(a["bases"]),
                                 ", ".join(b["bases"]), "class hierarchy changed"))
        if a["kind"] == "enum":
            for member in sorted(a["names"].keys() | b["names"].keys()):
                was, now = a["names"].get(member), b["names"].get(member)
                if was != now:
                    found.append(Finding("breaking" if now is None else "api",
                                         f"api: {name}.{member}", was or "absent",
                                         now or "removed",
                                         "name removed" if now is None else
                                         "name added" if was is None else "value changed"))
        if a["kind"] == "constant" and a.get("value") != b.get("value"):
            found.append(Finding("api", f"api: {name}", a.get("value") or a["type"],
                                 b.get("value") or b["type"], "constant changed"))
        for method in sorted(a.get("members", {}).keys() | b.get("members", {}).keys()):
            m_old, m_new = a["members"].get(method, "absent"), b["members"].get(method, "absent")
            where = f"{name}.{method}"
            if m_new == "absent":
                found.append(Finding("breaking", f"api: {where}", "present", "removed",
                                     "method or property removed"))
            elif m_old == "absent":
                found.append(Finding("api", f"api: {where}", "absent", "present",
                                     "method or property added"))
            elif isinstance(m_old, list) and isinstance(m_new, list):
                found += _parameter_changes(where, m_old, m_new)
    return found


def _listed(kind: str, item: str, old: list[str], new: list[str],
            key: Callable[[str], str] = str) -> list[Finding]:
    """One finding per entry removed or added, entries matched by ``key`` and shown as
    each side has them."""
    was, now = {key(x): x for x in old}, {key(x): x for x in new}
    return ([Finding(kind, f"{item}: {was[k]}", "present", "absent")
             for k in sorted(was.keys() - now.keys())]
            + [Finding(kind, f"{item}: {now[k]}", "absent", "present")
               for k in sorted(now.keys() - was.keys())])


def findings(before: dict[str, Any], after: dict[str, Any]) -> list[Finding]:
    """Every API, packaging and environment difference between two ``describe`` documents."""
    found = api_findings(before["api"], after["api"])
    old, new = before["packaging"], after["packaging"]
    if old.get("requires_python") != new.get("requires_python"):
        found.append(Finding("packaging", "Requires-Python", old.get("requires_python") or "-",
                             new.get("requires_python") or "-"))
    found += _listed("packaging", "dependency", old.get("requires", []),
                     new.get("requires", []))
    found += _listed("packaging", "extra", old.get("extras", []), new.get("extras", []))
    old, new = before["environment"], after["environment"]
    rename = {before["import"]: "<target>", after["import"]: "<target>"}
    for key, item in (("modules_on_import", "module imported with it"),
                      ("loggers", "logger")):
        # The fork's own name is read as the target's, so httpx2 is not "a new logger".
        found += _listed("environment", item, old[key], new[key],
                         key=lambda name: _renamed(name, rename))
    trust_old, trust_new = old["trust"], new["trust"]
    for key in sorted(trust_old.keys() | trust_new.keys()):
        if trust_old.get(key) != trust_new.get(key):
            found.append(Finding("environment", f"default Client() trust: {key}",
                                 str(trust_old.get(key, "-")), str(trust_new.get(key, "-"))))
    return found


def _renamed(name: str, rename: dict[str, str]) -> str:
    head, _, rest = name.partition(".")
    return rename.get(head, head) + (f".{rest}" if rest else "")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m upgrade.surface IMPORT DISTRIBUTION", file=sys.stderr)
        return 2
    json.dump(describe(argv[0], argv[1]), sys.stdout, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
