"""Write a check's outcome: a run, its findings, carried-over decisions, verdicts. Batch-wise.

Carry-over rule: a reviewer's decision (cleared or confirmed) on a finding carries over to the
new finding of the next run when both have the same rule, the same layer (any version) and the
same felling area, and the overlap differs by at most 0.01 ha or 1 %, whichever is larger. A
grown or shrunk overlap is new evidence, so that finding is open again.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import shapely
from psycopg.types.json import Jsonb
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, text

from geoservice.checks.model import (
    AreaFacts,
    CertificateFacts,
    Finding,
    Verdict,
    effective_verdict,
    worst,
)
from geoservice.checks.sql import load

_FINDING_COLUMNS = (
    ("id", "uuid"), ("organisation_id", "uuid"), ("certificate_id", "uuid"), ("area_id", "uuid"),
    ("run_id", "uuid"), ("rule", "text"), ("severity", "text"), ("layer_id", "text"),
    ("layer_version", "int4"), ("overlap_ha", "numeric"), ("overlap_percent", "numeric"),
    ("geom", "bytea"), ("message_lv", "text"), ("message_en", "text"), ("details", "jsonb"),
    ("status", "text"), ("reviewed_by", "uuid"), ("reviewed_at", "timestamptz"),
    ("review_reason", "text"),
)


def _ewkb(geom: BaseGeometry | None) -> bytes | None:
    """EPSG:3059 EWKB MultiPolygon (the column's type), or None when nothing polygonal."""
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type == "MultiPolygon":
        return bytes(shapely.to_wkb(shapely.set_srid(geom, 3059), include_srid=True))
    polygons = [p for p in shapely.get_parts(shapely.get_parts(geom))
                if p.geom_type == "Polygon" and not p.is_empty]
    if not polygons:
        return None
    multi = shapely.set_srid(MultiPolygon(polygons), 3059)
    return bytes(shapely.to_wkb(multi, include_srid=True))


def _uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


def _number(value: float | None, places: int) -> Decimal | None:
    return None if value is None else Decimal(f"{value:.{places}f}")


def _copy_findings(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Findings go in with one binary COPY: a batch writes thousands of them."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    names = ", ".join(name for name, _ in _FINDING_COLUMNS)
    with cursor.copy(f"COPY findings ({names}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types([kind for _, kind in _FINDING_COLUMNS])
        for row in rows:
            copy.write_row(row)


@dataclass
class CheckOutcome:
    certificate: CertificateFacts
    areas: list[AreaFacts]
    findings: list[Finding]
    run_id: str = ""
    verdict: Verdict = "clear"
    area_verdicts: dict[str, Verdict] | None = None


def _same(new: Finding, old: Any) -> bool:
    if new.overlap_ha is None or old.overlap_ha is None:
        return new.overlap_ha is None and old.overlap_ha is None
    previous = float(old.overlap_ha)
    return abs(new.overlap_ha - previous) <= max(0.01, 0.01 * previous)


def save(
    conn: Connection, outcomes: list[CheckOutcome], layer_versions: dict[str, int],
    thresholds: dict[str, float], by_user: str | None,
) -> None:
    if not outcomes:
        return
    ids = [o.certificate.id for o in outcomes]
    previous: dict[tuple[str | None, str, str | None], list[Any]] = {}
    for row in conn.execute(text(load("supersede.sql")), {"ids": ids}):
        if row.status in ("cleared", "confirmed"):
            previous.setdefault((row.area_id, row.rule, row.layer_id), []).append(row)
    rows = []
    for outcome in outcomes:
        cert = outcome.certificate
        outcome.run_id = str(uuid.uuid4())
        per_area: dict[str, list[Verdict]] = {a.id: [] for a in outcome.areas}
        for f in outcome.findings:
            f.id = str(uuid.uuid4())
            carried = None
            if f.severity != "info":
                carried = next((p for p in previous.get((f.area_id, f.rule, f.layer_id), [])
                                if _same(f, p)), None)
            if carried is not None:
                f.status = carried.status
                f.details = {**f.details, "decision_carried_from": carried.id}
            effect = effective_verdict(f.severity, f.status)
            if f.area_id is not None:
                per_area[f.area_id].append(effect)
            else:
                for verdicts in per_area.values():
                    verdicts.append(effect)
            rows.append((
                uuid.UUID(f.id), _uuid(cert.organisation_id), _uuid(cert.id), _uuid(f.area_id),
                _uuid(outcome.run_id), f.rule, f.severity, f.layer_id, f.layer_version,
                _number(f.overlap_ha, 4),
                _number(min(f.overlap_percent, 100.0) if f.overlap_percent is not None
                        else None, 3),
                _ewkb(f.geometry), f.message_lv, f.message_en,
                Jsonb(f.details, dumps=lambda v: json.dumps(v, default=str)), f.status,
                _uuid(carried.reviewed_by) if carried else None,
                carried.reviewed_at if carried else None,
                carried.review_reason if carried else None,
            ))
        outcome.area_verdicts = {aid: worst(v) for aid, v in per_area.items()}
        cert_level = [effective_verdict(f.severity, f.status) for f in outcome.findings]
        outcome.verdict = worst([*outcome.area_verdicts.values(), *cert_level])
    area_verdicts = [(aid, v) for o in outcomes for aid, v in (o.area_verdicts or {}).items()]
    conn.execute(text(load("record_runs.sql")), {
        "run_ids": [o.run_id for o in outcomes],
        "orgs": [o.certificate.organisation_id for o in outcomes], "certs": ids,
        "cvs": [o.certificate.version for o in outcomes],
        "verdicts": [o.verdict for o in outcomes],
        "layers": json.dumps(layer_versions), "th": json.dumps(thresholds), "by": by_user,
        "area_ids": [aid for aid, _ in area_verdicts],
        "area_verdicts": [v for _, v in area_verdicts]})
    if rows:
        _copy_findings(conn, rows)


def recompute_verdict(conn: Connection, certificate_id: str) -> Verdict:
    """Verdicts from the current findings after a review (no new run)."""
    rows = conn.execute(text(
        "SELECT area_id::text AS area_id, severity, status FROM findings "
        "WHERE certificate_id = CAST(:c AS uuid) AND status <> 'superseded'"),
        {"c": certificate_id}).all()
    area_ids = [r[0] for r in conn.execute(text(
        "SELECT id::text FROM felling_areas WHERE certificate_id = CAST(:c AS uuid)"),
        {"c": certificate_id})]
    cert_level = [effective_verdict(r.severity, r.status) for r in rows if r.area_id is None]
    per_area = {aid: worst([*cert_level, *(effective_verdict(r.severity, r.status)
                                           for r in rows if r.area_id == aid)])
                for aid in area_ids}
    verdict = worst([*per_area.values(), *cert_level])
    for aid, v in per_area.items():
        conn.execute(text("UPDATE felling_areas SET verdict = :v WHERE id = CAST(:id AS uuid)"),
                     {"v": v, "id": aid})
    conn.execute(text("UPDATE certificates SET verdict = :v WHERE id = CAST(:id AS uuid)"),
                 {"v": verdict, "id": certificate_id})
    return verdict
