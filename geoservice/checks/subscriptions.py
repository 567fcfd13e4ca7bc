"""Re-check when the inputs of a verdict change: a certificate's geometry or a layer.

A changed certificate is re-checked at once, in the same transaction. A replaced layer
re-checks the certificates whose areas meet what the version changed (``recheck``) at once when
there are at most ``RECHECK_NOW_LIMIT`` of them; a bigger batch would hold the import's
transaction too long, so those certificates go into ``check_queue`` (``submittable`` refuses
them meanwhile), and ``geoservice layers fetch`` (right after its commit), ``layers recheck`` or
``check --queued`` works through them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from geoservice import events
from geoservice.checks import recheck
from geoservice.checks.runner import check_certificates

RECHECK_NOW_LIMIT = 200


def on_geometry_changed(conn: Connection, *, certificate_id: str, **_: Any) -> None:
    check_certificates(conn, [str(certificate_id)])


def on_layer_replaced(conn: Connection, *, layer_id: str, version: int,
                      previous: int | None = None, **_: Any) -> None:
    """Re-check what the new version changed (``recheck``): now when small, else queued."""
    recheck.start(conn, layer_id, version, previous, now_limit=RECHECK_NOW_LIMIT)


events.subscribe(events.CERTIFICATE_GEOMETRY_CHANGED, on_geometry_changed)
events.subscribe(events.LAYER_REPLACED, on_layer_replaced)
