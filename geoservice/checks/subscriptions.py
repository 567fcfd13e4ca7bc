"""Re-check when the inputs of a verdict change: a certificate's geometry or a layer.

A changed certificate is re-checked at once, in the same transaction. A replaced layer
re-checks the certificates whose areas meet the layer's extent at once when there are at most
``RECHECK_NOW_LIMIT`` of them; a bigger batch would hold the import's transaction too long, so
those certificates go into ``check_queue`` (``submittable`` refuses them meanwhile) and
``geoservice check --queued`` (or ``--all``) checks them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from geoservice import events
from geoservice.checks.runner import check_certificates

RECHECK_NOW_LIMIT = 200


def on_geometry_changed(conn: Connection, *, certificate_id: str, **_: Any) -> None:
    check_certificates(conn, [str(certificate_id)])


def on_layer_replaced(conn: Connection, *, layer_id: str, version: int, **_: Any) -> None:
    ids = [r[0] for r in conn.execute(text(
        "SELECT DISTINCT a.certificate_id::text FROM felling_areas a "
        "JOIN layer_versions v ON v.layer_id = :layer AND v.version = :version "
        "WHERE v.extent IS NULL OR a.geom && v.extent"),
        {"layer": layer_id, "version": version})]
    if not ids:
        return
    if len(ids) <= RECHECK_NOW_LIMIT:
        check_certificates(conn, ids)
        return
    conn.execute(text(
        "INSERT INTO check_queue (certificate_id, reason) "
        "SELECT id, :reason FROM unnest(CAST(:ids AS uuid[])) AS id "
        "ON CONFLICT (certificate_id) DO UPDATE SET reason = EXCLUDED.reason, queued_at = now()"),
        {"ids": ids, "reason": f"layer {layer_id} v{version}"})


events.subscribe(events.CERTIFICATE_GEOMETRY_CHANGED, on_geometry_changed)
events.subscribe(events.LAYER_REPLACED, on_layer_replaced)
