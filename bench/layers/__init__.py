"""Benchmark of national layers fetched from their sources (issue 12): WFS, COG, re-check."""
