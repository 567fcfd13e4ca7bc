"""Is a geometry in Latvia? And if not, what went wrong: axis order, CRS or false northing.

Bounds carry a margin around the country (border areas are felled too); the diagnosis looks at
the envelope of all coordinates, so it costs nothing per vertex.
"""

from __future__ import annotations

from geoservice.errors import ValidationFailed
from geoservice.spatial.crs import LKS92, WGS84

Box = tuple[float, float, float, float]  # minx, miny, maxx, maxy

# Longitude, latitude of Latvia with a margin.
LATVIA_4326: Box = (20.8, 55.6, 28.4, 58.2)
# Easting, northing in LKS-92 / Latvia TM with a margin (domain: E 320 000–770 000,
# N 170 000–450 000).
LATVIA_3059: Box = (280_000.0, 140_000.0, 800_000.0, 480_000.0)
FALSE_NORTHING = 6_000_000.0

_TEXT_4326 = "longitude 21–28.3°E, latitude 55.7–58.1°N"
_TEXT_3059 = "easting 320 000–770 000 m, northing 170 000–450 000 m"


def _inside(env: Box, box: Box) -> bool:
    return box[0] <= env[0] and env[2] <= box[2] and box[1] <= env[1] and env[3] <= box[3]


def _swapped(env: Box) -> Box:
    return (env[1], env[0], env[3], env[2])


def _shifted(env: Box) -> Box:
    return (env[0], env[1] - FALSE_NORTHING, env[2], env[3] - FALSE_NORTHING)


def _where(env: Box) -> str:
    return f"({env[0]:.6g}, {env[1]:.6g}) – ({env[2]:.6g}, {env[3]:.6g})"


def diagnose(env: Box, epsg: int) -> tuple[str, str] | None:
    """``None`` when the envelope lies in Latvia, else ``(code, message for a person)``."""
    if epsg == WGS84:
        if _inside(env, LATVIA_4326):
            return None
        if _inside(_swapped(env), LATVIA_4326):
            return ("axis_order_swapped", f"The coordinates {_where(env)} are in latitude, "
                    "longitude order; GeoJSON wants longitude first (x = longitude, "
                    "y = latitude). Swap each pair.")
        if _inside(env, LATVIA_3059):
            return ("crs_mismatch", f"The coordinates {_where(env)} look like LKS-92 metres "
                    "(EPSG:3059), not degrees; send \"crs\": \"EPSG:3059\" with them.")
        if _inside(_shifted(env), LATVIA_3059) or _inside(_shifted(_swapped(env)), LATVIA_3059):
            return ("false_northing_missing", f"The coordinates {_where(env)} look like LKS-92 "
                    "metres whose northing lacks the false northing of −6 000 000 m (a northing "
                    "near 6.3 million); subtract 6 000 000 from each northing and send "
                    "\"crs\": \"EPSG:3059\".")
        return ("outside_latvia", f"The coordinates {_where(env)} are outside Latvia "
                f"({_TEXT_4326} in EPSG:4326).")
    if epsg == LKS92:
        if _inside(env, LATVIA_3059):
            return None
        if _inside(_shifted(env), LATVIA_3059):
            return ("false_northing_missing", f"The northings of {_where(env)} are near 6.3 "
                    "million: the false northing of LKS-92 (−6 000 000 m) was not applied. "
                    "Subtract 6 000 000 from each northing.")
        if _inside(_swapped(env), LATVIA_3059) or _inside(_shifted(_swapped(env)), LATVIA_3059):
            return ("axis_order_swapped", f"The coordinates {_where(env)} are in northing, "
                    "easting order (the EPSG axis order); GeoJSON wants x = easting, "
                    "y = northing. Swap each pair.")
        if _inside(env, LATVIA_4326) or _inside(_swapped(env), LATVIA_4326):
            return ("crs_mismatch", f"The coordinates {_where(env)} look like degrees, not "
                    "LKS-92 metres; send them with \"crs\": \"EPSG:4326\" (longitude, latitude) "
                    "or leave crs out.")
        return ("outside_latvia", f"The coordinates {_where(env)} are outside Latvia "
                f"({_TEXT_3059} in EPSG:3059).")
    raise ValueError(f"no Latvia bounds for EPSG:{epsg}")


def require_in_latvia(env: Box, epsg: int, *, field: str = "geometry") -> None:
    """Raise a 422 that names the likely mistake when the envelope is not in Latvia."""
    problem = diagnose(env, epsg)
    if problem is not None:
        code, message = problem
        raise ValidationFailed(f"{field}: {message}", code=code,
                               details=[{"field": field, "code": code}])
