"""Will our code break? What a project's own test suite sends through httpx, FROM vs TO.

``recorder`` is the pytest plugin installed into the project's environments (it needs only
the standard library and pytest); the rest of the package drives it from the harness.
"""
