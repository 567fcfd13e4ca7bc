"""The rules: from facts about a certificate and its areas to findings. Pure, no I/O.

Severity: ``block`` = the timber may not be placed on the market (an officer cannot clear it);
``flag`` = an officer must look and clear or confirm; ``info`` = evidence kept for the record.
A missing layer or missing pixels never lead to "clear": they raise ``no_layer_data``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from geoservice.checks.messages import message
from geoservice.checks.model import (
    REQUIRED_ROLES,
    AreaFacts,
    CertificateFacts,
    Finding,
    Overlap,
    Severity,
    Thresholds,
)
from geoservice.layers.registry import CurrentLayer

# Permit purpose (see overlaps.sql) → message and severity; any other purpose is info only.
_PERMIT: dict[str, tuple[str, Severity]] = {
    "agriculture": ("deforestation_permit", "block"),
    "unknown": ("deforestation_permit_unknown", "flag"),
}


def evaluate(
    cert: CertificateFacts, areas: list[AreaFacts], layers: list[CurrentLayer],
    th: Thresholds, today: date,
) -> list[Finding]:
    titles = {lay.id: lay.title for lay in layers}
    present = {lay.role for lay in layers}
    findings = _validity(cert, today)
    for area in areas:
        findings += _area(area, area.forest, titles, present, th)
    return findings


def _validity(cert: CertificateFacts, today: date) -> list[Finding]:
    values = {"valid_until": cert.valid_until, "issued_on": cert.issued_on,
              "felling_from": cert.felling_from or "…", "felling_to": cert.felling_to or "…"}
    out: list[Finding] = []
    if cert.valid_until < today:
        out.append(Finding("certificate_validity", "flag", None,
                           *message("certificate_expired", **values),
                           details={"valid_until": str(cert.valid_until)}))
    outside = ((cert.felling_from is not None and cert.felling_from < cert.issued_on)
               or (cert.felling_to is not None and cert.felling_to > cert.valid_until)
               or (cert.felling_from is not None and cert.felling_from > cert.valid_until))
    if outside:
        out.append(Finding("certificate_validity", "flag", None,
                           *message("felling_outside_validity", **values),
                           details={k: str(v) for k, v in values.items()}))
    return out


def _area(
    area: AreaFacts, forest: CurrentLayer | None, titles: dict[str, str], present: set[str],
    th: Thresholds,
) -> list[Finding]:
    out: list[Finding] = []
    area_ha = area.area_m2 / 10_000

    def pct(m2: float) -> float:
        return 100.0 * m2 / area.area_m2 if area.area_m2 else 0.0

    for role in REQUIRED_ROLES:
        if role not in present or role in area.uncovered_roles:
            out.append(Finding("no_layer_data", "flag", area.id,
                               *message("no_layer", cirsma=area.cirsma, role=role),
                               geometry=area.geometry, details={"role": role}))
    if area.felling_type == "atmezosanas":
        out.append(Finding("deforestation_felling", "block", area.id,
                           *message("deforestation_felling", cirsma=area.cirsma),
                           overlap_ha=area_ha, overlap_percent=100.0, geometry=area.geometry))
    for ov in area.overlaps:
        ha, p = ov.overlap_m2 / 10_000, pct(ov.overlap_m2)
        if th.is_sliver(ha, p):
            continue
        values = {"ha": ha, "pct": p, "cirsma": area.cirsma, "layer": titles.get(ov.layer_id),
                  "version": ov.version, "sources": ", ".join(ov.sources[:5]) or ov.layer_id,
                  "purpose": ov.category}
        common = {"layer_id": ov.layer_id, "layer_version": ov.version, "overlap_ha": ha,
                  "overlap_percent": p, "geometry": ov.geometry,
                  "details": {"sources": ov.sources[:50], "category": ov.category}}
        if ov.role == "deforestation_permit":
            key, severity = _PERMIT.get(ov.category, ("deforestation_permit_other", "info"))
            out.append(Finding("deforestation_permit", severity, area.id,
                               *message(key, **values), **common))
        elif ov.role == "protected_area":
            out.append(Finding("protected_area", "flag", area.id,
                               *message("protected_area", **values), **common))
        elif ov.role == "agriculture":
            out += _agriculture(area, ov, forest, titles, th, pct)
    if forest is not None and area.cover is not None and "forest_2020" not in area.uncovered_roles:
        out += _forest_share(area, forest, titles, th, pct)
    return out


def _agriculture(
    area: AreaFacts, ov: Overlap, forest: CurrentLayer | None, titles: dict[str, str],
    th: Thresholds, pct: Callable[[float], float],
) -> list[Finding]:
    cover = area.agri_cover.get(f"{ov.layer_id}:{ov.category}")
    if forest is None or cover is None:
        return []  # no forest map: the no_layer_data finding already stops a clear verdict
    percent = pct
    out: list[Finding] = []
    details = {"sources": ov.sources[:50], "agriculture_overlap_ha": ov.overlap_m2 / 10_000,
               "forest_2020_ha": cover.forest_m2 / 10_000,
               "not_forest_2020_ha": cover.other_m2 / 10_000,
               "no_data_ha": cover.nodata_m2 / 10_000,
               "forest_layer": {"id": forest.id, "version": forest.version}}
    ha, p = cover.forest_m2 / 10_000, percent(cover.forest_m2)
    if not th.is_sliver(ha, p):
        out.append(Finding(
            "forest_to_agriculture", "flag", area.id,
            *message("forest_to_agriculture", ha=ha, pct=p, cirsma=area.cirsma,
                     layer=titles.get(ov.layer_id), version=ov.version),
            layer_id=ov.layer_id, layer_version=ov.version, overlap_ha=ha, overlap_percent=p,
            geometry=ov.geometry, details=details))
    nd_ha, nd_p = cover.nodata_m2 / 10_000, percent(cover.nodata_m2)
    if not th.is_sliver(nd_ha, nd_p):
        out.append(Finding(
            "no_layer_data", "flag", area.id,
            *message("no_forest_data", ha=nd_ha, pct=nd_p, cirsma=area.cirsma,
                     layer=forest.title, version=forest.version),
            layer_id=forest.id, layer_version=forest.version, overlap_ha=nd_ha,
            overlap_percent=nd_p, geometry=ov.geometry,
            details={**details, "role": "forest_2020", "within": ov.layer_id}))
    return out


def _forest_share(
    area: AreaFacts, forest: CurrentLayer, titles: dict[str, str], th: Thresholds,
    pct: Callable[[float], float],
) -> list[Finding]:
    cover = area.cover
    assert cover is not None
    percent = pct
    f_ha, f_p = cover.forest_m2 / 10_000, percent(cover.forest_m2)
    nd_ha, nd_p = cover.nodata_m2 / 10_000, percent(cover.nodata_m2)
    ref_id, ref_version = forest.id, forest.version
    details = {"forest_2020_ha": f_ha, "not_forest_2020_ha": cover.other_m2 / 10_000,
               "no_data_ha": nd_ha}
    out = [Finding("not_forest_2020", "info", area.id,
                   *message("forest_2020_share", pct=f_p, ha=f_ha, cirsma=area.cirsma,
                            layer=forest.title, version=forest.version),
                   overlap_ha=f_ha, overlap_percent=f_p, details=details, layer_id=ref_id,
                   layer_version=ref_version)]
    if not th.is_sliver(nd_ha, nd_p):
        out.append(Finding("no_layer_data", "flag", area.id,
                           *message("no_forest_data", ha=nd_ha, pct=nd_p, cirsma=area.cirsma,
                                    layer=forest.title, version=forest.version),
                           overlap_ha=nd_ha, overlap_percent=nd_p, geometry=area.geometry,
                           details={**details, "role": "forest_2020"},
                           layer_id=ref_id, layer_version=ref_version))
    elif f_p < th.min_forest_2020_percent:
        out.append(Finding("not_forest_2020", "flag", area.id,
                           *message("not_forest_2020", pct=f_p, cirsma=area.cirsma,
                                    limit=th.min_forest_2020_percent),
                           overlap_ha=f_ha, overlap_percent=f_p, geometry=area.geometry,
                           details=details, layer_id=ref_id, layer_version=ref_version))
    return out
