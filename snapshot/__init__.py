"""The wire snapshot: a fixed grid of request constructions, run through one client library,
recording what the server received and what the client reported. No expected values: two
snapshots are diffed by ``python -m reports upgrade`` (see docs/snapshot.md)."""
