"""The harness's local origin server: an ASGI app, its listeners, and a pytest plugin."""
