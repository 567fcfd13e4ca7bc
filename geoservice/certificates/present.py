"""Certificates as API documents: the api.md JSON shape and a GeoJSON FeatureCollection."""

from __future__ import annotations

from typing import Any

from geoservice.certificates.model import Certificate
from geoservice.certificates.rules import volume_check
from geoservice.spatial.crs import crs_name
from geoservice.spatial.geojson import to_geojson

GEOJSON_MEDIA = "application/geo+json"
_CERT_PROPERTIES = ("ca_number", "source", "issued_on", "valid_until", "place", "status",
                    "version")
_AREA_PROPERTIES = ("cirsma", "cadastral_designation", "quarter", "compartment",
                    "sub_compartment", "felling_type", "execution_method", "area_ha",
                    "declared_area_ha", "volumes", "products", "volume_check")


def from_model(cert: Certificate, epsg: int, *, simulated: bool = False) -> dict[str, Any]:
    """A certificate not stored yet (the VMD preview) in the API shape, ids ``None``."""
    areas = []
    for a in cert.areas:
        volumes = [{"species_code": v.species_code, "m3": v.m3,
                    "planned_m3": v.planned_m3 if v.planned_m3 is not None else v.m3}
                   for v in a.volumes]
        areas.append({
            "id": None, "cirsma": a.cirsma, "cadastral_designation": a.cadastral_designation,
            "quarter": a.quarter, "compartment": a.compartment,
            "sub_compartment": a.sub_compartment, "felling_type": a.felling_type,
            "execution_method": a.execution_method,
            "area_ha": round(a.geometry.area / 10_000.0, 4), "declared_area_ha": a.area_ha,
            "verdict": "unchecked", "geometry": to_geojson(a.geometry, epsg),
            "volumes": volumes,
            "products": [{"hs_code": p.hs_code, "m3": p.m3} for p in a.products],
            "volume_check": volume_check(sum(v["planned_m3"] for v in volumes),
                                         sum(v.m3 for v in a.volumes)),
        })
    return {
        "id": None, "ca_number": cert.ca_number, "source": cert.source,
        "issued_on": cert.issued_on, "valid_until": cert.valid_until,
        "felling_from": cert.felling_from, "felling_to": cert.felling_to, "place": cert.place,
        "status": "draft", "verdict": "unchecked", "crs": crs_name(epsg), "simulated": simulated,
        "areas": areas,
        "volume_check": volume_check(sum(a["volume_check"]["planned_m3"] for a in areas),
                                     sum(a["volume_check"]["accounted_m3"] for a in areas)),
    }


def feature_collection(certs: list[dict[str, Any]], epsg: int) -> dict[str, Any]:
    """One Feature per felling area, carrying its certificate's properties."""
    features = []
    for cert in certs:
        shared = {k: cert.get(k) for k in _CERT_PROPERTIES}
        for area in cert["areas"]:
            features.append({
                "type": "Feature", "id": area["id"], "geometry": area["geometry"],
                "properties": {"certificate_id": cert["id"], **shared,
                               "certificate_verdict": cert["verdict"],
                               "verdict": area["verdict"],
                               **{k: area.get(k) for k in _AREA_PROPERTIES}},
            })
    doc: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if epsg != 4326:
        # RFC 7946 has no crs member; GIS tools still read the 2008 form for LKS-92 output.
        doc["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{epsg}"}}
    return doc
