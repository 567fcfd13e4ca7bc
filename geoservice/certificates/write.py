"""Creating, changing and deleting certificates: one transaction, audited, version bumped.

A geometry change resets the verdict to 'unchecked' and emits CERTIFICATE_GEOMETRY_CHANGED so
the checks run again; nothing changes once a certificate is in a statement or submitted.
"""

from __future__ import annotations

import json
from typing import Any

from shapely import wkb as shapely_wkb
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from geoservice import events
from geoservice.accounts import audit
from geoservice.accounts.principal import Principal
from geoservice.certificates import plausibility
from geoservice.certificates.model import Certificate
from geoservice.certificates.read import visible_row
from geoservice.certificates.rules import ensure_editable
from geoservice.certificates.schemas import CertificatePatch
from geoservice.certificates.store import insert_certificate
from geoservice.errors import Conflict, ValidationFailed
from geoservice.spatial.geojson import ParsedGeometry, parse_geometry

ENTITY = "certificate"
_SCALARS = ("issued_on", "valid_until", "felling_from", "felling_to", "place", "status")
_AREA_FIELDS = ("cadastral_designation", "quarter", "compartment", "sub_compartment",
                "felling_type", "execution_method")


def duplicate(ca_number: str, existing_id: str | None = None) -> Conflict:
    """409 naming the number, with the existing certificate's id so a screen can link to it."""
    detail: dict[str, Any] = {"field": "ca_number", "value": ca_number}
    if existing_id:
        detail["certificate_id"] = existing_id
    return Conflict(f"Your organisation already has certificate {ca_number}; open it instead "
                    "of adding it again.", code="certificate_exists", details=[detail])


def existing_id(conn: Connection, org_id: str, ca_number: str) -> str | None:
    """The id of the organisation's certificate with this number, if it has one."""
    found = conn.execute(
        text("SELECT id::text FROM certificates WHERE organisation_id = CAST(:org AS uuid) "
             "AND ca_number = :ca"), {"org": org_id, "ca": ca_number}).scalar()
    return str(found) if found else None


def summary(cert: Certificate) -> dict[str, Any]:
    """What the audit log keeps about a new certificate."""
    return {"ca_number": cert.ca_number, "source": cert.source,
            "areas": [{"cirsma": a.cirsma, "cadastral_designation": a.cadastral_designation,
                       "area_ha": round(a.geometry.area / 10_000, 4),
                       "volumes": {str(v.species_code): v.m3 for v in a.volumes},
                       "products": {p.hs_code: p.m3 for p in a.products},
                       **({"warnings_confirmed": [{"code": w["code"], "params": w["params"],
                                                   "reason": w["reason"]}
                                                  for w in a.confirmed_warnings]}
                          if a.confirmed_warnings else {})} for a in cert.areas]}


def confirm_plausible(conn: Connection, principal: Principal, cert: Certificate,
                      confirmations: list[Any], *, sliver_ha: float, lang: str) -> None:
    """A certificate typed or drawn by hand: every plausibility warning confirmed with a
    reason (kept with its area), else 422 ``plausibility_unconfirmed`` listing them."""
    found = [w for i, a in enumerate(cert.areas) for w in plausibility.area_warnings(
        conn, f"areas[{i}]", cadastral_designation=a.cadastral_designation, quarter=a.quarter,
        compartment=a.compartment, felling_type=a.felling_type,
        execution_method=a.execution_method, geometry=a.geometry, sliver_ha=sliver_ha)]
    for kept in plausibility.confirmed(found, confirmations, lang, actor=principal.email):
        cert.areas[plausibility.area_index(kept["field"])].confirmed_warnings.append(kept)


def create(conn: Connection, principal: Principal, cert: Certificate) -> str:
    """Insert a checked certificate into the principal's organisation; 409 on a duplicate."""
    exists = existing_id(conn, principal.organisation_id, cert.ca_number)
    if exists:
        raise duplicate(cert.ca_number, exists)
    try:
        with conn.begin_nested():
            cert_id = insert_certificate(conn, principal.organisation_id, cert, principal.user_id)
    except IntegrityError as e:
        if "certificates_organisation_id_ca_number_key" in str(e.orig):
            raise duplicate(cert.ca_number,
                            existing_id(conn, principal.organisation_id, cert.ca_number)) from None
        raise
    audit.record(conn, principal, entity=ENTITY, entity_id=cert_id, action="created",
                 changes=summary(cert))
    # A new certificate is checked in the same transaction: it is saved with its verdict.
    events.emit(events.CERTIFICATE_GEOMETRY_CHANGED, conn, certificate_id=cert_id,
                principal=principal)
    return cert_id


def bump(conn: Connection, cert_id: str, *, reset_verdict: bool = False) -> None:
    conn.execute(text(
        "UPDATE certificates SET version = version + 1, updated_at = now()"
        + (", verdict = 'unchecked', checked_at = NULL" if reset_verdict else "")
        + " WHERE id = CAST(:id AS uuid)"), {"id": cert_id})


def patch(conn: Connection, principal: Principal, cert_id: str, body: CertificatePatch,
          *, sliver_ha: float = 0.05, lang: str = "lv") -> str:
    """Apply the change; felling-area edits must have their plausibility warnings confirmed."""
    row = visible_row(conn, principal, cert_id, lock=True)
    cert_id = row["id"]
    ensure_editable(row["status"], row["ca_number"], "data",
                    correctable=row["correctable"])
    current = dict(conn.execute(text(
        f"SELECT {', '.join(_SCALARS)} FROM certificates WHERE id = CAST(:id AS uuid)"),
        {"id": cert_id}).mappings().one())
    changes: dict[str, Any] = {}
    for name in _SCALARS:
        if name in body.model_fields_set and name != "status" or (
                name == "status" and body.status is not None):
            new = getattr(body, name)
            if new is None and name in ("issued_on", "valid_until"):
                raise ValidationFailed(f"{name}: a certificate always has this date; send one "
                                       "or leave the field out.", code="date_required",
                                       details=[{"field": name}])
            if new != current[name]:
                changes[name] = [current[name], new]
                current[name] = new
    if current["valid_until"] < current["issued_on"]:
        raise ValidationFailed(f"valid_until: {current['valid_until']} is before issued_on "
                               f"{current['issued_on']}.", code="dates_inconsistent",
                               details=[{"field": "valid_until"}])
    if changes:
        sets = ", ".join(f"{k} = :{k}" for k in changes)
        conn.execute(text(f"UPDATE certificates SET {sets} WHERE id = CAST(:id AS uuid)"),
                     {"id": cert_id, **{k: current[k] for k in changes}})
    geometry_changed = False
    for i, area in enumerate(body.areas):
        field = f"areas[{i}]"
        old = conn.execute(text(
            f"SELECT id::text AS id, {', '.join(_AREA_FIELDS)}, area_ha::float8 AS area_ha, "
            "ST_AsBinary(geom) AS wkb, confirmed_warnings "
            "FROM felling_areas WHERE certificate_id = CAST(:c AS uuid) AND cirsma = :n"),
            {"c": cert_id, "n": area.cirsma}).mappings().first()
        if old is None:
            raise ValidationFailed(f"{field}.cirsma: the certificate has no felling area "
                                   f"{area.cirsma}.", code="area_not_found",
                                   details=[{"field": f"{field}.cirsma"}])
        area_changes: dict[str, Any] = {}
        for name in _AREA_FIELDS:
            if name in area.model_fields_set and (name == "sub_compartment"
                                                  or getattr(area, name) is not None):
                new = getattr(area, name)
                if new != old[name]:
                    area_changes[name] = [old[name], new]
        parsed = None if area.geometry is None else parse_geometry(
            area.geometry, body.crs, field=f"{field}.geometry")
        if area_changes or parsed is not None:
            kept = _plausible(conn, field, old, area_changes, parsed, body, principal,
                              sliver_ha=sliver_ha, lang=lang)
            if kept:
                area_changes["warnings_confirmed"] = [
                    {"code": k["code"], "params": k["params"], "reason": k["reason"]}
                    for k in kept]
        if area_changes:
            sets = ", ".join(f"{k} = :{k}" for k in area_changes if k in _AREA_FIELDS)
            if sets:
                conn.execute(text(f"UPDATE felling_areas SET {sets} WHERE id = CAST(:id AS uuid)"),
                             {"id": old["id"], **{k: v[1] for k, v in area_changes.items()
                                                  if k in _AREA_FIELDS}})
        if parsed is not None:
            # The area as the insert computes it: PostGIS, EPSG:3059, ha to 4 decimals.
            new_ha = conn.execute(text(
                "UPDATE felling_areas SET geom = ST_Multi(ST_GeomFromWKB(:wkb, 3059)), "
                "area_ha = round((ST_Area(ST_GeomFromWKB(:wkb, 3059)) / 10000)::numeric, 4), "
                "verdict = 'unchecked' WHERE id = CAST(:id AS uuid) RETURNING area_ha::float8"),
                {"wkb": parsed.geometry.wkb, "id": old["id"]}).scalar_one()
            area_changes["geometry"] = {"area_ha": [old["area_ha"], new_ha],
                                        "repaired": parsed.repaired}
            geometry_changed = True
        if area_changes:
            changes[f"cirsma {area.cirsma}"] = area_changes
    if not changes:
        return cert_id
    bump(conn, cert_id, reset_verdict=geometry_changed)
    audit.record(conn, principal, entity=ENTITY, entity_id=cert_id,
                 action="geometry_changed" if geometry_changed else "updated", changes=changes,
                 organisation_id=row["organisation_id"])
    if geometry_changed:
        events.emit(events.CERTIFICATE_GEOMETRY_CHANGED, conn, certificate_id=cert_id,
                    principal=principal)
    return cert_id


def delete(conn: Connection, principal: Principal, cert_id: str) -> None:
    row = visible_row(conn, principal, cert_id, lock=True)
    ensure_editable(row["status"], row["ca_number"], "record")
    try:
        with conn.begin_nested():
            conn.execute(text("DELETE FROM certificates WHERE id = CAST(:id AS uuid)"),
                         {"id": row["id"]})
    except IntegrityError:
        raise Conflict(f"Certificate {row['ca_number']} is used by a due diligence statement "
                       "or a charge; remove it from the statement first.",
                       code="certificate_in_use") from None
    audit.record(conn, principal, entity=ENTITY, entity_id=row["id"], action="deleted",
                 changes={"ca_number": row["ca_number"]},
                 organisation_id=row["organisation_id"])


def _plausible(conn: Connection, field: str, old: Any, area_changes: dict[str, Any],
               parsed: ParsedGeometry | None, body: CertificatePatch, principal: Principal,
               *, sliver_ha: float, lang: str) -> list[dict[str, Any]]:
    """Warnings about the area as it will be, minus those confirmed before for the same values;
    the new confirmations are stored with the area. 422 when one is not confirmed."""
    current = {name: (area_changes[name][1] if name in area_changes else old[name])
               for name in _AREA_FIELDS}
    geometry = parsed.geometry if parsed is not None else shapely_wkb.loads(bytes(old["wkb"]))
    earlier = list(old["confirmed_warnings"] or [])
    found = [w for w in plausibility.area_warnings(
        conn, field, cadastral_designation=current["cadastral_designation"],
        quarter=current["quarter"], compartment=current["compartment"],
        felling_type=current["felling_type"], execution_method=current["execution_method"],
        geometry=geometry, sliver_ha=sliver_ha)
        if not any(e.get("code") == w.code and e.get("params") == w.params for e in earlier)]
    kept = plausibility.confirmed(found, body.confirm_warnings, lang, actor=principal.email)
    if kept:
        codes = {k["code"] for k in kept}
        stored = [e for e in earlier if e.get("code") not in codes] + kept
        conn.execute(text("UPDATE felling_areas SET confirmed_warnings = CAST(:w AS jsonb) "
                          "WHERE id = CAST(:id AS uuid)"),
                     {"w": json.dumps(stored, default=str), "id": old["id"]})
    return kept
