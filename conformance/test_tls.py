"""docs/advanced/ssl.md: HTTPS to a local server with the project's own CA."""

from __future__ import annotations

import ssl

import pytest


@pytest.mark.claim("tls.local-server-own-ca")
def test_local_server_own_ca(hx, server, observe):
    # The documented lines as written. On 1.0.dev6 the name checked is the Host header
    # ("127.0.0.1:<port>"), so this is where that finding is recorded; the claims that
    # only need TLS get it through hx.trusting() and read setup-failed instead.
    context = ssl.create_default_context(cafile=server.ca)
    with hx.Client(verify=context) as client:
        status = client.get(server.https + "/get").status_code
    observe(status)
    assert status == 200
