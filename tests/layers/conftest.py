"""Fixtures of the layer tests: a private layers folder with the demo manifest."""

from __future__ import annotations






