"""One WFS 2.0 GetFeature page (GML 3.2) read into EPSG:3059 polygons, with axis order right.

Axis order follows the srsName form, as WFS 2.0 and GDAL read it: an URN or an
``http://www.opengis.net/def/crs/...`` URI means the authority's order (northing, easting for
EPSG:3059; latitude, longitude for EPSG:4326), the short ``EPSG:nnnn`` form means easting,
northing. Coordinates that then fall outside the CRS' area of use are refused: that is how a
server that swaps axes, or a page in another CRS, shows itself.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from lxml import etree
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry.base import BaseGeometry

GML = "http://www.opengis.net/gml/3.2"
WFS = "http://www.opengis.net/wfs/2.0"
OWS = ("http://www.opengis.net/ows/1.1", "http://www.opengis.net/ows/2.0",
       "http://www.opengis.net/ows")
TARGET_EPSG = 3059
# How far outside the CRS' area of use a coordinate may lie (m) before the page is refused.
BOUNDS_MARGIN_M = 50_000.0
_POLYGONAL = {"Polygon", "MultiSurface", "Surface", "MultiPolygon", "CompositeSurface"}
_INT = re.compile(r"-?[1-9][0-9]{0,17}|0")
_DECIMAL = re.compile(r"-?[0-9]+\.[0-9]+")


class PageError(Exception):
    """A page that is not a usable GML feature collection; the message names what was wrong."""

    def __init__(self, message: str, *, retry: bool = False, code: str = "layer_page_invalid"):
        super().__init__(message)
        self.retry = retry
        self.code = code


@dataclass(frozen=True)
class Feature:
    source_id: str | None
    attrs: dict[str, Any]
    geometry: BaseGeometry  # EPSG:3059, easting/northing


@dataclass
class Page:
    features: list[Feature] = field(default_factory=list)
    number_matched: int | None = None  # None: the server said "unknown" or nothing
    number_returned: int | None = None
    next_url: str | None = None
    members: int = 0  # features in the answer, usable or not: how far the page advances


@dataclass(frozen=True)
class _Axes:
    swap: bool
    transformer: Transformer | None
    bounds: tuple[float, float, float, float]


@lru_cache(maxsize=32)
def axes(srs_name: str) -> _Axes:
    """How to turn coordinates written in ``srs_name`` into EPSG:3059 easting/northing."""
    try:
        crs = CRS.from_user_input(srs_name)
    except CRSError as exc:
        raise PageError(f"unknown srsName {srs_name!r}", code="layer_crs_unknown") from exc
    authority_order = srs_name.lower().startswith(("urn:", "http://", "https://"))
    first = crs.axis_info[0].direction.lower() if crs.axis_info else "east"
    swap = authority_order and first in ("north", "south")
    target = CRS.from_epsg(TARGET_EPSG)
    transformer = None if crs.equals(target) else Transformer.from_crs(crs, target,
                                                                       always_xy=True)
    aou = target.area_of_use
    if aou is None:  # pragma: no cover - EPSG:3059 has one
        raise PageError("EPSG:3059 has no area of use")
    to_target = Transformer.from_crs(4326, target, always_xy=True)
    x0, y0, x1, y1 = to_target.transform_bounds(aou.west, aou.south, aou.east, aou.north)
    m = BOUNDS_MARGIN_M
    return _Axes(swap, transformer, (x0 - m, y0 - m, x1 + m, y1 + m))


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _value(text: str | None) -> Any:
    if text is None:
        return None
    value = text.strip()
    if _INT.fullmatch(value):
        return int(value)
    if _DECIMAL.fullmatch(value) and len(value) < 20:
        return float(value)
    return value


def _coords(element: Any, dimension: int) -> np.ndarray[Any, Any]:
    pos_list = element.find(f"{{{GML}}}posList")
    if pos_list is not None:
        dim = int(pos_list.get("srsDimension") or dimension)
        values = np.fromstring(pos_list.text or "", sep=" ")
    else:
        dim = dimension
        values = np.fromstring(" ".join(p.text or "" for p in element.iter(f"{{{GML}}}pos")),
                               sep=" ")
    if values.size == 0 or values.size % dim:
        raise PageError("a ring has an odd number of coordinates")
    return values.reshape(-1, dim)[:, :2]


def _polygons(geometry: Any, dimension: int) -> list[tuple[Any, list[Any]]]:
    rings = []
    for poly in geometry.iter(f"{{{GML}}}Polygon", f"{{{GML}}}PolygonPatch"):
        exterior = poly.find(f"{{{GML}}}exterior/{{{GML}}}LinearRing")
        if exterior is None:
            continue
        holes = [_coords(r, dimension) for r in
                 poly.iterfind(f"{{{GML}}}interior/{{{GML}}}LinearRing")]
        rings.append((_coords(exterior, dimension), holes))
    return rings


def _geometry(element: Any, default_srs: str | None) -> tuple[list[Any], str]:
    srs = element.get("srsName") or default_srs
    if not srs:
        raise PageError("a geometry has no srsName and the request named none",
                        code="layer_crs_missing")
    dimension = int(element.get("srsDimension") or 2)
    return _polygons(element, dimension), srs


def build(rings: list[tuple[Any, list[Any]]], srs: str) -> BaseGeometry:
    ax = axes(srs)
    parts = []
    for shell, holes in rings:
        converted = []
        for ring in (shell, *holes):
            xy = ring[:, ::-1] if ax.swap else ring
            if ax.transformer is not None:
                x, y = ax.transformer.transform(xy[:, 0], xy[:, 1])
                xy = np.column_stack([x, y])
            converted.append(xy)
        holes = [shapely.linearrings(h) for h in converted[1:]]
        parts.append(shapely.polygons(shapely.linearrings(converted[0]), holes=holes or None))
    return shapely.multipolygons(parts)


def outside_area_of_use(geom: BaseGeometry, srs: str) -> bool:
    x0, y0, x1, y1 = shapely.bounds(geom)
    bx0, by0, bx1, by1 = axes(srs).bounds
    return bool(x0 < bx0 or y0 < by0 or x1 > bx1 or y1 > by1)


def _exception_text(root: Any) -> str:
    parts = []
    for exc in root.iter():
        if _local(exc.tag) == "Exception":
            texts = [t.text.strip() for t in exc if _local(t.tag) == "ExceptionText" and t.text]
            parts.append(f"{exc.get('exceptionCode', 'Exception')}"
                         f"{' (' + exc.get('locator') + ')' if exc.get('locator') else ''}"
                         f": {' '.join(texts) or 'no text'}")
    return "; ".join(parts) or "an exception report without text"


def _number(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


def parse(data: bytes, *, srs_name: str | None = None, id_property: str | None = None) -> Page:
    """Parse one GetFeature answer; PageError with ``retry`` set when a retry may help."""
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:200]:
        raise PageError("the server answered an HTML page, not GML", retry=True,
                        code="layer_page_html")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise PageError(f"the GML is truncated or malformed ({exc})", retry=True,
                        code="layer_page_truncated") from exc
    name = _local(root.tag)
    if name == "ExceptionReport":
        raise PageError(f"the server refused: {_exception_text(root)}",
                        code="layer_source_exception")
    if name != "FeatureCollection":
        raise PageError(f"the answer is a {name!r} document, not a wfs:FeatureCollection")
    page = Page(number_matched=_number(root.get("numberMatched")),
                number_returned=_number(root.get("numberReturned")),
                next_url=root.get("next"))
    outside = 0
    for feature in _members(root):
        page.members += 1
        geom_element, attrs = None, {}
        for child in feature:
            local = _local(child.tag)
            if not local:
                continue
            if len(child):
                inner = next((g for g in child if _local(g.tag) in _POLYGONAL), None)
                if inner is not None and geom_element is None:
                    geom_element = inner
                continue
            attrs[local] = _value(child.text)
        if geom_element is None:
            continue  # a feature without an area (e.g. a point) is not a land-use area
        rings, srs = _geometry(geom_element, srs_name)
        if not rings:
            continue
        geom = build(rings, srs)
        if outside_area_of_use(geom, srs):
            outside += 1
            continue
        sid = attrs.get(id_property) if id_property else feature.get(f"{{{GML}}}id")
        page.features.append(Feature(None if sid is None else str(sid), attrs, geom))
    if outside:
        raise PageError(
            f"{outside} feature(s) lie outside the area of use of their CRS: the axis order "
            "or the CRS of the page is not what it declares", code="layer_page_out_of_bounds")
    return page


def _members(root: Any) -> Iterator[Any]:
    for member in root:
        if _local(member.tag) not in ("member", "featureMember", "featureMembers"):
            continue
        for feature in member:
            if _local(feature.tag) == "FeatureCollection":  # several type names per answer
                yield from _members(feature)
            elif isinstance(feature.tag, str):
                yield feature


def fingerprint(ewkb: bytes, attrs_json: str) -> bytes:
    """What identifies a feature's content across versions: geometry and attributes."""
    digest = hashlib.md5(ewkb, usedforsecurity=False)
    digest.update(attrs_json.encode())
    return digest.digest()


def attrs_json(attrs: dict[str, Any]) -> str:
    return json.dumps(attrs, sort_keys=True, default=str, ensure_ascii=False)
