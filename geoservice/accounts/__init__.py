"""Organisations, users, roles, API tokens and the principal a request acts as."""
