"""The figures the documentation quotes, in one place: ``docs/figures.md``.

``python -m figures`` writes it from what each figure is computed from (the claim
catalogue, the expectations files, tox.ini, the snapshot grid, the count scenarios, the
gate's rule) and from ``figures/measured.toml``, the measured figures with how and when
each was measured. ``python -m figures --check`` exits 1 when the file is stale.
"""
