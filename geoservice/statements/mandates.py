"""Mandates: the client's signed authorisation for us to act for it in TRACES.

An upload must be a PDF (``%PDF-``) or an e-signed container (.edoc/.asice: a ZIP with a
``mimetype`` entry); a service admin activates it with validity dates. Only an active mandate
valid today lets statements be submitted.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from geoservice.accounts.principal import Principal
from geoservice.errors import Conflict, NotFound, ValidationFailed
from geoservice.ids import canonical

PDF = "application/pdf"
ASICE = "application/vnd.etsi.asic-e+zip"
_COLUMNS = ("m.id::text AS id, m.organisation_id::text AS organisation_id, m.filename, "
            "m.content_type, m.sha256, m.status, m.valid_from, m.valid_until, m.uploaded_at, "
            "m.activated_at, length(m.content) AS size_bytes")


def sniff(content: bytes, filename: str) -> str:
    """The content type by magic bytes; 422 for anything but a PDF or a signed container."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = archive.namelist()
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip() \
                    if "mimetype" in names else None
        except (zipfile.BadZipFile, KeyError, ValueError):
            mimetype = None
        if mimetype:
            return mimetype if mimetype.startswith("application/") else ASICE
    raise ValidationFailed(
        f"{filename or 'The file'} is neither a PDF nor an e-signed container (.edoc/.asice); "
        "upload the signed authorisation as one of those.", code="mandate_file_type")


def create(conn: Connection, principal: Principal, org_id: str, filename: str,
           content: bytes) -> str:
    if not content:
        raise ValidationFailed("The uploaded file is empty.", code="mandate_file_empty")
    content_type = sniff(content, filename)
    return str(conn.execute(text(
        "INSERT INTO mandates (organisation_id, filename, content_type, content, sha256, "
        "uploaded_by) VALUES (CAST(:o AS uuid), :f, :ct, :c, :h, CAST(:u AS uuid)) RETURNING id"),
        {"o": org_id, "f": filename[:200] or "mandate", "ct": content_type, "c": content,
         "h": hashlib.sha256(content).hexdigest(), "u": principal.user_id}).scalar_one())


def load(conn: Connection, principal: Principal, mandate_id: str) -> dict[str, Any]:
    where, params = principal.org_filter("m.organisation_id")
    mid = canonical(mandate_id)
    row = mid and conn.execute(text(
        f"SELECT {_COLUMNS} FROM mandates m WHERE m.id = CAST(:id AS uuid) AND {where}"),
        {"id": mid, **params}).mappings().first()
    if not row:
        raise NotFound(f"Mandate {mandate_id} was not found.", code="mandate_not_found")
    return dict(row)


def listing(conn: Connection, principal: Principal) -> list[dict[str, Any]]:
    where, params = principal.org_filter("m.organisation_id")
    rows = conn.execute(text(f"SELECT {_COLUMNS} FROM mandates m WHERE {where} "
                             "ORDER BY m.uploaded_at DESC, m.id"), params).mappings()
    return [dict(r) for r in rows]


def content(
    conn: Connection, principal: Principal, mandate_id: str
) -> tuple[dict[str, Any], bytes]:
    row = load(conn, principal, mandate_id)
    data = conn.execute(text("SELECT content FROM mandates WHERE id = CAST(:id AS uuid)"),
                        {"id": row["id"]}).scalar_one()
    return row, bytes(data)


def activate(conn: Connection, principal: Principal, mandate_id: str, valid_from: date,
             valid_until: date) -> dict[str, Any]:
    if valid_until < valid_from:
        raise ValidationFailed(
            f"valid_until ({valid_until}) is before valid_from ({valid_from}).",
            code="invalid_validity", details=[{"field": "valid_until"}])
    row = load(conn, principal, mandate_id)
    if row["status"] == "revoked":
        raise Conflict("A revoked mandate cannot be activated; upload a new one.",
                       code="mandate_revoked")
    conn.execute(text(
        "UPDATE mandates SET status = 'active', valid_from = :f, valid_until = :u, "
        "activated_by = CAST(:by AS uuid), activated_at = now() WHERE id = CAST(:id AS uuid)"),
        {"f": valid_from, "u": valid_until, "by": principal.user_id, "id": row["id"]})
    return load(conn, principal, mandate_id)
