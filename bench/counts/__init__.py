"""Work counts per request: CPU instructions (callgrind), system calls (strace), and the
connections, bytes and HTTP/2 streams the server saw. Deterministic, so they can gate.

``workload`` is the counted child process, ``runner`` starts it under each tool and turns
what the tools wrote into per-request figures; docs/bench.md describes the method.
"""
