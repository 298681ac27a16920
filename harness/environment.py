"""The environment variables a client reads, cleared for the client under test.

httpx (``trust_env``) and requests read proxies, CA bundles and netrc from the
environment, and tox passes some of them through (``https_proxy``, ``SSL_CERT_FILE``,
``REQUESTS_CA_BUNDLE``...). Like encode/httpx's own test suite, the suites remove them
before anything runs, so a laptop behind a corporate proxy measures what CI measures; a
claim about one of them sets it itself. Which were present is recorded (names only: a
proxy URL may hold a password).
"""

from __future__ import annotations

import os

CLIENT_VARIABLES = (
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "WS_PROXY", "WSS_PROXY",
    "FTP_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR", "SSLKEYLOGFILE", "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE", "NETRC",
)


def client_variables_present() -> list[str]:
    """The client-read variables set in this process (either case), by their own names."""
    wanted = {name.lower() for name in CLIENT_VARIABLES}
    return sorted(name for name in os.environ if name.lower() in wanted)


def clear_client_variables() -> list[str]:
    """Remove every client-read variable from this process; the names that were set."""
    present = client_variables_present()
    for name in present:
        del os.environ[name]
    return present
