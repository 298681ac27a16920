"""The API-generation adapters (generations/) and the setup-failed outcome.

Against the installed httpx (0.x) and a small stand-in for the 1.0 API (same signatures as
httpx 1.0.dev6's Client, URL, JSON and Form); the real 1.0.dev6 is in
tests/test_generations_agree.py.
"""

from __future__ import annotations

import ssl
import types
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from conformance.recording import classify
from conformance.target import MissingAPI, is_missing_api
from generations import ApiV0, ApiV1, SetupFailed, adapt, generation
from generations._v1 import _seconds
from harness.schema import OUTCOMES


def v1_module(sent: list[dict[str, Any]]) -> types.ModuleType:
    """A module with 1.0's names and signatures that records what it was given."""
    module = types.ModuleType("httpx_v1_standin")

    class URL:
        def __init__(self, url: Any = "", **kwargs: Any) -> None:
            self.url, self.kwargs = url, kwargs

    class Content:
        def __init__(self, value: Any) -> None:
            self.value = value

    class JSON(Content):
        pass

    class Form(Content):
        pass

    class Response:
        status_code, headers, content = 200, {}, b""

    class Client:
        def __init__(self, url: str | None = None, headers: Any = None,
                     transport: Any = None) -> None:
            sent.append({"url": url, "headers": headers, "transport": transport})

        def build_request(self, method: Any, url: Any, headers: Any = None,
                          content: Any = None) -> tuple[Any, ...]:
            return method, url, headers, content

        def request(self, method: Any, url: Any, headers: Any = None,
                    content: Any = None) -> Response:
            sent.append({"method": method, "url": url, "content": content})
            return Response()

        def close(self) -> None:
            pass

    class NetworkBackend:
        def __init__(self, ssl_ctx: ssl.SSLContext | None = None) -> None:
            self.ssl_ctx = ssl_ctx

    class ConnectionPool:
        def __init__(self, backend: NetworkBackend | None = None) -> None:
            self.backend = backend

    module.Client = Client
    module.NetworkBackend = NetworkBackend
    module.ConnectionPool = ConnectionPool
    module.URL, module.JSON, module.Form = URL, JSON, Form
    return module


def sent_request(**kwargs: Any) -> dict[str, Any]:
    """What the 1.0 stand-in's Client.request received for a 0.x-shaped POST."""
    sent: list[dict[str, Any]] = []
    with adapt(v1_module(sent)).Client() as client:
        client.post("http://127.0.0.1:1/anything", **kwargs)
    return sent[-1]


def test_installed_httpx_is_the_0x_generation():
    assert generation(httpx) == "0.x"
    assert type(adapt(httpx)) is ApiV0
    assert adapt(httpx).Client is httpx.Client  # 0.x: the target's own API, unchanged


def test_a_client_taking_url_is_the_1_0_generation():
    assert generation(v1_module([])) == "1.0"
    assert type(adapt(v1_module([]))) is ApiV1


def test_module_without_client_or_signature_is_0x():
    bare = types.ModuleType("bare")
    assert generation(bare) == "0.x"
    compiled = types.ModuleType("compiled")
    compiled.Client = type(len)  # a builtin type: inspect.signature cannot read it
    assert generation(compiled) == "0.x"


def test_v1_renamed_keywords_reach_the_capability():
    sent: list[dict[str, Any]] = []
    hx = adapt(v1_module(sent))
    context = ssl.create_default_context()
    hx.Client(base_url="http://127.0.0.1:1/api", headers={"X-A": "1"}, verify=context)
    assert sent[0]["url"] == "http://127.0.0.1:1/api"  # base_url= is url= in 1.0
    assert sent[0]["headers"] == {"X-A": "1"}
    assert sent[0]["transport"].backend.ssl_ctx is context  # verify= is the transport's


@pytest.mark.parametrize("kwargs", [{"follow_redirects": False}, {"cookies": {"a": "b"}},
                                    {"auth": ("u", "p")}, {"http2": True},
                                    {"timeout": httpx.Timeout(5.0, read=1.0)}])
def test_v1_absent_capabilities_are_missing_api(kwargs):
    hx = adapt(v1_module([]))
    with pytest.raises(MissingAPI) as error:
        hx.Client(**kwargs)
    assert is_missing_api(error.value, "httpx")
    assert str(error.value).startswith("httpx 1.0:")


def test_v1_follow_redirects_true_is_its_only_behaviour():
    sent: list[dict[str, Any]] = []
    adapt(v1_module(sent)).Client(follow_redirects=True)
    assert len(sent) == 1


@dataclass
class FakeServer:
    https_h1: str = "https://127.0.0.1:9"
    ca: str = "/tmp/ca.pem"

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context()


class PathOnlyClient:
    """Like httpxr: an ssl.SSLContext is accepted but not used; a CA file path works."""

    def __init__(self, verify: Any = True) -> None:
        self.verify = verify

    def get(self, url: str) -> None:
        if not isinstance(self.verify, str):
            raise ConnectionError("certificate verify failed")

    def __enter__(self) -> PathOnlyClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        pass


def fake_target(client: type) -> ApiV0:
    module = types.ModuleType("fake_fork")
    module.Client = client
    return ApiV0(module)


def test_trusting_falls_back_to_the_next_supported_way():
    hx = fake_target(PathOnlyClient)
    assert hx.trusting(FakeServer()) == {"verify": "/tmp/ca.pem"}
    assert hx.trusting(FakeServer()) == {"verify": "/tmp/ca.pem"}  # found once, kept


def test_trusting_that_fails_every_way_is_setup_failed():
    class NothingWorks(PathOnlyClient):
        def get(self, url: str) -> None:
            raise ConnectionError("handshake failed")

    with pytest.raises(SetupFailed) as error:
        fake_target(NothingWorks).trusting(FakeServer())
    assert error.value.step == "trusting the CA"
    assert len(error.value.attempts) == len(ApiV0.trust_ways(fake_target(NothingWorks)))
    assert "verify=ssl.SSLContext" in str(error.value)
    assert "verify=<CA file path>" in str(error.value)


def test_v1_skips_the_name_check_only_when_the_claim_does_not_need_it():
    ways = [name for name, _ in adapt(v1_module([])).trust_ways()]
    assert ways == ["verify=ssl.SSLContext", "verify=<context trusting the CA, no name check>"]
    checked = [name for name, _ in adapt(v1_module([])).trust_ways(name_check=True)]
    assert checked == ["verify=ssl.SSLContext"]


def test_name_checked_trust_that_fails_names_its_step():
    class NothingWorks(PathOnlyClient):
        def get(self, url: str) -> None:
            raise ConnectionError("Hostname mismatch")

    with pytest.raises(SetupFailed) as error:
        fake_target(NothingWorks).trusting(FakeServer(), name_check=True)
    assert error.value.step == "trusting the CA with the server name checked"


def test_setup_failed_is_its_own_outcome():
    assert "setup-failed" in OUTCOMES
    with pytest.raises(SetupFailed) as setup:
        raise SetupFailed("trusting the CA", ["verify=x: ConnectError"])
    assert classify(setup, "httpx") == "setup-failed"
    with pytest.raises(MissingAPI) as missing:
        raise MissingAPI("httpx.get does not exist")
    assert classify(missing, "httpx") == "missing-api"
    with pytest.raises(ConnectionError) as other:
        raise ConnectionError("refused")
    assert classify(other, "httpx") == "broken"


def test_v1_timeout_is_one_duration():
    assert _seconds(2) == 2.0
    with pytest.raises(MissingAPI):
        _seconds(httpx.Timeout(5.0))


def test_v1_unknown_keywords_are_type_errors_like_0x():
    with pytest.raises(TypeError) as error:
        adapt(v1_module([])).Client(allow_redirects=False)
    assert "unexpected keyword argument 'allow_redirects'" in str(error.value)


def test_expectations_accept_setup_failed(tmp_path):
    from conformance.expectations import load_expectations

    path = tmp_path / "t.toml"
    path.write_text('[claims."http2.negotiated-client"]\noutcome = "setup-failed"\n'
                    'note = "no way to trust the test CA"\n')
    assert load_expectations("t", path)["http2.negotiated-client"].outcome == "setup-failed"


# The adapter translates names only: what 1.0 does not have is missing-api, never emulated.
# Each of these went the other way before the one-adapter change (issue 20, point 4).

@pytest.mark.parametrize("body", [b"raw", "raw"])
def test_v1_data_bytes_or_text_is_missing_api_not_content(body):
    with pytest.raises(MissingAPI, match="data="):
        sent_request(data=body)


def test_v1_timeout_exception_is_missing_not_the_builtin():
    with pytest.raises(MissingAPI, match="TimeoutException"):
        adapt(v1_module([])).TimeoutException  # noqa: B018 - the lookup is the test


@pytest.mark.parametrize("where", ["client", "request"])
def test_v1_timeout_none_is_missing_api_not_dropped(where):
    hx = adapt(v1_module([]))
    with pytest.raises(MissingAPI, match="timeout=None"):
        if where == "client":
            hx.Client(timeout=None)
        else:
            hx.Client().get("http://127.0.0.1:1/", timeout=None)


def test_v1_params_are_urls_own_params_which_replace_the_query():
    url = sent_request(params={"b": "2"})["url"]
    assert (url.url, url.kwargs) == ("http://127.0.0.1:1/anything", {"params": {"b": "2"}})


def test_v1_verify_path_is_missing_api():
    with pytest.raises(MissingAPI, match="verify=str"):
        adapt(v1_module([])).Client(verify="/tmp/ca.pem")


def test_v1_renamed_bodies_and_values_passed_as_they_are():
    assert sent_request(json={"a": 1})["content"].value == {"a": 1}
    form = sent_request(data={"a": "1"})["content"]
    assert (type(form).__name__, form.value) == ("Form", {"a": "1"})
    assert sent_request(content="text")["content"] == "text"  # not encoded for 1.0
    with pytest.raises(MissingAPI, match="files="):
        sent_request(files={"f": ("a.txt", b"x")})
