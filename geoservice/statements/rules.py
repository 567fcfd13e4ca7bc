"""What must hold before a statement goes to TRACES: clear checks, a mandate, consistent data.

Each rule answers with a 4xx a person can act on. ``ensure_submittable`` runs in the API on
submit and again in the worker right before sending.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from geoservice.errors import Conflict, ValidationFailed

VOLUME_TOLERANCE_M3 = 0.001
Gate = Callable[[Connection, str], tuple[bool, str]]

_CERTS = text("""
SELECT c.id::text AS id, c.ca_number, c.verdict, c.version, sc.certificate_version
FROM statement_certificates sc JOIN certificates c ON c.id = sc.certificate_id
WHERE sc.statement_id = CAST(:sid AS uuid) ORDER BY c.ca_number
""")
_OPEN_FINDINGS = text("""
SELECT count(*) FROM findings
WHERE certificate_id = CAST(:cid AS uuid) AND status = 'open' AND severity IN ('flag', 'block')
""")
_VOLUMES = text("""
SELECT c.ca_number, a.cirsma,
       coalesce((SELECT sum(m3) FROM area_volumes v WHERE v.area_id = a.id), 0)::float AS vol,
       coalesce((SELECT sum(m3) FROM area_products p WHERE p.area_id = a.id), 0)::float AS prod
FROM statement_certificates sc
JOIN felling_areas a ON a.certificate_id = sc.certificate_id
JOIN certificates c ON c.id = a.certificate_id
WHERE sc.statement_id = CAST(:sid AS uuid) ORDER BY c.ca_number, a.cirsma
""")
_MANDATE = text("""
SELECT 1 FROM mandates WHERE organisation_id = CAST(:org AS uuid) AND status = 'active'
  AND valid_from <= :today AND valid_until >= :today LIMIT 1
""")


def _checks_gate() -> Gate | None:
    """The checks engineer's ``submittable(conn, certificate_id)``, once it exists."""
    for name in ("geoservice.checks.review", "geoservice.checks"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        gate = getattr(module, "submittable", None)
        if callable(gate):
            return gate  # type: ignore[no-any-return]
    return None


def certificate_clear(conn: Connection, certificate_id: str, verdict: str) -> tuple[bool, str]:
    gate = _checks_gate()
    if gate is not None:
        return gate(conn, certificate_id)
    if verdict != "clear":
        return False, f"the check verdict is {verdict}, not clear"
    if conn.execute(_OPEN_FINDINGS, {"cid": certificate_id}).scalar_one():
        return False, "it has open findings to review"
    return True, ""


def has_active_mandate(conn: Connection, org_id: str, today: date | None = None) -> bool:
    found = conn.execute(_MANDATE, {"org": org_id, "today": today or date.today()}).first()
    return found is not None


def ensure_mandate(conn: Connection, org_id: str) -> None:
    if not has_active_mandate(conn, org_id):
        raise Conflict(
            "The organisation has no active mandate authorising us to submit statements to "
            "TRACES on its behalf: upload the signed authorisation and wait for activation.",
            code="mandate_required")


def ensure_submittable(conn: Connection, statement_id: str, org_id: str) -> None:
    """Raise the first kind of problem found (changed, not clear, volumes, mandate)."""
    certs = conn.execute(_CERTS, {"sid": statement_id}).mappings().all()
    changed = [c for c in certs if c["version"] != c["certificate_version"]]
    if changed:
        raise Conflict(
            "certificate changed after the statement was prepared; rebuild ("
            + ", ".join(c["ca_number"] for c in changed) + ").",
            code="certificate_changed",
            details=[{"certificate_id": c["id"], "ca_number": c["ca_number"],
                      "prepared_version": c["certificate_version"], "version": c["version"]}
                     for c in changed])
    unclear: list[dict[str, Any]] = []
    for c in certs:
        ok, reason = certificate_clear(conn, c["id"], c["verdict"])
        if not ok:
            unclear.append({"certificate_id": c["id"], "ca_number": c["ca_number"],
                            "reason": reason})
    if unclear:
        raise Conflict(
            "Only certificates whose checks are clear (or cleared by review) can be submitted: "
            + "; ".join(f"{u['ca_number']}: {u['reason']}" for u in unclear) + ".",
            code="certificate_not_clear", details=unclear)
    ensure_volumes(conn, statement_id)
    ensure_mandate(conn, org_id)


def ensure_volumes(conn: Connection, statement_id: str) -> None:
    """Per felling area the product volumes must add up to the species volumes."""
    bad = [dict(r) for r in conn.execute(_VOLUMES, {"sid": statement_id}).mappings()
           if abs(r["vol"] - r["prod"]) > VOLUME_TOLERANCE_M3 or r["prod"] <= 0]
    if bad:
        raise ValidationFailed(
            "Product volumes must add up to the species volumes of each felling area: "
            + "; ".join(f"CA {b['ca_number']} cirsma {b['cirsma']}: products {b['prod']:g} m³, "
                        f"species {b['vol']:g} m³" for b in bad) + ".",
            code="volumes_inconsistent",
            details=[{"ca_number": b["ca_number"], "cirsma": b["cirsma"],
                      "products_m3": b["prod"], "volumes_m3": b["vol"]} for b in bad])
