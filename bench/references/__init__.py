"""Benchmark of the reference look-ups for buyers (issue 8)."""
