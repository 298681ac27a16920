"""The benchmark suite: pooling, async fan-out, HTTP/2 multiplexing, streaming memory.

Run it with ``python -m pytest bench`` (``--quick`` for CI). Every headline is a ratio of
variants interleaved round by round in one run; see docs/bench.md for how to read them.
"""
