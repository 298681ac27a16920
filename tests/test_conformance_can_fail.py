"""Every conformance test can fail: a static check over the suite's syntax trees.

A test that asserts nothing, or whose only checks sit where the behaviour under test can
skip them (an ``except`` handler, an ``if``), passes whatever the library does. So does a
requests side (``with requests_side as side:``) that checks nothing, or only that a
method exists. The rules below are deliberately simple; each finding names the test.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CONFORMANCE = Path(__file__).resolve().parent.parent / "conformance"
# Calls that fail a test by themselves when the behaviour is not there.
CHECKING_CALLS = {"raises", "fail", "warns", "deprecated_call"}
# Assertions about presence alone: they hold for any object that has the method.
PRESENCE_ONLY = {"hasattr", "callable"}
# try/except*, new in Python 3.11
TRY_STATEMENTS = (ast.Try, *([ast.TryStar] if hasattr(ast, "TryStar") else []))


def call_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        function = node.func
        if isinstance(function, ast.Name):
            return function.id
        if isinstance(function, ast.Attribute):
            return function.attr
    return None


def is_presence_only(node: ast.Assert) -> bool:
    test = node.test
    parts = test.values if isinstance(test, ast.BoolOp) else [test]
    return all(call_name(part) in PRESENCE_ONLY for part in parts)


def unconditional(body: list[ast.stmt]) -> list[ast.AST]:
    """Nodes of a body that run whenever the body runs: not under if/except/else/nested def.

    A ``try`` body counts (it runs); its handlers do not (they run only if it raised).
    """
    found: list[ast.AST] = []
    for statement in body:
        if isinstance(statement, (ast.If, ast.FunctionDef, ast.AsyncFunctionDef,
                                  ast.ClassDef, ast.Match)):
            continue
        if isinstance(statement, TRY_STATEMENTS):
            found += unconditional(statement.body) + unconditional(statement.finalbody)
            continue
        if isinstance(statement, (ast.With, ast.AsyncWith)):
            found += [item.context_expr for item in statement.items]
            found += unconditional(statement.body)
            continue
        if isinstance(statement, (ast.For, ast.AsyncFor, ast.While)):
            found += unconditional(statement.body)
            continue
        found.append(statement)
        found += [node for node in ast.walk(statement) if node is not statement
                  and not isinstance(node, ast.Lambda)]
    return found


class Checks:
    """What counts as a check in one module: asserts, pytest.raises/fail, asserting helpers."""

    def __init__(self, *trees: ast.Module) -> None:
        self.functions = {node.name: node for tree in trees for node in ast.walk(tree)
                          if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
        self.checking: set[str] = set()
        changed = True
        while changed:  # a helper that calls a checking helper checks too
            changed = False
            for name, function in self.functions.items():
                if name not in self.checking and any(
                        self.is_check(node) for node in ast.walk(function)):
                    self.checking.add(name)
                    changed = True

    def is_check(self, node: ast.AST, presence_counts: bool = True) -> bool:
        if isinstance(node, ast.Assert):
            return presence_counts or not is_presence_only(node)
        name = call_name(node)
        return name in CHECKING_CALLS or (name in self.checking)

    def has_check(self, nodes: list[ast.AST], presence_counts: bool = True) -> bool:
        return any(self.is_check(node, presence_counts) for node in nodes)


def requests_blocks(function: ast.AST) -> list[ast.With]:
    return [node for node in ast.walk(function) if isinstance(node, ast.With)
            and any(isinstance(item.context_expr, ast.Name)
                    and item.context_expr.id == "requests_side" for item in node.items)]


def problems_in(source: str, name: str, helpers: ast.Module | None = None) -> list[str]:
    tree = ast.parse(source)
    checks = Checks(tree, *([helpers] if helpers else []))
    found = []
    for function in tree.body:
        if not (isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
                and function.name.startswith("test_")):
            continue
        where = f"{name}::{function.name}"
        if not checks.has_check(list(ast.walk(function))):
            found.append(f"{where}: asserts nothing")
        elif not checks.has_check(unconditional(function.body), presence_counts=False):
            found.append(f"{where}: every check is conditional (under if/except) or only "
                         "checks that a name exists")
        for block in requests_blocks(function):
            if not checks.has_check(unconditional(block.body), presence_counts=False):
                found.append(f"{where} (line {block.lineno}): the requests side checks "
                             "nothing but that a name exists")
    return found


def suite_problems() -> list[str]:
    helpers = ast.parse((CONFORMANCE / "helpers.py").read_text())
    return [problem for path in sorted(CONFORMANCE.glob("test_*.py"))
            for problem in problems_in(path.read_text(), path.name, helpers)]


def test_every_conformance_test_can_fail() -> None:
    assert suite_problems() == []


# The check itself must catch the shapes it is for (and pass honest tests).
CANNOT_FAIL = {
    "no assertion": "def test_a(hx, observe):\n    observe(hx.get('u').status_code)\n",
    "only in except": (
        "def test_a(hx):\n    r = hx.get('u')\n    try:\n        r.raise_for_status()\n"
        "    except hx.RequestError:\n        pytest.fail('wrong class')\n"
        "    except hx.HTTPStatusError as error:\n        assert error.response\n"),
    "only under if": "def test_a(hx):\n    r = hx.get('u')\n    if r.is_error:\n"
                     "        assert r.status_code >= 400\n",
    "presence only": "def test_a(hx):\n    r = hx.get('u')\n    assert hasattr(r, 'iter_bytes')\n",
    "requests side presence only": (
        "def test_a(hx, requests_side):\n    with requests_side as side:\n"
        "        r = side.lib.get('u', stream=True)\n        assert hasattr(r, 'iter_content')\n"
        "    assert hx.get('u').status_code == 200\n"),
}
CAN_FAIL = {
    "assert": "def test_a(hx):\n    assert hx.get('u').status_code == 200\n",
    "pytest.raises": "def test_a(hx):\n    with pytest.raises(hx.HTTPStatusError):\n"
                     "        hx.get('u').raise_for_status()\n",
    "helper": "def raised(call):\n    with pytest.raises(Exception) as e:\n        call()\n"
              "    return e.value\n\ndef test_a(hx):\n    raised(lambda: hx.get('u'))\n",
    "try body": "def test_a(hx):\n    try:\n        assert hx.get('u').is_success\n"
                "    finally:\n        pass\n",
}


@pytest.mark.parametrize("name", CANNOT_FAIL)
def test_the_check_finds_a_test_that_cannot_fail(name: str) -> None:
    assert problems_in(CANNOT_FAIL[name], name)


@pytest.mark.parametrize("name", CAN_FAIL)
def test_the_check_passes_a_test_that_can_fail(name: str) -> None:
    assert problems_in(CAN_FAIL[name], name) == []
