"""Who may read which collection: tenants their own rows, layers every logged-in user.

Felling areas and findings need a principal (their rows are then filtered by
``Principal.org_filter``); land-use layers are readable by every logged-in user, and by
anonymous clients when ``GEOSERVICE_LAYERS_PUBLIC=true``.
"""

from __future__ import annotations

from sqlalchemy import Connection

from geoservice.accounts.principal import Principal
from geoservice.errors import Unauthorized
from geoservice.ogc.collections import Collection, all_collections, get_collection


def may_read(c: Collection, principal: Principal | None, layers_public: bool) -> bool:
    if principal is not None:
        return True
    return c.is_layer and layers_public


def readable(conn: Connection, collection_id: str, principal: Principal | None,
             layers_public: bool) -> Collection:
    """The collection, or 404 when unknown and 401 when the request must log in first."""
    c = get_collection(conn, collection_id)
    if not may_read(c, principal, layers_public):
        raise Unauthorized(f"Log in or send an API token (Authorization: Bearer …) to read "
                           f"{c.id}.", code="unauthorized")
    return c


def listed(conn: Connection, principal: Principal | None, layers_public: bool) -> list[Collection]:
    return [c for c in all_collections(conn) if may_read(c, principal, layers_public)]
