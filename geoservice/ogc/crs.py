"""Coordinate reference systems offered to GIS clients, their URIs and their axis order.

Storage is EPSG:3059 with x = easting. Each offered CRS knows whether its authority axis order
differs from PostGIS x/y order (``swap``); outputs in that CRS are flipped with
``ST_FlipCoordinates`` and inputs (bbox, filter geometries) are flipped back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from geoservice.errors import BadRequest

STORAGE_SRID = 3059
OGC_CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

# GeoJSON in degrees: 6 decimals by default (``coordinate-precision`` asks for up to 9).
GEOJSON_DEGREE_DECIMALS = 6
MAX_DECIMALS = 9

# Latvia in lon/lat, slightly padded: data never lies outside it.
LATVIA_LONLAT = (19.0, 55.6, 28.3, 58.1)


@dataclass(frozen=True)
class Crs:
    """One CRS as a client names it: SRID for PostGIS, axis order, and its official URI."""

    srid: int
    uri: str
    swap: bool
    geographic: bool
    # Valid range in x/y (PostGIS) order: lon/lat or easting/northing.
    valid: tuple[float, float, float, float]

    @property
    def urn(self) -> str:
        return "urn:ogc:def:crs:OGC:1.3:CRS84" if self.uri == OGC_CRS84 \
            else f"urn:ogc:def:crs:EPSG::{self.srid}"

    @property
    def precision(self) -> int:
        """Decimal digits that keep 1 mm: 9 in degrees, 3 in metres."""
        return 9 if self.geographic else 3

    @property
    def geojson_precision(self) -> int:
        """Decimals of GeoJSON coordinates by default: 6 in degrees (≈ 0.1 m, RFC 7946 §11.2
        and what TRACES keeps of a geolocation), 3 in metres (1 mm)."""
        return GEOJSON_DEGREE_DECIMALS if self.geographic else 3


_PROJECTED_VALID = (180_000.0, 160_000.0, 780_000.0, 460_000.0)
CRS84 = Crs(4326, OGC_CRS84, False, True, (-180.0, -90.0, 180.0, 90.0))
EPSG4326 = Crs(4326, "http://www.opengis.net/def/crs/EPSG/0/4326", True, True,
               (-180.0, -90.0, 180.0, 90.0))
EPSG3059 = Crs(3059, "http://www.opengis.net/def/crs/EPSG/0/3059", True, False, _PROJECTED_VALID)
EPSG10306 = Crs(10306, "http://www.opengis.net/def/crs/EPSG/0/10306", True, False,
                _PROJECTED_VALID)
SUPPORTED: tuple[Crs, ...] = (CRS84, EPSG4326, EPSG3059, EPSG10306)
STORAGE = EPSG3059
_BY_SRID = {c.srid: c for c in SUPPORTED if c is not CRS84}

_URI = re.compile(r"^https?://www\.opengis\.net/def/crs/EPSG/0/(\d+)$")
_URN = re.compile(r"^urn:(?:x-)?ogc:def:crs:EPSG:[0-9.]*:(\d+)$", re.IGNORECASE)
_SHORT = re.compile(r"^EPSG:(\d+)$", re.IGNORECASE)
_OLD_XML = re.compile(r"^https?://www\.opengis\.net/gml/srs/epsg\.xml#(\d+)$")
_CRS84_NAMES = {OGC_CRS84, "https://www.opengis.net/def/crs/OGC/1.3/CRS84",
                "urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "CRS84", "OGC:CRS84"}


def _by_srid(code: str, given: str) -> Crs:
    crs = _BY_SRID.get(int(code))
    if crs is None:
        raise BadRequest(
            f"The CRS {given!r} is not offered; use one of: "
            + ", ".join(c.uri for c in SUPPORTED) + ".", code="unsupported_crs")
    return crs


def parse_ogc(value: str | None, default: Crs = CRS84) -> Crs:
    """A CRS named in OGC API Features (``crs``, ``bbox-crs``, ``filter-crs``): URIs or URNs.

    ``[EPSG:4326]`` safe CURIEs are accepted too; all follow the authority axis order.
    """
    if value is None or value == "":
        return default
    text = value.strip().strip("[]") if value.strip().startswith("[") else value.strip()
    if text in _CRS84_NAMES:
        return CRS84
    for pattern in (_URI, _URN, _SHORT):
        match = pattern.match(text)
        if match:
            return _by_srid(match.group(1), value)
    raise BadRequest(
        f"The CRS {value!r} is not offered; use one of: "
        + ", ".join(c.uri for c in SUPPORTED) + ".", code="unsupported_crs")


def parse_wfs(value: str | None, default: Crs = EPSG3059) -> Crs:
    """A WFS ``srsName``: URNs use the authority axis order; ``EPSG:n`` and the old
    ``…/epsg.xml#n`` form are x/y (lon/lat, easting/northing), as GeoServer answers them."""
    if value is None or value == "":
        return default
    text = value.strip()
    if text in _CRS84_NAMES:
        return CRS84
    for pattern in (_URN, _URI):
        match = pattern.match(text)
        if match:
            return _by_srid(match.group(1), value)
    for pattern in (_SHORT, _OLD_XML):
        match = pattern.match(text)
        if match:
            crs = _by_srid(match.group(1), value)
            return replace(crs, swap=False)
    raise BadRequest(
        f"srsName {value!r} is not offered; use urn:ogc:def:crs:EPSG::3059, "
        "urn:ogc:def:crs:EPSG::4326, EPSG:4326 or urn:ogc:def:crs:EPSG::10306.",
        code="unsupported_crs")


def wfs_srs_name(crs: Crs) -> str:
    """The srsName written back: URN when authority order applies, ``EPSG:n`` for x/y."""
    return crs.urn if crs.swap or crs.uri == OGC_CRS84 else f"EPSG:{crs.srid}"


def _inside(box: tuple[float, float, float, float],
            valid: tuple[float, float, float, float]) -> bool:
    return valid[0] <= box[0] <= valid[2] and valid[0] <= box[2] <= valid[2] \
        and valid[1] <= box[1] <= valid[3] and valid[1] <= box[3] <= valid[3]


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def bbox_to_xy(values: list[float], crs: Crs) -> tuple[float, float, float, float]:
    """A client's bbox (in the CRS axis order) as (minx, miny, maxx, maxy) in PostGIS x/y order.

    Values outside the CRS area of use, or a geographic box that misses Latvia while its
    axis-swapped reading hits it, are refused with a message that says the order looks swapped.
    """
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    if len(values) != 4:
        raise BadRequest("bbox needs four numbers: lower-left corner, upper-right corner.",
                         code="invalid_bbox")
    a1, a2, b1, b2 = values
    box = (a2, a1, b2, b1) if crs.swap else (a1, a2, b1, b2)
    swapped = (box[1], box[0], box[3], box[2])
    order = "northing,easting" if crs.swap and not crs.geographic else (
        "latitude,longitude" if crs.swap else
        ("longitude,latitude" if crs.geographic else "easting,northing"))
    hint = (f"The bbox {values} looks like its axis order is swapped: in {crs.uri} the order is "
            f"{order} (lower-left corner first).")
    if not _inside(box, crs.valid):
        if _inside(swapped, crs.valid):
            raise BadRequest(hint, code="bbox_axis_order")
        raise BadRequest(f"The bbox {values} lies outside the area of use of {crs.uri}.",
                         code="invalid_bbox")
    if box[0] > box[2] or box[1] > box[3]:
        raise BadRequest(f"The bbox {values} has its lower-left corner above or right of the "
                         f"upper-right corner (axis order in {crs.uri}: {order}).",
                         code="invalid_bbox")
    if crs.geographic and not _overlaps(box, LATVIA_LONLAT) and _overlaps(swapped, LATVIA_LONLAT):
        raise BadRequest(hint, code="bbox_axis_order")
    return box


def parse_numbers(text: str, name: str = "bbox") -> list[float]:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise BadRequest(f"{name}={text!r} is not a comma-separated list of numbers.",
                         code="invalid_bbox") from None
    if any(v != v or v in (float("inf"), float("-inf")) for v in values):
        raise BadRequest(f"{name}={text!r} contains a value that is not a finite number.",
                         code="invalid_bbox")
    return values


def output_sql(geom_sql: str, crs: Crs, lonlat_sql: str | None = None) -> str:
    """SQL that turns a stored 3059 geometry into coordinates in ``crs`` axis order.

    ``lonlat_sql`` is the same geometry kept in EPSG:4326, when the table has it.
    """
    if crs.srid == STORAGE_SRID:
        expr = geom_sql
    elif crs.srid == 4326 and lonlat_sql:
        expr = lonlat_sql
    else:
        expr = f"ST_Transform({geom_sql}, {crs.srid:d})"
    return f"ST_FlipCoordinates({expr})" if crs.swap else expr


def input_sql(geom_sql: str, crs: Crs) -> str:
    """SQL that turns a client geometry (already with SRID ``crs.srid``) into storage 3059."""
    expr = f"ST_FlipCoordinates({geom_sql})" if crs.swap else geom_sql
    return expr if crs.srid == STORAGE_SRID else f"ST_Transform({expr}, {STORAGE_SRID:d})"
