"""The differences the drop-in forks (httpx2, httpxyz, httpxr) document, on every target.

Each claim is one fork's statement; it is observed the same way on httpx and on the other
forks, where it usually reads broken or missing-api (their expectations files say so).
Statements about importing and aliasing are observed in a fresh interpreter, so the
session's own modules neither hide nor cause them.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import subprocess
import sys
import warnings
from http.cookiejar import DefaultCookiePolicy
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from conformance.helpers import echo, fetch, sent_body, with_query
from conformance.target import MissingAPI, distribution_of

# A fresh interpreter takes a second or two even on a loaded machine; the bound stays
# inside the suite's 30 s per test, so a hung child is this line's error, not a timeout.
FRESH_INTERPRETER_SECONDS = 25
# An unparsable port: httpx 0.28.1 raises RemoteProtocolError building the next request.
INVALID_LOCATION = "http://127.0.0.1:abc/"
HTTPX_HEADER_ORDER = ["host", "accept", "accept-encoding", "connection", "user-agent"]


def package_of(hx: Any) -> str:
    """The target's importable top-level name (the real package, even behind an adapter)."""
    return hx.module.__name__.split(".")[0]


def in_fresh_interpreter(code: str, **variables: str) -> Any:
    """Run ``code`` in a new Python and return the JSON it prints last; ``variables`` are
    added to (or, when empty, removed from) its environment."""
    env = {key: value for key, value in os.environ.items() if key not in variables}
    env.update({key: value for key, value in variables.items() if value})
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=FRESH_INTERPRETER_SECONDS, env=env)
    assert done.returncode == 0, done.stderr.strip().splitlines()[-1:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def requirements_of(hx: Any) -> list[Requirement]:
    """The target distribution's runtime requirements (those without an extra marker)."""
    found = distribution_of(package_of(hx))
    assert found, f"no installed distribution provides {package_of(hx)}"
    listed = [Requirement(text) for text in metadata.requires(found[0]) or []]
    return [r for r in listed if not (r.marker and "extra" in str(r.marker))]


def requires_python(hx: Any) -> SpecifierSet:
    found = distribution_of(package_of(hx))
    assert found, f"no installed distribution provides {package_of(hx)}"
    return SpecifierSet(metadata.metadata(found[0]).get("Requires-Python") or "")


def default_user_agent(hx: Any, server: Any) -> str:
    return echo(fetch(hx, server.http + "/headers"))["headers"]["user-agent"]


def loggers_of_one_request(hx: Any, server: Any, caplog: pytest.LogCaptureFixture) -> list[str]:
    caplog.set_level(logging.DEBUG)
    fetch(hx, server.http + "/get")
    return sorted({record.name for record in caplog.records})


# --- httpx2 ---------------------------------------------------------------------------------


@pytest.mark.claim("forks.httpx2.import-name")
def test_httpx2_import_name(hx, observe):
    seen = in_fresh_interpreter(
        "import importlib, json, sys\n"
        f"m = importlib.import_module({package_of(hx)!r})\n"
        "print(json.dumps({'module': m.__name__, 'httpx registered': 'httpx' in sys.modules}))")
    observe(seen)
    assert seen == {"module": package_of(hx), "httpx registered": False}
    assert seen["module"] != "httpx"


@pytest.mark.claim("forks.httpx2.alias-httpx")
def test_httpx2_alias_httpx(hx, observe):
    hx.alias_httpx  # noqa: B018 - the claim's function, or missing-api
    seen = in_fresh_interpreter(
        "import importlib, json, sys\n"
        f"m = importlib.import_module({package_of(hx)!r})\n"
        "m.alias_httpx()\n"
        "import httpx, httpcore\n"
        "print(json.dumps({'httpx': httpx.__name__, 'httpx is the target': httpx is m,\n"
        "                  'httpcore': httpcore.__name__}))")
    observe(seen)
    assert seen["httpx is the target"]
    assert seen["httpcore"] == "httpcore2"


@pytest.mark.claim("forks.httpx2.user-agent")
def test_httpx2_user_agent(hx, server, observe):
    agent = observe(default_user_agent(hx, server))
    assert agent == f"python-httpx2/{hx.__version__}"


@pytest.mark.claim("forks.httpx2.loggers")
def test_httpx2_loggers(hx, server, caplog, observe):
    names = observe(loggers_of_one_request(hx, server, caplog))
    packages = {name.split(".")[0] for name in names}
    assert "httpx2" in names
    assert any(name.startswith("httpcore2.") for name in names)
    assert not packages & {"httpx", "httpcore"}


@pytest.mark.claim("forks.httpx2.transport-httpcore2")
def test_httpx2_transport_httpcore2(hx, server, observe):
    cores = [r for r in requirements_of(hx) if r.name.lower().startswith("httpcore")]
    seen = in_fresh_interpreter(
        "import importlib, json, sys\n"
        f"m = importlib.import_module({package_of(hx)!r})\n"
        "with m.Client() as client:\n"
        f"    client.get({server.http + '/get'!r})\n"
        "print(json.dumps(sorted(n for n in ('httpcore', 'httpcore2') if n in sys.modules)))")
    observe({"requires": [str(r) for r in cores], "imported by a request": seen})
    assert [r.name.lower() for r in cores] == ["httpcore2"]
    assert [s.operator for s in cores[0].specifier] == ["=="]
    assert seen == ["httpcore2"]


@pytest.mark.claim("forks.httpx2.truststore")
def test_httpx2_truststore(hx, server, observe):
    # Without SSL_CERT_* the default trust is the library's own: the throw-away CA is
    # refused whatever it is; what the request loaded to decide is the claim.
    seen = in_fresh_interpreter(
        "import importlib, json, sys\n"
        f"m = importlib.import_module({package_of(hx)!r})\n"
        "try:\n"
        "    with m.Client() as client:\n"
        f"        outcome = client.get({server.https + '/get'!r}).status_code\n"
        "except Exception as error:\n"
        "    outcome = type(error).__name__\n"
        "trust = sorted(n for n in ('truststore', 'certifi') if n in sys.modules)\n"
        "print(json.dumps({'outcome': outcome, 'trust': trust}))",
        SSL_CERT_FILE="", SSL_CERT_DIR="")
    observe(seen)
    assert seen["trust"] == ["truststore"]


def _deprecated_verify_string(hx: Any, server: Any) -> None:
    hx.Client(verify=server.ca).close()


def _deprecated_data_bytes(hx: Any, server: Any) -> None:
    with hx.Client() as client:
        client.build_request("POST", server.http + "/post", data=b"raw")


def _deprecated_url_raw(hx: Any, server: Any) -> None:
    hx.URL(server.http + "/get").raw  # noqa: B018 - reading it is the deprecated use


DEPRECATED_USES = {"verify-string": _deprecated_verify_string,
                   "data-bytes": _deprecated_data_bytes, "url-raw": _deprecated_url_raw}


@pytest.mark.claim("forks.httpx2.deprecations-visible")
@pytest.mark.parametrize("use", DEPRECATED_USES)
def test_httpx2_deprecations_visible(hx, server, use, observe):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        DEPRECATED_USES[use](hx, server)
    # By class: the data=<bytes> message does not say "deprecated".
    deprecations = [w for w in caught if "Deprecation" in w.category.__name__]
    observe([[w.category.__name__, issubclass(w.category, UserWarning)] for w in deprecations])
    assert deprecations, "no deprecation warning"
    assert all(issubclass(w.category, UserWarning) for w in deprecations)


@pytest.mark.claim("forks.httpx2.requires-python")
def test_httpx2_requires_python(hx, observe):
    specifier = observe(str(requires_python(hx)))
    assert "3.11" in SpecifierSet(specifier) and "3.10" not in SpecifierSet(specifier)


@pytest.mark.claim("forks.httpx2.query-method")
def test_httpx2_query_method(hx, server, observe):
    with hx.Client() as client:
        if not hasattr(client, "query"):  # named here: the client is the target's own object
            raise MissingAPI(f"{package_of(hx)}.Client.query does not exist")
        r = client.query(server.http + "/anything")
    method = observe(echo(r)["method"])
    assert method == "QUERY"


@pytest.mark.claim("forks.httpx2.status-codes-rfc9110")
def test_httpx2_status_codes_rfc9110(hx, observe):
    new = getattr(hx.codes, "CONTENT_TOO_LARGE", None)
    if new is None:  # an enum's missing member is the target's missing name
        raise MissingAPI(f"{package_of(hx)}.codes.CONTENT_TOO_LARGE does not exist")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the old name may warn
        old = hx.codes.REQUEST_ENTITY_TOO_LARGE
    seen = observe({"CONTENT_TOO_LARGE": int(new),
                    "REQUEST_ENTITY_TOO_LARGE": int(old),
                    "phrase": hx.codes.get_reason_phrase(413)})
    assert seen == {"CONTENT_TOO_LARGE": 413, "REQUEST_ENTITY_TOO_LARGE": 413,
                    "phrase": "Content Too Large"}


@pytest.mark.claim("forks.httpx2.content-length-file-position")
def test_httpx2_content_length_file_position(hx, server, tmp_path: Path, observe):
    path = tmp_path / "ten-bytes"
    path.write_bytes(b"0123456789")
    with path.open("rb") as file, hx.Client() as client:
        file.seek(4)
        r = client.post(server.http + "/anything", content=file)
    seen = observe({"content-length": echo(r)["headers"].get("content-length"),
                    "body": sent_body(r).decode()})
    assert seen == {"content-length": "6", "body": "456789"}


@pytest.mark.claim("forks.httpx2.cookie-jar-policy")
def test_httpx2_cookie_jar_policy(hx, server, observe):
    with hx.Client() as client:
        client.cookies.set("flavour", "oat", domain="127.0.0.1")
        before = client.get(server.http + "/cookies").json()["cookies"]
        client.cookies.jar.set_policy(DefaultCookiePolicy(blocked_domains=["127.0.0.1"]))
        after = client.get(server.http + "/cookies").json()["cookies"]
    observe({"before the policy": before, "with the policy": after})
    assert before == {"flavour": "oat"}, "the cookie is not sent at all"
    assert after == {}


@pytest.mark.claim("forks.httpx2.transfer-encoding-respected")
def test_httpx2_transfer_encoding_respected(hx, server, observe):
    with hx.Client() as client:
        r = client.post(server.http + "/anything", content=b"abc",
                        headers={"Transfer-Encoding": "chunked"})
    sent = echo(r)["headers"]
    seen = observe({"status": r.status_code, "transfer-encoding": sent.get("transfer-encoding"),
                    "content-length": sent.get("content-length"),
                    "body": sent_body(r).decode()})
    assert seen == {"status": 200, "transfer-encoding": "chunked", "content-length": None,
                    "body": "abc"}


@pytest.mark.claim("forks.httpx2.mounts-invalid-cidr")
def test_httpx2_mounts_invalid_cidr(hx, observe):
    with pytest.raises(hx.InvalidURL) as raised:
        hx.Client(mounts={"all://10.0.0.0/33": None})
    observe(f"InvalidURL: {raised.value}")


# --- claimed by two forks -------------------------------------------------------------------


@pytest.mark.claim("forks.function-auth-exported")
def test_function_auth_exported(hx, server, observe):
    def sign(request: Any) -> Any:
        request.headers["X-Signed"] = "yes"
        return request

    with hx.Client() as client:
        r = client.get(server.http + "/headers", auth=hx.FunctionAuth(sign))
    signed = observe(echo(r)["headers"].get("x-signed"))
    assert signed == "yes"


@pytest.mark.claim("forks.redirect-invalid-location-returned")
def test_redirect_invalid_location_returned(hx, server, observe):
    r = fetch(hx, with_query(server.http + "/redirect-to", {"url": INVALID_LOCATION}))
    seen = observe({"status": r.status_code, "next_request": repr(r.next_request)})
    assert seen == {"status": 302, "next_request": "None"}


# --- httpxyz --------------------------------------------------------------------------------


@pytest.mark.claim("forks.httpxyz.registers-as-httpx")
def test_httpxyz_registers_as_httpx(hx, observe):
    seen = in_fresh_interpreter(
        "import importlib, json, sys\n"
        f"m = importlib.import_module({package_of(hx)!r})\n"
        "try:\n"
        "    import httpx\n"
        "except ImportError as error:\n"
        "    print(json.dumps({'import httpx': type(error).__name__})); sys.exit()\n"
        "print(json.dumps({'import httpx': httpx.__name__, 'is the target': httpx is m,\n"
        "    'httpx._client': getattr(sys.modules.get('httpx._client'), '__name__', None),\n"
        "    'isinstance': isinstance(m.Response(200), httpx.Response)}))")
    observe(seen)
    assert seen.get("is the target") and seen.get("isinstance")
    assert seen["httpx._client"] == f"{package_of(hx)}._client"


@pytest.mark.claim("forks.httpxyz.alias-yields-to-httpx")
def test_httpxyz_alias_yields_to_httpx(hx, observe):
    # A module already registered as httpx stands for an httpx imported first.
    seen = in_fresh_interpreter(
        "import importlib, json, sys, types\n"
        "first = sys.modules['httpx'] = types.ModuleType('httpx')\n"
        f"m = importlib.import_module({package_of(hx)!r})\n"
        "print(json.dumps({'target imported': m is not first,\n"
        "                  'httpx kept': sys.modules['httpx'] is first}))")
    observe(seen)
    assert seen == {"target imported": True, "httpx kept": True}


@pytest.mark.claim("forks.httpxyz.registration-logged")
def test_httpxyz_registration_logged(hx, observe):
    seen = in_fresh_interpreter(
        "import importlib, json, logging\n"
        "records = []\n"
        "class Keep(logging.Handler):\n"
        "    def emit(self, record):\n"
        "        records.append([record.name, record.levelname, record.getMessage()[:120]])\n"
        "logging.basicConfig(level=logging.DEBUG, handlers=[Keep()])\n"
        f"importlib.import_module({package_of(hx)!r})\n"
        "print(json.dumps(records))")
    observe(seen)
    assert any(name.split(".")[0] == package_of(hx) and level == "DEBUG" and "httpx" in text
               for name, level, text in seen)


@pytest.mark.claim("forks.httpxyz.transport-httpcorexyz")
def test_httpxyz_transport_httpcorexyz(hx, server, observe):
    cores = sorted(r.name.lower() for r in requirements_of(hx)
                   if r.name.lower().startswith("httpcore"))
    seen = in_fresh_interpreter(
        "import importlib, json, sys\n"
        f"m = importlib.import_module({package_of(hx)!r})\n"
        "with m.Client() as client:\n"
        f"    client.get({server.http + '/get'!r})\n"
        "core = sys.modules.get('httpcore')\n"
        "print(json.dumps(getattr(core, '__name__', None)))")
    observe({"requires": cores, "httpcore after a request": seen})
    assert cores == ["httpcorexyz"]
    assert seen == "httpcorexyz"


@pytest.mark.claim("forks.httpxyz.keep-method-for-redirects")
@pytest.mark.parametrize("status", [301, 302])
def test_httpxyz_keep_method_for_redirects(hx, server, status, observe):
    url = with_query(server.http + "/redirect-to", {"url": "/post", "status_code": str(status)})
    with hx.Client(keep_method_for_redirects=True) as client:
        r = client.post(url, content=b"x")
    method = observe(r.next_request.method)
    assert method == "POST"


@pytest.mark.claim("forks.httpxyz.base-url-query-kept")
def test_httpxyz_base_url_query_kept(hx, server, observe):
    with hx.Client(base_url=server.http + "/anything?a=1") as client:
        # The base_url's query as the client keeps it (httpx adds its trailing slash there).
        kept = client.base_url.query.decode()
        r = client.get("", params={"b": "2"})
    query = echo(r)["raw_query"]
    observe({"base_url query": kept, "sent": query})
    # Compared as parameters: how a version escapes the '/' is not this claim.
    assert parse_qsl(kept)[:1] == [("a", "1/")]
    assert parse_qsl(query) == [*parse_qsl(kept), ("b", "2")]


@pytest.mark.claim("forks.httpxyz.status-error-picklable")
def test_httpxyz_status_error_picklable(hx, server, observe):
    r = fetch(hx, server.http + "/status/404")
    with pytest.raises(hx.HTTPStatusError) as raised:
        r.raise_for_status()
    copy = pickle.loads(pickle.dumps(raised.value))
    seen = observe({"class": type(copy).__name__, "same message": str(copy) == str(raised.value)})
    assert seen == {"class": "HTTPStatusError", "same message": True}


@pytest.mark.claim("forks.httpxyz.mounted-transports-closed")
def test_httpxyz_mounted_transports_closed(hx, observe):
    class FailsToClose(hx.BaseTransport):
        def handle_request(self, request: Any) -> Any:
            raise AssertionError("no request is sent")

        def close(self) -> None:
            raise RuntimeError("the main transport fails to close")

    class RecordsClose(hx.BaseTransport):
        closed = False

        def handle_request(self, request: Any) -> Any:
            raise AssertionError("no request is sent")

        def close(self) -> None:
            self.closed = True

    mounted = RecordsClose()
    client = hx.Client(transport=FailsToClose(), mounts={"http://127.0.0.1": mounted})
    try:
        client.close()
        raised = None
    except RuntimeError as error:
        raised = str(error)
    observe({"close raised": raised, "mounted closed": mounted.closed})
    assert mounted.closed


@pytest.mark.claim("forks.httpxyz.requires-python")
def test_httpxyz_requires_python(hx, observe):
    specifier = observe(str(requires_python(hx)))
    assert "3.9" in SpecifierSet(specifier) and "3.8" not in SpecifierSet(specifier)


# --- httpxr ---------------------------------------------------------------------------------


@pytest.mark.claim("forks.httpxr.user-agent")
def test_httpxr_user_agent(hx, server, observe):
    agent = observe(default_user_agent(hx, server))
    assert agent == f"python-httpxr/{hx.__version__}"


@pytest.mark.claim("forks.httpxr.logger")
def test_httpxr_logger(hx, server, caplog, observe):
    names = observe(loggers_of_one_request(hx, server, caplog))
    packages = {name.split(".")[0] for name in names}
    assert "httpxr" in packages
    assert "httpx" not in packages


@pytest.mark.claim("forks.httpxr.header-order")
def test_httpxr_header_order(hx, server, observe):
    listed = echo(fetch(hx, server.http + "/headers"))["header_list"]
    order = observe([name.lower() for name, _ in listed])
    assert sorted(order) == sorted(HTTPX_HEADER_ORDER), "not the same five default headers"
    assert order != HTTPX_HEADER_ORDER


@pytest.mark.claim("forks.httpxr.timeout-pool-only")
def test_httpxr_timeout_pool_only(hx, observe):
    timeout = hx.Timeout(pool=60.0)
    pool = observe(timeout.pool)
    assert pool == 60.0


@pytest.mark.claim("forks.httpxr.compat-shim")
def test_httpxr_compat_shim(hx, observe):
    seen = in_fresh_interpreter(
        "import importlib, json, logging, sys\n"
        "records = []\n"
        "class Keep(logging.Handler):\n"
        "    def emit(self, record):\n"
        "        records.append([record.levelname, record.getMessage()[:120]])\n"
        "logging.basicConfig(level=logging.DEBUG, handlers=[Keep()])\n"
        f"m = importlib.import_module({package_of(hx)!r})\n"
        "try:\n"
        f"    compat = importlib.import_module({package_of(hx) + '.compat'!r})\n"
        "except ImportError as error:\n"
        "    print(json.dumps({'missing': str(error)})); sys.exit()\n"
        "import httpx\n"
        "seen = {'httpx is the target': httpx is m, 'records': records,\n"
        "        'active': compat.is_active()}\n"
        "compat.disable()\n"
        "seen.update({'active after disable': compat.is_active(),\n"
        "             'httpx after disable': 'httpx' in sys.modules})\n"
        "print(json.dumps(seen))")
    observe(seen)
    if "missing" in seen:
        raise MissingAPI(seen["missing"])
    assert seen["httpx is the target"] and seen["active"]
    assert any(level == "INFO" and "shim" in text for level, text in seen["records"])
    assert not seen["active after disable"] and not seen["httpx after disable"]


@pytest.mark.claim("forks.httpxr.compat-after-httpx")
def test_httpxr_compat_after_httpx(hx, observe):
    # A module already registered as httpx stands for an httpx imported first.
    seen = in_fresh_interpreter(
        "import importlib, json, logging, sys, types, warnings\n"
        "records = []\n"
        "class Keep(logging.Handler):\n"
        "    def emit(self, record):\n"
        "        records.append([record.levelname, record.getMessage()[:120]])\n"
        "logging.basicConfig(level=logging.DEBUG, handlers=[Keep()])\n"
        "sys.modules['httpx'] = types.ModuleType('httpx')\n"
        f"m = importlib.import_module({package_of(hx)!r})\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    try:\n"
        f"        importlib.import_module({package_of(hx) + '.compat'!r})\n"
        "    except ImportError as error:\n"
        "        print(json.dumps({'missing': str(error)})); sys.exit()\n"
        "print(json.dumps({'httpx is the target': sys.modules['httpx'] is m,\n"
        "    'warnings': [str(w.message)[:120] for w in caught],\n"
        "    'warning records': [text for level, text in records if level == 'WARNING']}))")
    observe(seen)
    if "missing" in seen:
        raise MissingAPI(seen["missing"])
    assert seen["httpx is the target"]
    assert seen["warnings"] or seen["warning records"]


@pytest.mark.claim("forks.httpxr.no-python-dependencies")
def test_httpxr_no_python_dependencies(hx, observe):
    required = observe([str(r) for r in requirements_of(hx)])
    assert required == []
