"""Timeouts: the 5 s default observed on the wire, None, per-field, per-read semantics.

The multi-second waits run as background jobs started with the session (see
conformance/background.py), so they overlap each other and the rest of the suite.
"""

from __future__ import annotations

import pytest

from conformance.background import background_job
from conformance.catalogue import load_catalogue
from conformance.helpers import accepting_sink, silent_listener
from conformance.target import NotInstalled, is_missing_api
from generations import SetupFailed

# The waits use the https_h1 listener, so claims that count connections on the plain
# http listener (pooling, limits) are not disturbed by them.
DEFAULT = 5.0
# A timeout comes late on a loaded machine by however long the waiting thread waits for a
# core: no fixed upper bound holds. So the default is compared with an explicit
# timeout=5.0 waited in parallel under the same load; they must end within SAME of each
# other (a 6 s default would end a second later). A missing default is caught by the
# request succeeding.
SAME = load_catalogue()["timeouts.default-observed"].tolerance  # the claim states it
SLOWER_THAN_DEFAULT = 8  # /delay/8: outlives the default, bounded if the default is gone
REQUESTS_WAIT = 6  # requests (no timeout) must sit through a wait longer than 5 s


def against_the_yardstick(got, seconds, explicit):
    """The observation of a default-timeout claim: what happened, and how much later than
    the explicit timeout=5.0 (wall seconds vary with the load; the difference does not)."""
    return {"result": getattr(got, "status_code", type(got).__name__),
            f"seconds after timeout={DEFAULT:g}": round(seconds - explicit, 2)}


def outcome_of(hx, job):
    """(what happened, seconds) for a background job: its result or its exception.

    A missing API or a failed setup step is re-raised: the claim's outcome is missing-api
    or setup-failed, not broken.
    """
    try:
        done = job()
    except Exception as error:  # the exception is the observation
        if isinstance(error, (NotInstalled, SetupFailed)) or is_missing_api(error, hx.name):
            raise
        return error, round(getattr(error, "seconds", 0.0), 2)
    return done.value, round(done.seconds, 2)


@background_job("timeouts.default-observed", "default/httpx")
def _default_httpx(hx, server):
    with hx.Client(**hx.trusting(server)) as client:
        return client.get(f"{server.https_h1}/delay/{SLOWER_THAN_DEFAULT}")


@background_job("timeouts.default-observed", "default/explicit")
@background_job("timeouts.client-default-observed", "client-default/explicit")
def _explicit_default(hx, server):
    """The yardstick: the documented default, passed explicitly, under the same load."""
    with hx.Client(**hx.trusting(server)) as client:
        return client.get(f"{server.https_h1}/delay/{SLOWER_THAN_DEFAULT}", timeout=DEFAULT)


@background_job("timeouts.default-observed", "default/requests")
def _default_requests(hx, server):
    import requests

    return requests.get(f"{server.https_h1}/delay/{REQUESTS_WAIT}", verify=server.ca)


@background_job("timeouts.client-default-observed")
def _client_default(hx, server):
    with hx.Client(**hx.trusting(server)) as client:
        return client.get(f"{server.https_h1}/delay/{SLOWER_THAN_DEFAULT}")


@background_job("timeouts.none-disables")
def _none_disables(hx, server):
    with hx.Client(**hx.trusting(server)) as client:
        return client.get(f"{server.https_h1}/delay/{REQUESTS_WAIT}", timeout=None)


@background_job("timeouts.client-none-disables")
def _client_none(hx, server):
    with hx.Client(timeout=None, **hx.trusting(server)) as client:
        return client.get(f"{server.https_h1}/delay/{REQUESTS_WAIT}")


@background_job("timeouts.read-is-per-chunk")
def _per_chunk(hx, server):
    # 5 bytes over 2.5 s: gaps of 0.5 s, each well inside read=1.5, the total is not.
    with hx.Client(timeout=hx.Timeout(10.0, read=1.5), **hx.trusting(server)) as client:
        return client.get(f"{server.https_h1}/drip?duration=2.5&numbytes=5")


@pytest.mark.claim("timeouts.default-observed")
def test_default_observed(hx, requests_side, background, observe):
    with requests_side as side:
        got, seconds = outcome_of(hx, lambda: background.result("default/requests"))
        side.observe({"result": getattr(got, "status_code", type(got).__name__),
                      f"waited the {REQUESTS_WAIT} s": seconds >= REQUESTS_WAIT - 0.5})
        assert getattr(got, "status_code", None) == 200, f"requests gave {got!r}"
        assert seconds >= REQUESTS_WAIT - 0.5
    got, seconds = outcome_of(hx, lambda: background.result("default/httpx"))
    yardstick, explicit = outcome_of(hx, lambda: background.result("default/explicit"))
    observe(against_the_yardstick(got, seconds, explicit))
    # First whether anything timed out (every generation can answer that), then the class.
    if not isinstance(got, Exception):
        pytest.fail(f"no timeout: a response after {seconds}s")
    assert isinstance(got, hx.TimeoutException), f"got {got!r} after {seconds}s"
    assert isinstance(got, hx.ReadTimeout)
    assert isinstance(yardstick, hx.ReadTimeout), f"timeout={DEFAULT} gave {yardstick!r}"
    assert seconds >= DEFAULT - 0.5
    assert abs(seconds - explicit) <= SAME, f"{seconds}s, timeout={DEFAULT} took {explicit}s"


@pytest.mark.claim("timeouts.client-default-observed")
def test_client_default_observed(hx, background, observe):
    got, seconds = outcome_of(hx, lambda: background.result("timeouts.client-default-observed"))
    yardstick, explicit = outcome_of(hx, lambda: background.result("client-default/explicit"))
    observe(against_the_yardstick(got, seconds, explicit))
    # First whether anything timed out (every generation can answer that), then the class.
    if not isinstance(got, Exception):
        pytest.fail(f"no timeout: a response after {seconds}s")
    assert isinstance(got, hx.TimeoutException), f"got {got!r} after {seconds}s"
    assert isinstance(yardstick, hx.ReadTimeout), f"timeout={DEFAULT} gave {yardstick!r}"
    assert seconds >= DEFAULT - 0.5
    assert abs(seconds - explicit) <= SAME, f"{seconds}s, timeout={DEFAULT} took {explicit}s"


@pytest.mark.claim("timeouts.none-disables")
def test_none_disables(hx, background, observe):
    got, seconds = outcome_of(hx, lambda: background.result("timeouts.none-disables"))
    observe({"result": getattr(got, "status_code", type(got).__name__),
             f"waited past the {DEFAULT:g} s default": seconds > DEFAULT})
    assert getattr(got, "status_code", None) == 200, f"got {got!r}"


@pytest.mark.claim("timeouts.client-none-disables")
def test_client_none_disables(hx, background, observe):
    got, seconds = outcome_of(hx, lambda: background.result("timeouts.client-none-disables"))
    observe({"result": getattr(got, "status_code", type(got).__name__),
             f"waited past the {DEFAULT:g} s default": seconds > DEFAULT})
    assert getattr(got, "status_code", None) == 200, f"got {got!r}"


@pytest.mark.claim("timeouts.read-is-per-chunk")
def test_read_is_per_chunk(hx, background, observe):
    got, seconds = outcome_of(hx, lambda: background.result("timeouts.read-is-per-chunk"))
    # What the claim is about, not the wall time (which a loaded machine stretches and
    # the upgrade report would flag as a change between identical runs).
    observe({"result": getattr(got, "status_code", type(got).__name__),
             "longer than the read timeout": seconds > 1.5})
    assert getattr(got, "status_code", None) == 200, f"got {got!r}"
    assert got.content == b"*****"
    assert seconds > 1.5, f"{seconds}s"  # the whole response took longer than one read timeout


@pytest.mark.claim("timeouts.default-is-five-seconds")
def test_default_is_five_seconds(hx, observe):
    with hx.Client() as client:
        timeout = client.timeout
    observe(repr(timeout))
    assert timeout == hx.Timeout(timeout=5.0)
    assert (timeout.connect, timeout.read, timeout.write, timeout.pool) == (5.0,) * 4


@pytest.mark.claim("timeouts.per-request-value")
def test_per_request_value(hx, server, observe):
    with hx.Client() as client, pytest.raises(hx.TimeoutException) as error:
        client.get(server.http + "/delay/3", timeout=0.3)
    observe(type(error.value).__name__)


@pytest.mark.claim("timeouts.client-value-and-override")
def test_client_value_and_override(hx, server, observe):
    with hx.Client(timeout=0.3) as client:
        with pytest.raises(hx.TimeoutException) as error:
            client.get(server.http + "/delay/2")
        overridden = client.get(server.http + "/delay/0.6", timeout=10.0)
    observe({"client timeout": type(error.value).__name__, "override": overridden.status_code})
    assert overridden.status_code == 200


@pytest.mark.claim("timeouts.fine-grained-fields")
def test_fine_grained_fields(hx, observe):
    timeout = hx.Timeout(10.0, connect=60.0)
    short = hx.Timeout(10.0, connect=5.0)
    fields = {"connect": timeout.connect, "read": timeout.read, "write": timeout.write,
              "pool": timeout.pool}
    observe(fields)
    assert fields == {"connect": 60.0, "read": 10.0, "write": 10.0, "pool": 10.0}
    assert (short.connect, short.read) == (5.0, 10.0)
    with hx.Client(timeout=timeout) as client:
        assert client.timeout == timeout


@pytest.mark.claim("timeouts.connect-timeout")
def test_connect_timeout(hx, observe):
    with hx.Client() as client, silent_listener(backlog=1, fill=True) as url, \
            pytest.raises(hx.ConnectTimeout) as error:
        client.get(url, timeout=hx.Timeout(5.0, connect=0.3))
    observe(type(error.value).__name__)


@pytest.mark.claim("timeouts.read-timeout")
def test_read_timeout(hx, server, observe):
    with hx.Client() as client, pytest.raises(hx.ReadTimeout) as error:
        client.get(server.http + "/delay/3", timeout=hx.Timeout(5.0, read=0.3))
    observe(type(error.value).__name__)


@pytest.mark.claim("timeouts.write-timeout")
def test_write_timeout(hx, observe):
    body = b"x" * (64 * 1024 * 1024)  # far more than loopback socket buffers hold
    with hx.Client() as client, accepting_sink() as url, \
            pytest.raises(hx.WriteTimeout) as error:
        client.post(url, content=body, timeout=hx.Timeout(5.0, write=0.3))
    observe(type(error.value).__name__)


@pytest.mark.claim("timeouts.pool-timeout")
def test_pool_timeout(hx, server, observe):
    limits = hx.Limits(max_connections=1)
    with hx.Client(limits=limits, timeout=hx.Timeout(5.0, pool=0.3)) as client, \
            client.stream("GET", server.http + "/stream-bytes/10"), \
            pytest.raises(hx.PoolTimeout) as error:  # the stream holds the only connection
        client.get(server.http + "/get")
    observe(type(error.value).__name__)


@pytest.mark.claim("nvcf.timeout-object")
def test_nvcf_timeout_object(hx, server, observe):
    timeout = hx.Timeout(timeout=30.0)
    observe(repr(timeout))
    assert (timeout.connect, timeout.read, timeout.write, timeout.pool) == (30.0,) * 4
    r = hx.post(server.http + "/anything", json={"a": 1}, timeout=timeout)
    assert r.json()["json"] == {"a": 1}
