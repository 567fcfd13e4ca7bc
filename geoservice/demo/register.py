"""Demo register layers: land-use cadastre parcels and forest compartments (stands)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPoint, Polygon

from geoservice.demo import region
from geoservice.vmd.stands import Stand, all_stands

PURPOSES = {
    "0101": "Zeme, uz kuras galvenā saimnieciskā darbība ir lauksaimniecība",
    "0201": "Zeme, uz kuras galvenā saimnieciskā darbība ir mežsaimniecība",
    "0202": "Īpaši aizsargājamās dabas teritorijas, kurās saimnieciskā darbība ir aizliegta",
}


def compartments_frame() -> gpd.GeoDataFrame:
    """All stands, real and made-up, with register attributes (kadastrs, kvart, nog, …).

    Geometries are clipped to the demo extent (the layer's coverage); ``nog_plat`` keeps the
    register area of the whole stand.
    """
    rows: list[dict[str, object]] = []
    stands = sorted(all_stands().values(), key=lambda s: (s.kadastrs, int(s.kvart), int(s.nog)))
    for s in stands:
        row: dict[str, object] = {
            "kadastrs": s.kadastrs, "kvart": s.kvart, "nog": s.nog, "anog": s.anog or "0",
            "nog_plat": round(s.geometry.area / 10_000, 2), "zkat": s.zkat, "mt": s.mt,
            "avots": "VMD atvērtie dati" if s.real else "demo",
        }
        for i in range(10, 15):
            e = s.elements[i - 10] if i - 10 < len(s.elements) else None
            row[f"s{i}"] = str(e.species_code) if e else "0"
            row[f"a{i}"] = e.age if e else 0
            row[f"h{i}"] = e.height if e else 0.0
            row[f"g{i}"] = e.basal_area if e else 0.0
        rows.append(row)
    geometries = [shapely.intersection(s.geometry, region.extent_box()) for s in stands]
    return gpd.GeoDataFrame(rows, geometry=geometries, crs=region.CRS)


def _units() -> dict[str, shapely.Geometry]:
    by_unit: dict[str, list[Stand]] = {}
    for s in all_stands().values():
        by_unit.setdefault(s.kadastrs, []).append(s)
    return {k: shapely.union_all([s.geometry for s in v]) for k, v in sorted(by_unit.items())}


def cadastre_frame(fields: shapely.Geometry, protected: shapely.Geometry) -> gpd.GeoDataFrame:
    """Parcels (Voronoi cells) whose land units hold the stands of their designation.

    The use purpose follows the land: 0101 when field blocks cover most of it, 0202 when the
    protected site does, else 0201. Certificate areas lie in the parcel they name.
    """
    units = _units()
    rng = np.random.default_rng(3059)
    seeds = [u.representative_point() for u in units.values()]
    x0, y0, x1, y1 = region.EXTENT
    extra: list[tuple[float, float]] = []
    while len(extra) < 70:
        p = (float(rng.uniform(x0, x1)), float(rng.uniform(y0, y1)))
        if all(shapely.distance(shapely.Point(p), s) > 300 for s in seeds) and all(
            np.hypot(p[0] - q[0], p[1] - q[1]) > 350 for q in extra
        ):
            extra.append(p)
    points = MultiPoint([*(s.coords[0] for s in seeds), *extra])
    cells = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=region.extent_box()))
    frame = region.extent_box()
    parcels: dict[str, shapely.Geometry] = {}
    owned = shapely.union_all([u.buffer(15.0) for u in units.values()])
    for code, unit in units.items():
        cell = next(c for c in cells if c.contains(unit.representative_point()))
        parcels[code] = shapely.union(shapely.difference(cell, owned), unit.buffer(15.0))
    for i, p in enumerate(extra):
        cell = next(c for c in cells if c.contains(shapely.Point(p)))
        group = 1 + int((p[0] - x0) // 1000)
        parcels[f"7060{group:03d}{1000 + i:04d}"] = shapely.difference(cell, owned)
    claimed = shapely.union_all([parcels[c] for c in units])
    rows, geoms = [], []
    for code, g in parcels.items():
        if code not in units:
            g = shapely.difference(g, claimed)
        g = shapely.intersection(g, frame)
        parts = [p for p in shapely.get_parts(g) if isinstance(p, Polygon)]
        if not parts:
            continue
        polygon = max(parts, key=lambda q: q.area) if code not in units else g
        share_field = shapely.intersection(polygon, fields).area / polygon.area
        share_protected = shapely.intersection(polygon, protected).area / polygon.area
        purpose = "0202" if share_protected > 0.5 else "0101" if share_field > 0.5 else "0201"
        rows.append({
            "CODE": code, "GROUP_CODE": code[:7], "PURPOSE": purpose,
            "PURPOSE_NAME": PURPOSES[purpose], "AREA_SCALE": round(polygon.area, 1),
        })
        geoms.append(shapely.set_precision(polygon, 0.01))
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=region.CRS)
