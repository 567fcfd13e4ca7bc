"""API tokens: random, shown once, stored as SHA-256 (high entropy needs no slow hash)."""

from __future__ import annotations

import hashlib
import secrets

PREFIX = "gs_"


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def token_prefix(token: str) -> str:
    """The first characters, stored so a person can recognise a token in a list."""
    return token[:10]
