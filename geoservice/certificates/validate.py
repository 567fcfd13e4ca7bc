"""From input (a form, VMD, a file) to a checked :class:`Certificate` with EPSG:3059 geometry.

Every source goes through the same checks, so a certificate in the database always has 1–3
distinct felling areas with valid polygons in Latvia, register species codes, product splits
that add up and plausible volumes.
"""

from __future__ import annotations

from geoservice.certificates.model import (
    MAX_AREAS,
    Certificate,
    FellingArea,
    ProductVolume,
    SpeciesVolume,
)
from geoservice.certificates.rules import check_density, check_products, check_species
from geoservice.certificates.schemas import AreaIn, CertificateIn
from geoservice.errors import ValidationFailed
from geoservice.spatial.bounds import require_in_latvia
from geoservice.spatial.crs import LKS92
from geoservice.spatial.geojson import parse_geometry
from geoservice.spatial.repair import repair


def check_dates(cert: Certificate | CertificateIn) -> None:
    if cert.valid_until < cert.issued_on:
        raise ValidationFailed(
            f"valid_until: the certificate cannot be valid until {cert.valid_until} when it was "
            f"issued on {cert.issued_on}.", code="dates_inconsistent",
            details=[{"field": "valid_until"}])
    if cert.felling_from and cert.felling_to and cert.felling_to < cert.felling_from:
        raise ValidationFailed(
            f"felling_to: {cert.felling_to} is before felling_from {cert.felling_from}.",
            code="dates_inconsistent", details=[{"field": "felling_to"}])


def check_area_values(area: FellingArea, area_ha: float, field: str) -> None:
    """Species codes, product split and density of one felling area."""
    check_species(area.volumes, f"{field}.volumes")
    total = sum(v.m3 for v in area.volumes)
    check_products(area.products, total, f"{field}.products")
    check_density(total, area_ha, f"{field}.volumes")


def checked(cert: Certificate, *, prefix: str = "") -> Certificate:
    """The certificate with repaired geometries, after every rule; 422 naming the field."""
    check_dates(cert)
    if not 1 <= len(cert.areas) <= MAX_AREAS:
        raise ValidationFailed(
            f"{prefix}areas: a certificate has 1 to {MAX_AREAS} felling areas, not "
            f"{len(cert.areas)}.", code="area_count", details=[{"field": f"{prefix}areas"}])
    seen: set[int] = set()
    for i, area in enumerate(cert.areas):
        field = f"{prefix}areas[{i}]"
        if area.cirsma in seen:
            raise ValidationFailed(f"{field}.cirsma: felling area number {area.cirsma} appears "
                                   "twice.", code="duplicate_cirsma",
                                   details=[{"field": f"{field}.cirsma"}])
        seen.add(area.cirsma)
        if area.geometry.is_empty:
            raise ValidationFailed(f"{field}.geometry: the geometry is empty.",
                                   code="geometry_empty", details=[{"field": f"{field}.geometry"}])
        require_in_latvia(area.geometry.bounds, LKS92, field=f"{field}.geometry")
        area.geometry, _ = repair(area.geometry, field=f"{field}.geometry")
        check_area_values(area, area.geometry.area / 10_000.0, field)
    return cert


def _area(area: AreaIn, crs: str | None, field: str) -> FellingArea:
    parsed = parse_geometry(area.geometry, crs, field=f"{field}.geometry")
    return FellingArea(
        cirsma=area.cirsma, cadastral_designation=area.cadastral_designation,
        quarter=area.quarter, compartment=area.compartment,
        sub_compartment=area.sub_compartment or None, felling_type=area.felling_type,
        execution_method=area.execution_method, geometry=parsed.geometry,
        area_ha=area.area_ha,
        volumes=[SpeciesVolume(v.species_code, v.m3,
                               v.m3 if v.planned_m3 is None else v.planned_m3)
                 for v in area.volumes],
        products=[ProductVolume(p.hs_code, p.m3) for p in area.products],
    )


def from_input(body: CertificateIn) -> Certificate:
    """A manual certificate from the API body, geometries parsed in the body's CRS."""
    cert = Certificate(
        ca_number=body.ca_number, issued_on=body.issued_on, valid_until=body.valid_until,
        source="manual", place=body.place, felling_from=body.felling_from,
        felling_to=body.felling_to,
        areas=[_area(a, body.crs, f"areas[{i}]") for i, a in enumerate(body.areas)],
    )
    return checked(cert)
