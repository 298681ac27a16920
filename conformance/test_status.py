"""Status codes: raise_for_status, the boolean checks, httpx.codes."""

from __future__ import annotations

import pytest

from conformance.helpers import fetch


def status(hx, server, code: int):
    return fetch(hx, f"{server.http}/status/{code}")


@pytest.mark.claim("status.raise-for-status-class")
def test_raise_for_status_class(hx, requests_side, server, observe):
    url = server.http + "/status/404"
    with requests_side as side:
        r = side.lib.get(url)
        with pytest.raises(side.lib.HTTPError) as caught:
            r.raise_for_status()
        side.observe(type(caught.value).__name__)
    r = fetch(hx, url)
    with pytest.raises(Exception) as error:
        r.raise_for_status()
    observe(f"{type(error.value).__module__}.{type(error.value).__name__}")
    assert isinstance(error.value, hx.HTTPStatusError)
    assert not isinstance(error.value, _requests_http_error())


def _requests_http_error() -> tuple[type, ...]:
    try:
        import requests
    except ImportError:
        return ()
    return (requests.HTTPError,)


@pytest.mark.claim("status.raise-for-status-5xx")
def test_raise_for_status_5xx(hx, server, observe):
    r = status(hx, server, 503)
    with pytest.raises(hx.HTTPStatusError) as error:
        r.raise_for_status()
    observe({"class": type(error.value).__name__,
             "response.status_code": error.value.response.status_code})
    assert error.value.response.status_code == 503


@pytest.mark.claim("status.raise-for-status-non-2xx")
def test_raise_for_status_non_2xx(hx, requests_side, server, observe):
    url = server.http + "/status/302"
    with requests_side as side:
        r = side.lib.get(url, allow_redirects=False)
        side.observe(r.raise_for_status())
        assert r.status_code == 302
    r = status(hx, server, 302)
    with pytest.raises(hx.HTTPStatusError) as error:
        r.raise_for_status()
    observe(type(error.value).__name__)


@pytest.mark.claim("status.raise-for-status-returns-response")
def test_raise_for_status_returns_response(hx, requests_side, server, observe):
    url = server.http + "/json"
    with requests_side as side:
        returned = side.lib.get(url).raise_for_status()
        side.observe(repr(returned))
        assert returned is None
    r = fetch(hx, url)
    returned = r.raise_for_status()
    data = fetch(hx, url).raise_for_status().json()
    observe(repr(returned))
    assert returned is r
    assert isinstance(data, dict)


@pytest.mark.claim("status.boolean-checks")
@pytest.mark.parametrize(("code", "success", "error", "redirect"), [
    (200, True, False, False), (204, True, False, False), (302, False, False, True),
    (307, False, False, True), (404, False, True, False), (503, False, True, False)])
def test_boolean_checks(hx, server, code, success, error, redirect, observe):
    r = status(hx, server, code)
    seen = {"is_success": r.is_success, "is_error": r.is_error, "is_redirect": r.is_redirect}
    observe(seen)
    assert seen == {"is_success": success, "is_error": error, "is_redirect": redirect}


@pytest.mark.claim("status.is-redirect-needs-location")
def test_is_redirect_needs_location(hx, server, observe):
    r = status(hx, server, 304)  # a 3xx that carries no Location
    observe({"status": r.status_code, "location": r.headers.get("location"),
             "is_redirect": r.is_redirect})
    assert "location" not in r.headers
    assert r.is_redirect is False


@pytest.mark.claim("status.no-is-ok")
def test_no_is_ok(hx, requests_side, server, observe):
    with requests_side as side:
        r = side.lib.get(server.http + "/get")
        side.observe({"ok": r.ok})
        assert r.ok is True
    r = fetch(hx, server.http + "/get")
    observe({"has is_ok": hasattr(r, "is_ok"), "has ok": hasattr(r, "ok"),
             "is_success": r.is_success})
    assert not hasattr(r, "is_ok")
    assert r.is_success is True


@pytest.mark.claim("status.codes-names")
def test_codes_names(hx, server, observe):
    r = fetch(hx, server.http + "/get")
    observe({"OK": int(hx.codes.OK), "NOT_FOUND": int(hx.codes.NOT_FOUND),
             "not_found": int(hx.codes.not_found)})
    assert r.status_code == hx.codes.OK
    assert hx.codes.NOT_FOUND == hx.codes.not_found == 404


@pytest.mark.claim("status.no-requests-synonyms")
def test_no_requests_synonyms(hx, requests_side, observe):
    synonyms = ["okay", "all_ok", "teapot", "i_am_a_teapot", "moved"]
    with requests_side as side:
        side.observe({name: getattr(side.lib.codes, name, None) for name in synonyms})
        assert all(getattr(side.lib.codes, name, None) for name in synonyms)
    present = [name for name in synonyms if hasattr(hx.codes, name)]
    observe(present)
    assert present == []


@pytest.mark.claim("status.status-code-int")
def test_status_code_int(hx, server, observe):
    r = fetch(hx, server.http + "/get")
    observe(r.status_code)
    assert r.status_code == 200
    assert isinstance(r.status_code, int)
