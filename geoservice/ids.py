"""Ids from URLs and bodies: compare them as uuid, so that lookups use the primary-key index.

``c.id::text = :id`` accepts any string without a cast error, but it cannot use the index: every
lookup read the whole table (certificates, statements, findings…). Parse first; anything that is
not a UUID is simply not found.
"""

from __future__ import annotations

import uuid


def canonical(value: object) -> str | None:
    """The id as canonical UUID text, or None when it is not a UUID."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None
