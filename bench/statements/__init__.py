"""Benchmark of statements: building 100 certificates, and the worker against the simulator."""
