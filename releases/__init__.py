"""Every release of a package measured, and the first release where each change appeared:
``python -m releases PACKAGE [FROM [TO]]`` (the timeline) and ``python -m releases.bisect
FROM TO`` (docs/releases.md)."""
