"""Organisations' own XML mappings, stored per organisation and chosen by name.

An uploaded mapping has the keys of the built-in TOML files (``mapping.py``) and is validated
before it is stored; the error names the bad key or XPath. Names of built-in mappings and
``auto`` are reserved. A mapping belongs to one organisation: another tenant asking for it by
name gets the same answer as for a name that does not exist.
"""

from __future__ import annotations

import json
import tomllib
from typing import Any

from sqlalchemy import Connection, text

from geoservice.accounts import audit
from geoservice.accounts.principal import Principal
from geoservice.errors import BadRequest, Conflict, NotFound, ValidationFailed
from geoservice.references import mapping
from geoservice.references.mapping import Mapping, MappingInvalid
from geoservice.references.say import say

AUTO = "auto"
MAX_PER_ORGANISATION = 50


def parse_upload(raw: bytes, content_type: str, name: str | None) -> tuple[str, dict[str, Any]]:
    """(name, definition) of an upload: TOML (``?name=``) or JSON (``{"name": …, keys…}``)."""
    try:
        body = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequest(say("malformed_mapping", form="UTF-8", detail="-"),
                         code="malformed_mapping") from None
    if content_type.startswith("application/json"):
        try:
            data = json.loads(body)
        except json.JSONDecodeError as exc:
            raise BadRequest(say("malformed_mapping", form="JSON", detail=str(exc)),
                             code="malformed_mapping") from None
        if not isinstance(data, dict):
            raise BadRequest("Send the mapping as a JSON object.", code="malformed_mapping")
        name = name or data.pop("name", None)
        data.pop("name", None)
    else:
        try:
            data = tomllib.loads(body)
        except tomllib.TOMLDecodeError as exc:
            raise BadRequest(say("malformed_mapping", form="TOML", detail=str(exc)),
                             code="malformed_mapping") from None
    if not isinstance(name, str) or not mapping.valid_name(name):
        raise ValidationFailed(say("mapping_name", value=repr(name)),
                               code="invalid_mapping_name", details=[{"field": "name"}])
    if name == AUTO or name in mapping.available():
        raise Conflict(say("mapping_name_taken", name=repr(name)), code="mapping_name_taken")
    mapping.from_definition(name, data)  # raises MappingInvalid naming the bad key or XPath
    return name, data


def listing(conn: Connection, principal: Principal) -> list[dict[str, Any]]:
    where, params = principal.org_filter("organisation_id")
    rows = conn.execute(text(
        f"SELECT name, definition, updated_at FROM document_mappings WHERE {where} "
        "ORDER BY name"), params)
    return [{"name": r[0], "title": r[1].get("title", r[0]), "definition": r[1],
             "updated_at": r[2].isoformat(), "builtin": False} for r in rows]


def save(conn: Connection, principal: Principal, name: str, definition: dict[str, Any]
         ) -> bool:
    """Store (or replace) the caller's mapping; True when it is new."""
    count = conn.execute(text(
        "SELECT count(*) FROM document_mappings WHERE organisation_id = CAST(:org AS uuid) "
        "AND name <> :name"), {"org": principal.organisation_id, "name": name}).scalar_one()
    if count >= MAX_PER_ORGANISATION:
        raise Conflict(say("too_many_mappings", limit=MAX_PER_ORGANISATION),
                       code="too_many_mappings")
    inserted = conn.execute(text(
        "INSERT INTO document_mappings (organisation_id, name, definition, created_by) "
        "VALUES (CAST(:org AS uuid), :name, CAST(:definition AS jsonb), CAST(:user AS uuid)) "
        "ON CONFLICT (organisation_id, name) DO UPDATE SET definition = EXCLUDED.definition, "
        "updated_at = now() RETURNING (xmax = 0)"), {
            "org": principal.organisation_id, "name": name,
            "definition": json.dumps(definition), "user": principal.user_id}).scalar_one()
    audit.record(conn, principal, entity="document_mapping", entity_id=name,
                 action="create" if inserted else "update",
                 organisation_id=principal.organisation_id, changes={"definition": definition})
    return bool(inserted)


def delete(conn: Connection, principal: Principal, name: str) -> None:
    gone = conn.execute(text(
        "DELETE FROM document_mappings WHERE organisation_id = CAST(:org AS uuid) "
        "AND name = :name RETURNING name"),
        {"org": principal.organisation_id, "name": name}).first()
    if gone is None:
        raise NotFound(say("mapping_not_found", name=repr(name)), code="mapping_not_found")
    audit.record(conn, principal, entity="document_mapping", entity_id=name, action="delete",
                 organisation_id=principal.organisation_id)


def resolve(conn: Connection, principal: Principal, name: str) -> Mapping:
    """A built-in mapping, or the caller's own; 400 ``unknown_mapping`` for anything else."""
    if name in mapping.available():
        return mapping.load(name)
    row = mapping.valid_name(name) and conn.execute(text(
        "SELECT definition FROM document_mappings WHERE organisation_id = CAST(:org AS uuid) "
        "AND name = :name"), {"org": principal.organisation_id, "name": name}).first()
    if not row:
        own = [r["name"] for r in listing(conn, principal)] if mapping.valid_name(name) else []
        names = [*mapping.available(), AUTO, *own]
        raise BadRequest(say("unknown_mapping", name=repr(name), names=", ".join(names)),
                         code="unknown_mapping", details=[{"available": names}])
    try:
        return mapping.from_definition(name, row[0])
    except MappingInvalid as exc:  # stored before a stricter rule: say so, do not guess
        raise BadRequest(f"The stored mapping {name!r} is no longer valid: {exc.message} "
                         "Upload it again.", code="invalid_mapping") from None
