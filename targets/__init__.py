"""Install the target under test (an httpx version or a drop-in fork) and run a suite on it.

Targets are declared once, as tox factors in tox.ini, each setting:

- ``HARNESS_TARGET``: its name in results and reports (``httpx-0.28.1``);
- ``HARNESS_REQUIREMENT``: what to install (``httpx[http2,brotli]==0.28.1``);
- ``HARNESS_IMPORT``: the module it is imported as (``httpx``, ``httpx2``);
- ``HARNESS_GATE``: ``1`` for the pinned target, whose unexpected outcomes fail the run.

A target that cannot be installed or imported is a result, not a crash: the suite still
runs and records every claim as ``not-installed`` with the reason.
"""
