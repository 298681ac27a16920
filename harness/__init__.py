"""What producers (conformance, bench) and the consumer (reports) agree on: the result layout.

Kept apart from both sides so that neither imports the other to learn where a result goes.
"""
