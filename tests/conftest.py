"""Shared fixtures for the harness's own tests."""

import os

# Under pytest-xdist this process is a worker, and it says so in its environment; the
# suites these tests start (pytest on bench/, the upgrade's count runs) would inherit it,
# and pytest-benchmark would then take each of them for a worker and write no bench.json.
# What tells xdist itself that this is a worker is its config, not these variables.
for variable in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"):
    os.environ.pop(variable, None)

# tests/data holds suites that other tests run as child processes (the recorder's, the
# your-code test project): never collected here.
collect_ignore = ["data"]

# xdist's workers run with COLUMNS=80, and tox passes a CI runner's COLUMNS through: the
# terminal output honours a narrower COLUMNS (reports/terminal.py), so the tests that read
# it would see a width that depends on how they were started. Tests that are about
# COLUMNS set it themselves.
os.environ.pop("COLUMNS", None)
