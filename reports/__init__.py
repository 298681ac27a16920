"""Reads the harness's result files and turns them into tables, plots and verdicts."""
