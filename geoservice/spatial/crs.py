"""The two coordinate reference systems the API speaks, EPSG:4326 and EPSG:3059 (LKS-92).

Axis order is always x = longitude/easting, y = latitude/northing (``always_xy``), as in GeoJSON
and PostGIS; the transformations are vectorised over all coordinates of a geometry at once.
"""

from __future__ import annotations

from functools import cache
from typing import TypeVar

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Transformer

from geoservice.errors import ValidationFailed

WGS84 = 4326
LKS92 = 3059
SUPPORTED = (WGS84, LKS92)

_NAMES: dict[str, int] = {
    "epsg:4326": WGS84,
    "ogc:crs84": WGS84,
    "crs84": WGS84,
    "http://www.opengis.net/def/crs/ogc/1.3/crs84": WGS84,
    "urn:ogc:def:crs:ogc:1.3:crs84": WGS84,
    "http://www.opengis.net/def/crs/epsg/0/4326": WGS84,
    "urn:ogc:def:crs:epsg::4326": WGS84,
    "epsg:3059": LKS92,
    "http://www.opengis.net/def/crs/epsg/0/3059": LKS92,
    "urn:ogc:def:crs:epsg::3059": LKS92,
}

G = TypeVar("G", bound=shapely.Geometry)


def parse_crs(value: object, *, field: str = "crs") -> int:
    """The EPSG code of a CRS name (``EPSG:3059``, a URI or URN, or a GeoJSON 2008 crs object).

    ``None`` or an empty string means EPSG:4326, the GeoJSON default.
    """
    if value is None or value == "":
        return WGS84
    if isinstance(value, dict):  # {"type": "name", "properties": {"name": "EPSG:3059"}}
        props = value.get("properties")
        value = props.get("name") if isinstance(props, dict) else None
    if isinstance(value, int):
        value = f"EPSG:{value}"
    if isinstance(value, str) and value.strip().lower() in _NAMES:
        return _NAMES[value.strip().lower()]
    raise ValidationFailed(
        f"{field}: {value!r} is not a supported coordinate reference system; use EPSG:4326 "
        "(longitude, latitude) or EPSG:3059 (LKS-92 / Latvia TM, easting, northing).",
        code="unsupported_crs", details=[{"field": field, "value": str(value)}],
    )


def crs_name(epsg: int) -> str:
    return f"EPSG:{epsg}"


@cache
def _transformer(source: int, target: int) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def transform_xy(xy: NDArray[np.float64], source: int, target: int) -> NDArray[np.float64]:
    """An (n, 2) coordinate array from ``source`` to ``target`` EPSG code."""
    if source == target:
        return xy
    x, y = _transformer(source, target).transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def transform(geometry: G, source: int, target: int) -> G:
    """The geometry (or an array of geometries) with all coordinates transformed in one call."""
    if source == target:
        return geometry
    out: G = shapely.transform(geometry, lambda xy: transform_xy(xy, source, target))
    return out
