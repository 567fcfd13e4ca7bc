"""Repair of invalid polygons only when the area barely changes."""

from __future__ import annotations

import pytest
from shapely.geometry import MultiPolygon, Polygon

from geoservice.errors import ValidationFailed
from geoservice.spatial.geojson import parse_geometry, to_geojson
from geoservice.spatial.repair import repair
from tests.factories import ORIGIN


def _figure_eight() -> MultiPolygon:
    x, y = ORIGIN
    return MultiPolygon([Polygon([(x, y), (x + 100, y + 100), (x + 100, y), (x, y + 100)])])


def test_valid_geometry_is_untouched() -> None:
    x, y = ORIGIN
    square = MultiPolygon([Polygon([(x, y), (x + 10, y), (x + 10, y + 10), (x, y + 10)])])
    fixed, repaired = repair(square)
    assert fixed is square and not repaired


def test_small_self_crossing_is_repaired() -> None:
    x, y = ORIGIN
    # Vertices 3 and 4 swapped: a tiny bow-tie at the top edge.
    ring = [(x, y), (x + 100, y), (x + 100, y + 100), (x + 40, y + 102), (x + 60, y + 102),
            (x, y + 100)]
    geometry = MultiPolygon([Polygon(ring)])
    assert not geometry.is_valid
    fixed, repaired = repair(geometry)
    assert repaired and fixed.is_valid
    assert fixed.area == pytest.approx(10_000, rel=0.01)


def test_figure_eight_is_refused_with_the_change_of_area() -> None:
    with pytest.raises(ValidationFailed, match="would change its area by") as info:
        repair(_figure_eight())
    assert info.value.code == "geometry_invalid"
    assert info.value.details[0]["area_change_percent"] > 1


def test_parse_repairs_through_the_same_rule() -> None:
    with pytest.raises(ValidationFailed):
        parse_geometry(to_geojson(_figure_eight()))


def test_simulator_bowtie_is_repaired_on_import() -> None:
    from geoservice.vmd.simulator import _registry

    invalid = [a.geometry for c in _registry().values() for a in c.areas
               if not a.geometry.is_valid]
    assert invalid, "the simulator designs one bow-tie"
    fixed, repaired = repair(invalid[0])
    assert repaired and fixed.is_valid
