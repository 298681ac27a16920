"""Shared fixtures for the harness's own tests."""
