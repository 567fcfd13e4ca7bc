"""Demo overlays: deforestation permits, protected areas, the lake and land not forest in 2020."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Polygon

from geoservice.demo import region
from geoservice.demo.geometry import side_cut
from geoservice.vmd.shapes import blob

LAKE_CENTER = (607_138.0, 312_792.0)  # Jumurdas ezers (Wikidata Q29425303)
MUNICIPALITY = "Madonas novada pašvaldība"


def _rounded(g: shapely.Geometry) -> Polygon:
    if not isinstance(g, Polygon):
        raise ValueError(f"expected a Polygon, got {g.geom_type}")
    return Polygon(np.round(shapely.get_coordinates(g.exterior), 2))


def lake() -> Polygon:
    return blob(LAKE_CENTER, 52.0, 60, 301, 1.25, 35)


def permits_frame() -> gpd.GeoDataFrame:
    """Municipal permits to convert forest land (atmežošana), with the purpose of conversion.

    Only ``agriculture`` is EUDR deforestation; the construction permit over the atmežošana
    felling and the other permits must not block anything.
    """
    agriculture = side_cut(region.area_geometry(region.BLOCKED_PERMIT), 0.92, 160.0, 5.0, 201)
    building = _rounded(region.area_geometry(region.DEFORESTATION_FELLING).buffer(12.0, 4))
    rows = [
        ("MND/ATM/2025/031", "agriculture", "lauksaimniecības zemes ierīkošana",
         date(2025, 8, 14), "70600020093", agriculture),
        ("MND/ATM/2026/007", "construction", "dzīvojamās mājas būvniecība",
         date(2026, 4, 2), "70600080016", building),
        ("MND/ATM/2023/018", "construction", "lauksaimniecības ēkas (kūts) būvniecība",
         date(2023, 6, 20), "70600070055", blob((609_900, 311_900), 0.8, 20, 202)),
        ("MND/ATM/2024/044", "mining", "smilts un grants ieguve",
         date(2024, 9, 5), "70600030140", blob((613_100, 305_900), 3.1, 28, 203, 1.4, 15)),
    ]
    return gpd.GeoDataFrame(
        {
            "permit_no": [r[0] for r in rows],
            "purpose": [r[1] for r in rows],
            "purpose_lv": [r[2] for r in rows],
            "issued": [r[3].isoformat() for r in rows],
            "kadastrs": [r[4] for r in rows],
            "area_ha": [round(r[5].area / 10_000, 2) for r in rows],
            "issuer": [MUNICIPALITY] * len(rows),
        },
        geometry=[r[5] for r in rows],
        crs=region.CRS,
    )


def protected_frame() -> gpd.GeoDataFrame:
    """The Natura 2000 site Jumurdas ezers (demo outline around the real lake) and a
    micro-reserve that no certificate touches."""
    reserve = _rounded(shapely.union(blob(LAKE_CENTER, 265.0, 72, 302, 1.1, 40), lake()))
    micro = blob((610_380, 309_620), 3.4, 30, 303, 1.3, 70)
    return gpd.GeoDataFrame(
        {
            "code": ["LV0511300", "ML-3105"],
            "name": ["Jumurdas ezers", "Mikroliegums Jumurdā (demo)"],
            "category": ["dabas liegums", "mikroliegums"],
            "natura2000": [True, False],
            "designated": [date(2004, 5, 8).isoformat(), date(2012, 3, 1).isoformat()],
        },
        geometry=[reserve, micro],
        crs=region.CRS,
    )


def former_field() -> Polygon:
    """Abandoned farmland overgrown with grey alder: not forest in 2020, ~80 % of one area."""
    return side_cut(region.area_geometry(region.NOT_FOREST), 0.80, 300.0, 5.0, 204)


def open_land() -> list[Polygon]:
    """Meadows, bogs and yards that are neither forest nor field blocks (fixed seeds)."""
    rng = np.random.default_rng(77)
    x0, y0, x1, y1 = region.EXTENT
    return [
        blob((float(rng.uniform(x0, x1)), float(rng.uniform(y0, y1))),
             float(rng.uniform(3, 25)), 30, 400 + i, float(rng.uniform(1, 1.8)),
             float(rng.uniform(0, 180)))
        for i in range(25)
    ]
