"""Forest stands (nogabali) of the Jumurda demo region: real register stands and made-up ones.

Real stands come from ``data/jumurda_stands_70600050074_lks92.json`` (VMD open stand data, see
``data/README.md``). Made-up stands sit in other land units of Jumurdas pagasts within a few km;
their outlines come from :func:`geoservice.vmd.shapes.blob` with fixed seeds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from shapely.geometry import Polygon, shape

from geoservice.vmd.shapes import blob

STANDS_FILE = "jumurda_stands_70600050074_lks92.json"
REAL_LAND_UNIT = "70600050074"


@dataclass(frozen=True)
class Element:
    """One species element (storey part) of a stand, as in the register columns s/g/h/a1x."""

    species_code: int
    basal_area: float  # g, m²/ha
    height: float  # h, m
    age: int  # a, years


@dataclass(frozen=True)
class Stand:
    """A forest stand with what the register says about it; geometry in EPSG:3059."""

    kadastrs: str
    kvart: str
    nog: str
    anog: str | None
    geometry: Polygon
    elements: tuple[Element, ...]
    mt: str
    zkat: str
    real: bool

    @property
    def key(self) -> str:
        """``kadastrs:kvart:nog`` — unique within the demo region."""
        return f"{self.kadastrs}:{self.kvart}:{self.nog}"


@cache
def real_stands() -> dict[str, Stand]:
    """The 28 real stands of land unit 70600050074, keyed by ``kadastrs:kvart:nog``."""
    text = resources.files("geoservice.vmd").joinpath("data", STANDS_FILE).read_text("utf-8")
    out: dict[str, Stand] = {}
    for feature in json.loads(text)["features"]:
        p = feature["properties"]
        elements = tuple(
            Element(int(p[f"s{i}"]), float(p[f"g{i}"]), float(p[f"h{i}"]), int(p[f"a{i}"]))
            for i in range(10, 15)
            if p[f"s{i}"] not in (None, "", "0")
        )
        geometry = shape(feature["geometry"])
        if not isinstance(geometry, Polygon):
            raise ValueError(f"stand {p['nog']} is a {geometry.geom_type}, expected Polygon")
        stand = Stand(
            kadastrs=p["kadastrs"],
            kvart=p["kvart"],
            nog=p["nog"],
            anog=None if p["anog"] in (None, "", "0") else p["anog"],
            geometry=geometry,
            elements=elements,
            mt=p["mt"],
            zkat=p["zkat"],
            real=True,
        )
        out[stand.key] = stand
    return out


def _made_up(
    kadastrs: str,
    kvart: str,
    nog: str,
    center: tuple[float, float],
    area_ha: float,
    vertices: int,
    seed: int,
    elements: tuple[tuple[int, float, float, int], ...],
    elongation: float = 1.0,
    angle: float = 0.0,
    mt: str = "5",
) -> Stand:
    return Stand(
        kadastrs=kadastrs,
        kvart=kvart,
        nog=nog,
        anog=None,
        geometry=blob(center, area_ha, vertices, seed, elongation, angle),
        elements=tuple(Element(*e) for e in elements),
        mt=mt,
        zkat="10",
        real=False,
    )


@cache
def made_up_stands() -> dict[str, Stand]:
    """Stands invented for the demo (realistic shapes and stocking), keyed like real ones."""
    stands = (
        _made_up("70600040021", "3", "5", (608600, 309800), 1.84, 36, 11,
                 ((3, 22, 27, 85), (4, 8, 26, 85)), 1.3, 20),
        _made_up("70600070031", "6", "2", (612200, 307200), 1.21, 30, 12,
                 ((4, 20, 25, 75), (3, 6, 22, 70)), 1.2, -35),
        _made_up("70600070031", "6", "4", (612480, 307020), 0.93, 24, 13,
                 ((1, 26, 24, 105),), 1.1, 60, "2"),
        _made_up("70600020093", "1", "9", (607800, 307400), 2.37, 44, 14,
                 ((4, 18, 26, 72), (8, 9, 28, 72)), 1.4, 75),
        _made_up("70600080016", "2", "3", (609300, 306600), 0.64, 22, 15,
                 ((1, 25, 22, 90),), 1.2, 10, "2"),
        _made_up("70600030112", "4", "1", (612800, 311200), 4.62, 64, 16,
                 ((1, 28, 26, 110), (3, 4, 22, 90)), 1.5, -20, "2"),
        _made_up("70600050088", "7", "12", (611800, 309900), 1.12, 40, 17,
                 ((3, 30, 27, 88),), 1.2, 45),
        _made_up("70600010047", "2", "6", (607560, 312300), 1.58, 38, 18,
                 ((3, 16, 25, 80), (4, 10, 26, 80), (10, 3, 22, 95)), 1.3, -50),
        _made_up("70600060045", "5", "8", (606900, 310300), 0.86, 26, 19,
                 ((9, 22, 18, 34),), 1.2, 30, "10"),
        _made_up("70600090004", "1", "3", (613975, 308600), 1.48, 34, 20,
                 ((9, 18, 19, 38), (4, 8, 21, 38)), 1.7, 0, "10"),
        _made_up("70600040107", "8", "2", (608900, 308300), 2.08, 48, 21,
                 ((3, 20, 26, 95), (1, 10, 27, 100)), 1.25, 5),
    )
    return {s.key: s for s in stands}


def all_stands() -> dict[str, Stand]:
    """Real and made-up stands together."""
    return {**real_stands(), **made_up_stands()}
