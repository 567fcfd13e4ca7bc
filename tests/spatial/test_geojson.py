"""GeoJSON parsing: accepted shapes, CRSs, rejections with clear codes, output precision."""

from __future__ import annotations

from typing import Any

import pytest
from shapely.geometry import MultiPolygon, Polygon

from geoservice.errors import ValidationFailed
from geoservice.spatial.crs import LKS92, WGS84, parse_crs
from geoservice.spatial.geojson import parse_geometry, to_geojson
from tests.factories import ORIGIN, square


def ring_3059(side: float = 100.0) -> list[list[float]]:
    x, y = ORIGIN
    return [[x, y], [x + side, y], [x + side, y + side], [x, y + side], [x, y]]


def polygon_4326() -> dict[str, Any]:
    return to_geojson(square(), WGS84)


def test_polygon_in_4326_becomes_multipolygon_in_3059_with_area() -> None:
    parsed = parse_geometry(polygon_4326())
    assert isinstance(parsed.geometry, MultiPolygon)
    assert parsed.area_ha == pytest.approx(1.0, abs=0.001)
    assert parsed.geometry.bounds[0] == pytest.approx(ORIGIN[0], abs=0.05)
    assert not parsed.repaired


def test_polygon_in_3059_with_explicit_crs() -> None:
    parsed = parse_geometry({"type": "Polygon", "coordinates": [ring_3059()]}, "EPSG:3059")
    assert parsed.area_ha == 1.0


@pytest.mark.parametrize("wrapper", ["feature", "collection"])
def test_feature_and_feature_collection_are_unwrapped(wrapper: str) -> None:
    geometry = {"type": "Polygon", "coordinates": [ring_3059(50)]}
    feature = {"type": "Feature", "properties": {}, "geometry": geometry}
    obj = feature if wrapper == "feature" else {"type": "FeatureCollection",
                                                "features": [feature]}
    assert parse_geometry(obj, "EPSG:3059").area_ha == 0.25


@pytest.mark.parametrize(("obj", "code"), [
    ({"type": "LineString", "coordinates": [[25.8, 56.9], [25.81, 56.91]]}, "geometry_type"),
    ({"type": "Point", "coordinates": [25.8, 56.9]}, "geometry_type"),
    ({"type": "Polygon", "coordinates": []}, "geometry_empty"),
    ({"type": "FeatureCollection", "features": []}, "geometry_empty"),
    ({"type": "Feature", "geometry": None, "properties": {}}, "geometry_empty"),
    ({"type": "Polygon", "coordinates": [[[25.8, 56.9], [25.81]]]}, "geometry_malformed"),
    ({"type": "Circle"}, "geometry_malformed"),
    ("POLYGON((1 2, 3 4))", "geometry_malformed"),
])
def test_rejections_have_codes(obj: Any, code: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_geometry(obj)
    assert info.value.code == code
    assert info.value.message.startswith("geometry: ")


def test_linestring_message_says_what_to_send() -> None:
    with pytest.raises(ValidationFailed, match="must be a Polygon or MultiPolygon, not a "
                       "LineString"):
        parse_geometry({"type": "LineString", "coordinates": [[25.8, 56.9], [25.9, 56.9]]})


def test_swapped_lat_lon_is_detected() -> None:
    geo = polygon_4326()
    geo["coordinates"] = [[[[y, x] for x, y in ring] for ring in poly]
                          for poly in geo["coordinates"]]
    with pytest.raises(ValidationFailed, match="latitude, longitude order") as info:
        parse_geometry(geo)
    assert info.value.code == "axis_order_swapped"


def test_metres_without_crs_are_detected() -> None:
    with pytest.raises(ValidationFailed, match="EPSG:3059") as info:
        parse_geometry({"type": "Polygon", "coordinates": [ring_3059()]})
    assert info.value.code == "crs_mismatch"


def test_missing_false_northing_is_detected() -> None:
    ring = [[x, y + 6_000_000] for x, y in ring_3059()]
    with pytest.raises(ValidationFailed, match="false northing") as info:
        parse_geometry({"type": "Polygon", "coordinates": [ring]}, "EPSG:3059")
    assert info.value.code == "false_northing_missing"


def test_northing_easting_order_in_3059_is_detected() -> None:
    ring = [[y, x] for x, y in ring_3059()]
    with pytest.raises(ValidationFailed, match="northing, easting order") as info:
        parse_geometry({"type": "Polygon", "coordinates": [ring]}, "EPSG:3059")
    assert info.value.code == "axis_order_swapped"


def test_degrees_sent_as_3059_are_detected() -> None:
    with pytest.raises(ValidationFailed, match="look like degrees") as info:
        parse_geometry(polygon_4326(), "EPSG:3059")
    assert info.value.code == "crs_mismatch"


def test_outside_latvia() -> None:
    paris = [[2.3, 48.8], [2.4, 48.8], [2.4, 48.9], [2.3, 48.8]]
    with pytest.raises(ValidationFailed, match="outside Latvia") as info:
        parse_geometry({"type": "Polygon", "coordinates": [paris]})
    assert info.value.code == "outside_latvia"


def test_unsupported_crs_is_named() -> None:
    with pytest.raises(ValidationFailed, match="EPSG:25835"):
        parse_geometry(polygon_4326(), "EPSG:25835")


@pytest.mark.parametrize(("name", "epsg"), [
    (None, WGS84), ("EPSG:3059", LKS92), ("urn:ogc:def:crs:EPSG::3059", LKS92),
    ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", WGS84),
    ({"type": "name", "properties": {"name": "EPSG:3059"}}, LKS92),
])
def test_crs_names(name: object, epsg: int) -> None:
    assert parse_crs(name) == epsg


def test_output_rounds_and_round_trips_in_both_crs() -> None:
    geom = square()
    out = to_geojson(geom, LKS92)
    assert out["type"] == "MultiPolygon"
    assert out["coordinates"][0][0][0] == [ORIGIN[0], ORIGIN[1]]
    back = parse_geometry(to_geojson(geom, WGS84)).geometry
    assert back.symmetric_difference(geom).area < 1.0


def test_collection_of_two_polygons_is_one_multipolygon() -> None:
    a = Polygon(ring_3059(50))
    b = Polygon([(x + 200, y) for x, y in ring_3059(50)])
    obj = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": to_geojson(MultiPolygon([p]), LKS92)}
        for p in (a, b)]}
    parsed = parse_geometry(obj, "EPSG:3059")
    assert len(parsed.geometry.geoms) == 2
    assert parsed.area_ha == 0.5
