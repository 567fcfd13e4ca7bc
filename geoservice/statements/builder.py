"""Builds the TRACES statement (DDS or simplified declaration) of a set of certificates.

One commodity per HS code with the summed volume (m³, MTQ, the legal 10 % deviation), the
species of the contributing areas, and one producer per felling area whose GeoJSON is built by
``geoservice.traces.geojson`` (rounded, validated, holes cut open). Limits are checked here, so
nothing over them is ever queued.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import shapely
from sqlalchemy import Connection, text

from geoservice.certificates.species import SPECIES
from geoservice.errors import ValidationFailed
from geoservice.traces.geojson import GeoJsonError, Plot, build_producer_geojson, encoded_size
from geoservice.traces.limits import (
    MAX_GEO_BYTES,
    MAX_PRODUCERS_PER_COMMODITY,
    LimitReport,
    check_limits,
)
from geoservice.traces.model import (
    LATVIAN_DEVIATION_PERCENT,
    Commodity,
    Producer,
    RepresentedOperator,
    SdCommodity,
    SdProducer,
    SimplifiedDeclaration,
    SpeciesInfo,
    Statement,
)

_AREAS = text(resources.files("geoservice.statements").joinpath("areas.sql").read_text())
_ORG = text("SELECT name, reg_no, vat_no, eori, street, city, postal_code, country, email, "
            "phone, declaration_kind FROM organisations WHERE id = CAST(:org AS uuid)")
DESCRIPTIONS = {"4403": "Apaļkoksne / wood in the rough", "4401": "Malka / fuel wood"}


@dataclass(frozen=True)
class AreaRow:
    area_id: str
    certificate_id: str
    ca_number: str
    certificate_version: int
    cirsma: int
    cadastral_designation: str
    area_ha: float
    wkb: bytes
    volumes: dict[int, float]
    products: dict[str, float]

    @property
    def label(self) -> str:
        return f"CA {self.ca_number} cirsma {self.cirsma}, kad. {self.cadastral_designation}"


@dataclass
class Built:
    """What will be sent, with the warnings of the GeoJSON builder and the limit report."""

    kind: str
    statement: Statement | SimplifiedDeclaration
    areas: list[AreaRow]
    producers: dict[str, dict[str, Any]]
    limits: LimitReport
    warnings: list[str] = field(default_factory=list)
    # Areas whose outline cannot be sent (only filled when built with ``strict=False``).
    geometry_problems: list[dict[str, Any]] = field(default_factory=list)


def load_areas(conn: Connection, org_id: str, certificate_ids: list[str]) -> list[AreaRow]:
    rows = conn.execute(_AREAS, {"ids": certificate_ids, "org": org_id}).mappings()
    return [
        AreaRow(r["area_id"], r["certificate_id"], r["ca_number"], r["version"], r["cirsma"],
                r["cadastral_designation"], r["area_ha"], bytes(r["wkb"]),
                {int(c): float(m) for c, m in r["volumes"]},
                {str(h): float(m) for h, m in r["products"]})
        for r in rows
    ]


def represented_operator(conn: Connection, org_id: str) -> tuple[RepresentedOperator, str]:
    """The organisation as ``representedOperator``, and its declaration kind."""
    org = conn.execute(_ORG, {"org": org_id}).mappings().one()
    if org["eori"]:
        ident: tuple[Any, str] = ("eori", org["eori"])
    elif org["vat_no"]:
        ident = ("vat", org["vat_no"])
    else:
        ident = ("comp_reg", org["reg_no"])
    operator = RepresentedOperator(
        name=org["name"], identifier_type=ident[0], identifier_value=ident[1],
        country=(org["country"] or "LV").strip(), street=org["street"],
        postal_code=org["postal_code"], city=org["city"], email=org["email"], phone=org["phone"],
    )
    return operator, str(org["declaration_kind"])


def build(
    conn: Connection,
    org_id: str,
    certificate_ids: list[str],
    internal_reference: str,
    *,
    representative: bool = True,
    max_geo_bytes: int = MAX_GEO_BYTES,
    strict: bool = True,
) -> Built:
    """Build and validate; GeoJSON problems raise ValidationFailed (422) naming each area.

    With ``strict=False`` they are kept in ``geometry_problems`` instead and the statement is
    built of the other areas, so pre-validation can list every problem at once.
    """
    operator, kind = represented_operator(conn, org_id)
    areas = load_areas(conn, org_id, certificate_ids)
    producers: dict[str, dict[str, Any]] = {}
    warnings: list[str] = []
    problems: list[dict[str, Any]] = []
    geometries = shapely.from_wkb([a.wkb for a in areas]) if areas else []
    for row, geom in zip(areas, geometries, strict=True):
        plot = Plot(geom, production_place=row.label, area_ha=row.area_ha)
        try:
            built = build_producer_geojson([plot], producer_name=operator.name,
                                           producer_country="LV")
        except GeoJsonError as exc:
            problems.extend({"area_id": row.area_id, "certificate_id": row.certificate_id,
                             "ca_number": row.ca_number, "cirsma": row.cirsma,
                             "label": row.label, "message": p} for p in exc.problems)
            continue
        producers[row.area_id] = built.geojson
        warnings.extend(built.warnings)
    if problems and strict:
        raise ValidationFailed(
            f"{len(problems)} felling area geometr{'y' if len(problems) == 1 else 'ies'} cannot "
            "be sent to TRACES as they are; correct the outline.",
            code="geometry_not_sendable", details=problems)
    sendable = [a for a in areas if a.area_id in producers]
    statement = _assemble(kind, internal_reference, sendable, producers,
                          operator if representative else None)
    report = check_limits(_as_dds(statement), max_geo_bytes=max_geo_bytes)
    return Built(kind, statement, sendable, producers, report, warnings, problems)


def _assemble(
    kind: str,
    internal_reference: str,
    areas: list[AreaRow],
    producers: dict[str, dict[str, Any]],
    operator: RepresentedOperator | None,
) -> Statement | SimplifiedDeclaration:
    volume: dict[str, float] = defaultdict(float)
    contributors: dict[str, list[AreaRow]] = defaultdict(list)
    for row in areas:
        for hs, m3 in row.products.items():
            if m3 > 0:
                volume[hs] += m3
                contributors[hs].append(row)
    commodities: list[Any] = []
    for position, hs in enumerate(sorted(volume), 1):
        rows = contributors[hs]
        description = DESCRIPTIONS.get(hs[:4], f"Koksne / wood HS {hs}")
        m3 = round(volume[hs], 3)
        if kind == "simplified":
            commodities.append(SdCommodity(
                position, description, hs, m3,
                percentage_estimation_or_deviation=LATVIAN_DEVIATION_PERCENT,
                producers=[SdProducer(i, "LV", operator.name if operator else None,
                                      geometry_geojson=producers[r.area_id])
                           for i, r in enumerate(rows, 1)]))
            continue
        codes = sorted({c for r in rows for c, v in r.volumes.items() if v > 0})
        commodities.append(Commodity(
            position, description, hs, m3,
            species=[_species_info(c) for c in codes],
            producers=[Producer(i, "LV", operator.name if operator else None,
                                producers[r.area_id]) for i, r in enumerate(rows, 1)]))
    if kind == "simplified":
        return SimplifiedDeclaration(internal_reference, represented_operator=operator,
                                     commodities=commodities)
    return Statement(internal_reference, represented_operator=operator, commodities=commodities)


def _species_info(code: int) -> SpeciesInfo:
    """Names of a register species; an unknown code gets empty names, which the TRACES rules
    (and so pre-validation) refuse, instead of failing here."""
    known = SPECIES.get(code)
    return SpeciesInfo(known.scientific, known.name_en) if known else SpeciesInfo("", "")


def _as_dds(statement: Statement | SimplifiedDeclaration) -> Statement:
    """Limits apply alike to both kinds; check_limits reads the DDS shape."""
    if isinstance(statement, Statement):
        return statement
    return Statement(statement.internal_reference, commodities=[
        Commodity(c.position, c.description_of_goods, c.hs_heading, c.volume_m3,
                  producers=[Producer(p.position, p.country, p.name, p.geometry_geojson or {})
                             for p in c.producers])
        for c in statement.commodities])


def split_suggestion(built: Built, max_geo_bytes: int = MAX_GEO_BYTES) -> list[list[str]]:
    """Certificates grouped, in order, so each group stays under the producer and size limits."""
    groups: list[list[str]] = []
    count = size = 0
    per_cert: dict[str, tuple[int, int]] = {}
    for row in built.areas:
        n, b = per_cert.get(row.certificate_id, (0, 0))
        per_cert[row.certificate_id] = (n + 1, b + encoded_size(built.producers[row.area_id]))
    for cert_id, (n, b) in per_cert.items():
        if groups and count + n <= MAX_PRODUCERS_PER_COMMODITY and size + b <= max_geo_bytes:
            groups[-1].append(cert_id)
            count, size = count + n, size + b
        else:
            groups.append([cert_id])
            count, size = n, b
    return groups


def ensure_within_limits(built: Built, max_geo_bytes: int = MAX_GEO_BYTES) -> None:
    """422 with the broken limits and a suggested split when the statement is too big."""
    if built.limits.ok:
        return
    groups = split_suggestion(built, max_geo_bytes)
    details: list[dict[str, Any]] = [
        {"code": p.code, "message": p.message, "actual": p.actual, "limit": p.limit}
        for p in built.limits.problems]
    details.append({"code": "split_suggestion", "statements_needed":
                    max(built.limits.statements_needed, len(groups)), "certificate_groups": groups})
    raise ValidationFailed(
        "The statement is over the TRACES limits ("
        + "; ".join(p.message for p in built.limits.problems)
        + f"). Split it into {math.ceil(max(built.limits.statements_needed, len(groups)))} "
        "statements; a grouping of the certificates is in the details.",
        code="statement_over_limits", details=details)


def summary(built: Built) -> dict[str, Any]:
    """The preview of what will be sent: commodities, producers GeoJSON, warnings, limits."""
    commodities = []
    for c in built.statement.commodities:
        commodities.append({
            "position": c.position, "hs_heading": c.hs_heading,
            "description": c.description_of_goods, "volume_m3": c.volume_m3,
            "supplementary_unit_qualifier": c.supplementary_unit_qualifier,
            "percentage_estimation_or_deviation": c.percentage_estimation_or_deviation,
            "species": [{"scientific_name": s.scientific_name, "common_name": s.common_name}
                        for s in getattr(c, "species", ())],
            "producer_count": len(c.producers)})
    features = []
    for row in built.areas:
        for feature in built.producers.get(row.area_id, {}).get("features", []):
            features.append({**feature, "properties": {
                **feature["properties"], "area_id": row.area_id,
                "certificate_id": row.certificate_id, "hs_codes": sorted(row.products)}})
    return {
        "kind": built.kind, "activity_type": "DOMESTIC", "country_of_activity": "LV",
        "commodities": commodities,
        "producers": {"type": "FeatureCollection", "features": features},
        "warnings": built.warnings,
        "limits": {"ok": built.limits.ok, "geo_bytes": built.limits.geo_bytes,
                   "max_geo_bytes": MAX_GEO_BYTES,
                   "max_producers_per_commodity": MAX_PRODUCERS_PER_COMMODITY,
                   "statements_needed": built.limits.statements_needed,
                   "problems": [p.message for p in built.limits.problems]},
    }
