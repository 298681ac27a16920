"""Conformance suite: one test per documented httpx claim, httpx and requests side by side.

The claim catalogue is ``claims.toml``; per-target known deviations live in
``expectations/<target>.toml``; results are written by ``conformance.recording``.
"""
