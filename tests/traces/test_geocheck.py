"""The TRACES GeoJSON rules as the simulator (and the builder's self-check) apply them."""

from __future__ import annotations

from typing import Any

import pytest

from geoservice.traces.geocheck import check_geojson, truncate6

SQUARE = [[24.0, 56.0], [24.001, 56.0], [24.001, 56.001], [24.0, 56.001], [24.0, 56.0]]


def kinds(obj: Any, **kwargs: Any) -> list[str]:
    return [p.kind for p in check_geojson(obj, **kwargs)]


def feature(geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def test_valid_shapes_pass() -> None:
    collection = {
        "type": "FeatureCollection",
        "features": [
            feature({"type": "Polygon", "coordinates": [SQUARE]}),
            feature({"type": "Point", "coordinates": [24.1, 56.9]}, Area=2.5),
            feature({"type": "MultiPoint", "coordinates": [[24.1, 56.9], [24.2, 56.9]]}),
            feature(
                {
                    "type": "GeometryCollection",
                    "geometries": [{"type": "Point", "coordinates": [24, 56]}],
                }
            ),
        ],
    }
    assert check_geojson(collection) == []


@pytest.mark.parametrize(
    ("geometry", "expected"),
    [
        ({"type": "LineString", "coordinates": [[24, 56], [24.1, 56.1]]}, "GEO_INVALID"),
        ({"type": "MultiLineString", "coordinates": [[[24, 56], [24.1, 56.1]]]}, "GEO_INVALID"),
        ({"type": "Point", "coordinates": [[24.1, 56.9]]}, "GEO_INVALID"),  # array of arrays
        ({"type": "Point", "coordinates": [200.0, 56.9]}, "GEO_INVALID"),
        ({"type": "Point", "coordinates": ["24.1", "56.9"]}, "GEO_INVALID"),
        ({"type": "Polygon", "coordinates": [SQUARE[:-1]]}, "GEO_INVALID_GEOMETRY"),  # open
        (
            {"type": "Polygon", "coordinates": [[[24, 56], [24.1, 56], [24, 56]]]},
            "GEO_INVALID_GEOMETRY",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[24, 56], [24.1, 56.1], [24.1, 56], [24, 56.1], [24, 56]]],
            },
            "GEO_INVALID_GEOMETRY",
        ),  # bow-tie
        (
            {"type": "Polygon", "coordinates": [[[24, 56], [24.1, 56], [24.2, 56], [24, 56]]]},
            "GEO_INVALID_GEOMETRY",
        ),  # a line
    ],
)
def test_refused_geometries(geometry: dict[str, Any], expected: str) -> None:
    assert kinds(geometry) == [expected]


def test_duplicates_created_by_truncation_are_refused() -> None:
    ring = [
        [24.0, 56.0],
        [24.001, 56.0],
        [24.0010001, 56.0000009],
        [24.001, 56.001],
        [24.0, 56.001],
        [24.0, 56.0],
    ]
    assert kinds({"type": "Polygon", "coordinates": [ring]}) == ["GEO_INVALID_GEOMETRY"]
    assert "truncation" in check_geojson({"type": "Polygon", "coordinates": [ring]})[0].message


def test_truncation_not_rounding_and_no_float_noise() -> None:
    assert truncate6(__import__("numpy").array([0.3, 24.1234569, -24.1234569])).tolist() == [
        0.3,
        24.123456,
        -24.123456,
    ]


def test_point_area_rules_and_the_cattle_exception() -> None:
    point = {"type": "Point", "coordinates": [24.1, 56.9]}
    assert kinds(feature(point, Area=4.0)) == []
    assert kinds(feature(point)) == []  # default 4 ha
    assert kinds(feature(point, Area=4.01)) == ["GEO_AREA_INVALID"]
    assert kinds(feature(point, Area=0.00001)) == ["GEO_AREA_INVALID"]
    assert kinds(feature(point, Area="3")) == ["GEO_AREA_INVALID"]  # EC common error 14
    assert kinds(feature(point, Area=40), cattle=True) == []


def test_overlapping_multipolygon_parts_and_empty_input() -> None:
    shifted = [[x + 0.0005, y] for x, y in SQUARE]
    assert kinds({"type": "MultiPolygon", "coordinates": [[SQUARE], [shifted]]}) == [
        "GEO_INVALID_GEOMETRY"
    ]
    assert kinds({"type": "FeatureCollection", "features": []}) == ["GEO_INVALID"]
    assert kinds([1, 2]) == ["GEO_INVALID"]


def test_holes_are_ignored_like_traces_does() -> None:
    hole = [[24.0002, 56.0002], [24.0004, 56.0002], [24.0004, 56.0004], [24.0002, 56.0002]]
    assert kinds({"type": "Polygon", "coordinates": [SQUARE, hole]}) == []
