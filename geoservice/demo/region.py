"""The demo region around Jumurdas pagasts: extent, raster grid and the designed footprints."""

from __future__ import annotations

from functools import cache

import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from geoservice.vmd.simulator import VmdSimulator

CRS = "EPSG:3059"
EXTENT: tuple[float, float, float, float] = (606_000.0, 305_000.0, 614_000.0, 314_000.0)
PIXEL = 10.0
# A raster tile seam: forest_2020 has nodata east of this easting (inside the extent).
NODATA_FROM_X = 613_950.0

# The certificates the layers are designed around (see geoservice.vmd.catalogue).
FLAGGED_NEW_BLOCK = "2522530291"
FLAGGED_GROWN_BLOCK = "2622530264"
BLOCKED_PERMIT = "2522531305"
DEFORESTATION_FELLING = "2622530517"
PROTECTED = "2622530802"
NOT_FOREST = "2522531064"
NO_DATA = "2622530177"
SLIVER = "2622530655"


def extent_box() -> Polygon:
    return box(*EXTENT)


@cache
def footprints() -> dict[str, MultiPolygon]:
    """Each simulated certificate's areas as one valid geometry (bow-ties repaired)."""
    simulator = VmdSimulator()
    out: dict[str, MultiPolygon] = {}
    for number in simulator.numbers():
        areas = [shapely.make_valid(a.geometry) for a in simulator.fetch(number).areas]
        merged = shapely.union_all(areas)
        out[number] = merged if isinstance(merged, MultiPolygon) else MultiPolygon([merged])
    return out


def area_geometry(ca_number: str, cirsma: int = 1) -> Polygon:
    """One felling area of a simulated certificate as a valid Polygon."""
    area = VmdSimulator().fetch(ca_number).areas[cirsma - 1]
    fixed = shapely.make_valid(area.geometry)
    parts = shapely.get_parts(fixed)
    largest = max(parts, key=lambda g: g.area)
    if not isinstance(largest, Polygon):
        raise ValueError(f"area {cirsma} of {ca_number} is not polygonal")
    return largest


def all_footprints() -> MultiPolygon:
    """Every certificate area of the simulator, as one geometry."""
    merged = shapely.union_all(list(footprints().values()))
    return merged if isinstance(merged, MultiPolygon) else MultiPolygon([merged])
