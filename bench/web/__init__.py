"""Benchmark of the web client's map view (issue 6)."""
