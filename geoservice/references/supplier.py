"""The supplier's side of EUDR-X: one of its statements as the document for a delivered item.

The statement must belong to the caller's organisation (another tenant's id answers like a
missing one) and be available in TRACES, since ``C716`` declares that the DDS is available.
The operator block comes from the organisation profile; fields the standard requires and the
profile lacks are a 409 naming them, so the profile is completed once rather than guessed.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, text

from geoservice.accounts.principal import Principal
from geoservice.errors import Conflict, NotFound, ValidationFailed
from geoservice.ids import canonical
from geoservice.references import eudrx
from geoservice.references.say import say

_FIELD = 100


def _param(name: str, value: str | None, required: bool) -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            raise ValidationFailed(say("missing_param", name=name), code=f"missing_{name}",
                                   details=[{"field": name}])
        return None
    if len(cleaned) > _FIELD or any(ord(c) < 32 for c in cleaned):
        raise ValidationFailed(say("invalid_param", name=name, value=repr(cleaned[:40]),
                                   limit=_FIELD), code=f"invalid_{name}",
                               details=[{"field": name}])
    return cleaned


def operator_block(conn: Connection, organisation_id: str) -> dict[str, Any]:
    row = conn.execute(text(
        "SELECT id::text, name, street, postal_code, city, country, contact_name, email, phone, "
        "eudr_role FROM organisations WHERE id = CAST(:id AS uuid)"),
        {"id": organisation_id}).mappings().one()
    needed = ("street", "postal_code", "city", "country", "contact_name", "email", "phone",
              "eudr_role")
    missing = [k for k in needed if not (row[k] or "").strip()]
    if missing:
        raise Conflict(
            say("profile_incomplete", fields=", ".join(missing), id=row["id"]),
            code="profile_incomplete", details=[{"field": k} for k in missing])
    return {"company_name": row["name"],
            "address": {"street": row["street"], "postal_code": row["postal_code"],
                        "city": row["city"], "country": row["country"]},
            "contact_person": {"name": row["contact_name"], "email": row["email"],
                               "phone": row["phone"]},
            "eudr_role": row["eudr_role"]}


def document(conn: Connection, principal: Principal, statement_id: str, *,
             order: str | None, item: str | None, hs_code: str | None = None,
             container: str | None = None) -> dict[str, Any]:
    """The validated EUDR-X document of one statement for one order item."""
    order_ref = _param("order", order, True)
    item_ref = _param("item", item, True)
    sscc = _param("sscc", container, False)
    if hs_code is not None and not eudrx.HS_CODE.match(hs_code.strip()):
        raise ValidationFailed(say("invalid_hs", value=repr(hs_code)), code="invalid_hs",
                               details=[{"field": "hs"}])
    where, params = principal.org_filter("organisation_id")
    sid = canonical(statement_id)
    row = sid and conn.execute(text(
        f"SELECT organisation_id::text, status, reference_number, verification_number, "
        f"internal_reference FROM statements WHERE id = CAST(:id AS uuid) AND {where}"),
        {"id": sid, **params}).mappings().first()
    if not row:
        raise NotFound(say("statement_not_found", id=statement_id), code="statement_not_found")
    if row["status"] != "available" or not row["reference_number"]:
        raise Conflict(say("statement_not_available", id=statement_id, status=row["status"]),
                       code="statement_not_available")
    doc = eudrx.build(
        operator=operator_block(conn, row["organisation_id"]), order=str(order_ref),
        item=str(item_ref), production=row["internal_reference"],
        statements=[(row["reference_number"], row["verification_number"], sscc)],
        hs_code=hs_code.strip() if hs_code else None,
        identifier=str(uuid.uuid4()))
    return eudrx.validate(doc)
