"""EUDR due diligence service for Latvian timber."""

__version__ = "0.1.0"
