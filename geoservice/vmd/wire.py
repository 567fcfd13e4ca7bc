"""The JSON/GeoJSON contract of the VMD certificate interface: encode and decode one answer.

``GET {base}/certificates/{ca}`` answers a GeoJSON FeatureCollection, one Feature per felling
area, with the certificate in the foreign member ``certificate``::

    {"type": "FeatureCollection",
     "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3059"}},
     "certificate": {"ca_nr": "2522531021", "izsn_dat": "2025-09-15",
                     "deriga_lidz": "2028-12-31", "vieta": "Jumurdas pagasts, Madonas novads"},
     "features": [{"type": "Feature", "id": "2522531021-1",
                   "geometry": {"type": "MultiPolygon", "coordinates": [...]},
                   "properties": {"cirsma": 1, "kadastrs": "70600050074", "kvart": "4",
                                  "nog": "12", "anog": null, "cirtes_veids": "galvena",
                                  "izp_veids": "kailcirte", "platiba": 1.43,
                                  "kraja": [{"suga": 8, "m3": 297.5}],
                                  "produkti": [{"hs": "4403", "m3": 425.8}]}}]}

Names follow the Forest State Register (as in file extracts, ``geoservice.vmd.files``). With the
``crs`` member naming EPSG:3059, x is easting and y northing; without it the coordinates are
RFC 7946 lon/lat and are reprojected. Errors: ``{"error": {"code": "...", "message": "..."}}``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Transformer
from shapely.errors import GEOSException
from shapely.geometry import mapping, shape

from geoservice.certificates.model import (
    EXECUTION_METHODS,
    FELLING_TYPES,
    Certificate,
    FellingArea,
    ProductVolume,
    SpeciesVolume,
)
from geoservice.vmd.errors import VmdBadAnswer
from geoservice.vmd.shapes import as_multipolygon

LKS92_URN = "urn:ogc:def:crs:EPSG::3059"
_LKS92_NAMES = {LKS92_URN, "EPSG:3059", "urn:ogc:def:crs:EPSG:6.18:3:3059"}
_WGS84_NAMES = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326", "EPSG:4326"}
_TO_LKS92 = Transformer.from_crs(4326, 3059, always_xy=True)


def to_lks92(xy: NDArray[np.float64]) -> NDArray[np.float64]:
    """lon/lat (x, y) to EPSG:3059 easting/northing, for ``shapely.transform``."""
    return np.column_stack(_TO_LKS92.transform(xy[:, 0], xy[:, 1]))


def certificate_to_geojson(certificate: Certificate) -> dict[str, Any]:
    """The contract answer for a certificate, coordinates in EPSG:3059."""
    return {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": LKS92_URN}},
        "certificate": {
            "ca_nr": certificate.ca_number,
            "izsn_dat": certificate.issued_on.isoformat(),
            "deriga_lidz": certificate.valid_until.isoformat(),
            "vieta": certificate.place,
        },
        "features": [
            {
                "type": "Feature",
                "id": f"{certificate.ca_number}-{a.cirsma}",
                "geometry": mapping(a.geometry),
                "properties": {
                    "cirsma": a.cirsma,
                    "kadastrs": a.cadastral_designation,
                    "kvart": a.quarter,
                    "nog": a.compartment,
                    "anog": a.sub_compartment,
                    "cirtes_veids": a.felling_type,
                    "izp_veids": a.execution_method,
                    "platiba": a.area_ha,
                    "kraja": [{"suga": v.species_code, "m3": v.m3} for v in a.volumes],
                    "produkti": [{"hs": p.hs_code, "m3": p.m3} for p in a.products],
                },
            }
            for a in certificate.areas
        ],
    }


def _get(obj: Any, key: str, where: str, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise VmdBadAnswer(f"{where}.{key} is missing")
    value = obj[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise VmdBadAnswer(f"{where}.{key} has the wrong type: {value!r}")
    return value


def _date(obj: Any, key: str, where: str) -> date:
    text = _get(obj, key, where, str)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise VmdBadAnswer(f"{where}.{key} is not an ISO date: {text!r}") from None


def _lks92(doc: dict[str, Any]) -> bool:
    crs = doc.get("crs")
    if crs is None:
        return False
    name = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
    if name in _LKS92_NAMES:
        return True
    if name in _WGS84_NAMES:
        return False
    raise VmdBadAnswer(f"crs {name!r} is neither EPSG:3059 nor WGS84")


def _area(feature: Any, where: str, reproject: bool) -> FellingArea:
    props = _get(feature, "properties", where, dict)
    p = f"{where}.properties"
    felling_type = _get(props, "cirtes_veids", p, str)
    if felling_type not in FELLING_TYPES:
        raise VmdBadAnswer(f"{p}.cirtes_veids {felling_type!r} is not a felling type")
    method = _get(props, "izp_veids", p, str)
    if method not in EXECUTION_METHODS:
        raise VmdBadAnswer(f"{p}.izp_veids {method!r} is not an execution method")
    try:
        geometry = shape(_get(feature, "geometry", where, dict))
        if reproject:
            geometry = shapely.transform(geometry, to_lks92)
        multi = as_multipolygon(geometry)
    except (ValueError, TypeError, AttributeError, KeyError, GEOSException) as e:
        raise VmdBadAnswer(f"{where}.geometry is not a polygon geometry ({e})") from None
    if multi.is_empty:
        raise VmdBadAnswer(f"{where}.geometry is empty")
    anog = props.get("anog")
    area = props.get("platiba")
    return FellingArea(
        cirsma=_get(props, "cirsma", p, int),
        cadastral_designation=_get(props, "kadastrs", p, str),
        quarter=str(_get(props, "kvart", p, (str, int))),
        compartment=str(_get(props, "nog", p, (str, int))),
        sub_compartment=None if anog in (None, "", "0") else str(anog),
        felling_type=felling_type,
        execution_method=method,
        geometry=multi,
        area_ha=float(area) if isinstance(area, int | float) else None,
        volumes=[
            SpeciesVolume(int(v["suga"]), float(v["m3"]), float(v["m3"]))
            for v in _list(props, "kraja", p)
        ],
        products=[ProductVolume(str(v["hs"]), float(v["m3"])) for v in _list(props, "produkti", p)],
    )


def _list(props: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    items = props.get(key) or []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise VmdBadAnswer(f"{where}.{key} is not a list of objects")
    return items


def certificate_from_geojson(doc: Any, ca_number: str) -> Certificate:
    """Decode a contract answer; ``VmdBadAnswer`` names the first thing that breaks it."""
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise VmdBadAnswer("the answer is not a GeoJSON FeatureCollection")
    head = _get(doc, "certificate", "answer", dict)
    number = _get(head, "ca_nr", "certificate", str)
    if number != ca_number:
        raise VmdBadAnswer(f"asked for certificate {ca_number!r}, got {number!r}")
    reproject = not _lks92(doc)
    features = _get(doc, "features", "answer", list)
    if not features:
        raise VmdBadAnswer("the certificate has no felling areas")
    try:
        areas = [_area(f, f"features[{i}]", reproject) for i, f in enumerate(features)]
    except (KeyError, ValueError, TypeError) as e:
        raise VmdBadAnswer(f"a felling area's volumes are malformed ({e})") from None
    vieta = head.get("vieta")
    return Certificate(
        ca_number=number,
        issued_on=_date(head, "izsn_dat", "certificate"),
        valid_until=_date(head, "deriga_lidz", "certificate"),
        source="vmd",
        areas=sorted(areas, key=lambda a: a.cirsma),
        place=vieta if isinstance(vieta, str) else None,
    )
