"""yourcode.alias: the startup line each fork's side gets, and the generic alias for a fork
that documents none (``import NAME`` and ``import NAME.sub`` give the real module's)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from yourcode.alias import startup_line

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_a_fork_side_gets_a_deferred_alias_and_httpx_gets_nothing():
    assert startup_line("httpx") is None
    assert startup_line("httpx2") == "import yourcode.alias; yourcode.alias.deferred('httpx2')"


def test_the_deferred_alias_waits_for_the_first_import_then_hands_back_the_fork():
    # json stands in for a fork: the generic step makes `import httpx` load it.
    code = ("import sys, yourcode.alias; yourcode.alias.deferred('json')\n"
            "import httpx, json\n"
            "assert httpx is json, httpx\n"
            "import httpx.decoder, json.decoder\n"
            "assert sys.modules['httpx.decoder'] is sys.modules['json.decoder']\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_generic_alias_gives_the_real_modules():
    # In a child: the alias changes sys.meta_path for the whole process.
    code = ("import yourcode.alias; yourcode.alias.install('jsonish', 'json')\n"
            "import json, json.decoder, jsonish, jsonish.decoder\n"
            "from jsonish import loads\n"
            "assert jsonish is json and jsonish.decoder is json.decoder, jsonish\n"
            "assert loads('[1]') == [1]\n"
            "try:\n    import jsonish.nothing\nexcept ModuleNotFoundError:\n    pass\n"
            "else:\n    raise AssertionError('a missing submodule imported')\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
