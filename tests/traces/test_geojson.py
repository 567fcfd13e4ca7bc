"""Producer GeoJSON: rounding then validation, holes cut open, points, refusals, speed."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable

import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, shape

from geoservice.traces.geocheck import check_geojson
from geoservice.traces.geojson import (
    GeoJsonError,
    Plot,
    build_producer_geojson,
    decode_geojson,
    encode_geojson,
    encoded_size,
)


def geometries(result: object) -> list[dict]:  # type: ignore[type-arg]
    return [f["geometry"] for f in result.geojson["features"]]  # type: ignore[attr-defined]


def test_properties_rounding_and_orientation() -> None:
    clockwise = Polygon(
        [(24.1, 56.9), (24.1, 56.9012345678), (24.1012345678, 56.9012345678), (24.1012345678, 56.9)]
    )
    result = build_producer_geojson(
        [Plot(clockwise, "Cirsma 7")], producer_name="Ozols", producer_country="LV"
    )
    [feature] = result.geojson["features"]
    assert feature["properties"] == {
        "ProducerCountry": "LV",
        "ProducerName": "Ozols",
        "ProductionPlace": "Cirsma 7",
    }
    ring = feature["geometry"]["coordinates"][0]
    assert all(len(str(v).split(".")[-1]) <= 6 for xy in ring for v in xy)
    assert ring[0] == ring[-1] and len(ring) == 5
    assert shapely.Polygon(ring).exterior.is_ccw  # RFC 7946: exterior counter-clockwise
    assert result.warnings == ()


def test_rounding_that_creates_duplicates_removes_them() -> None:
    # Two vertices 1e-7 apart collapse into one at 6 decimals (EC common error no. 7).
    poly = Polygon(
        [(24.0, 56.0), (24.001, 56.0), (24.0010001, 56.0000001), (24.001, 56.001), (24.0, 56.001)]
    )
    [geometry] = geometries(build_producer_geojson([Plot(poly)]))
    ring = geometry["coordinates"][0]
    assert all(a != b for a, b in zip(ring, ring[1:], strict=False))
    assert len(ring) == 5
    assert check_geojson(geometry) == []


def test_rounding_that_breaks_the_outline_is_repaired() -> None:
    # A spike thinner than 1e-6° crosses itself once rounded.
    poly = Polygon(
        [
            (24.0, 56.0),
            (24.002, 56.0),
            (24.002, 56.002),
            (24.0010004, 56.002),
            (24.0010001, 56.0030004),
            (24.0009996, 56.002),
            (24.0, 56.002),
        ]
    )
    assert poly.is_valid
    result = build_producer_geojson([Plot(poly, "spike")])
    assert any("repaired" in w for w in result.warnings)
    for geometry in geometries(result):
        assert check_geojson(geometry) == []
    total = sum(shape(g).area for g in geometries(result))
    assert total == pytest.approx(poly.area, rel=1e-3)


def test_hole_is_cut_open_without_losing_area() -> None:
    outer = [(24.0, 56.0), (24.01, 56.0), (24.01, 56.01), (24.0, 56.01)]
    holes = [
        [(24.002, 56.002), (24.004, 56.002), (24.004, 56.004), (24.002, 56.004)],
        [(24.006, 56.006), (24.008, 56.006), (24.007, 56.008)],
    ]
    poly = Polygon(outer, holes)
    result = build_producer_geojson([Plot(poly, "ar caurumu")])
    parts = [shape(g) for g in geometries(result)]
    assert len(parts) >= 3
    assert all(isinstance(p, Polygon) and not p.interiors for p in parts)
    assert sum(p.area for p in parts) == pytest.approx(poly.area, rel=1e-6)
    assert (
        shapely.union_all(parts).equals_exact(poly, 1e-6)
        or shapely.union_all(parts).symmetric_difference(poly).area < 1e-10
    )
    assert len(result.warnings) == 1 and "2 hole(s) split" in result.warnings[0]
    assert all(check_geojson(g) == [] for g in geometries(result))


def test_point_over_four_hectares_is_refused_but_small_point_carries_area() -> None:
    with pytest.raises(GeoJsonError, match="over 4 ha"):
        build_producer_geojson([Plot(Point(24.1, 56.9), "big", area_ha=4.5)])
    result = build_producer_geojson([Plot(Point(24.12345678, 56.9), "small", area_ha=0.8)])
    [feature] = result.geojson["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [24.123457, 56.9]}
    assert feature["properties"]["Area"] == 0.8


def test_polygons_never_carry_area() -> None:
    [feature] = build_producer_geojson(
        [Plot(Polygon([(24, 56), (24.01, 56), (24.01, 56.01)]), area_ha=7.0)]
    ).geojson["features"]
    assert "Area" not in feature["properties"]


def test_refusals_are_collected_for_all_plots() -> None:
    plots = [
        Plot(LineString([(24, 56), (24.1, 56.1)]), "line"),
        Plot(Polygon([(500000, 300000), (500100, 300000), (500100, 300100)]), "lks92"),
        Plot(Polygon(), "empty"),
        Plot(Polygon([(24, 56), (24.01, 56), (24.01, 56.01)]), "fine"),
    ]
    with pytest.raises(GeoJsonError) as caught:
        build_producer_geojson(plots)
    problems = caught.value.problems
    assert len(problems) == 3
    assert problems[0].startswith("line: LineStrings are not accepted")
    assert problems[1].startswith("lks92: coordinates are not WGS84")
    assert problems[2] == "empty: empty geometry"


def test_touching_parts_become_separate_features() -> None:
    a = Polygon([(24, 56), (24.01, 56), (24.01, 56.01), (24, 56.01)])
    b = Polygon([(24.01, 56), (24.02, 56), (24.02, 56.01), (24.01, 56.01)])
    separate = Polygon([(24.03, 56), (24.04, 56), (24.04, 56.01)])
    assert [
        g["type"] for g in geometries(build_producer_geojson([Plot(MultiPolygon([a, separate]))]))
    ] == ["MultiPolygon"]
    touching = MultiPolygon([a, b])  # invalid as a MultiPolygon: parts share an edge
    assert [g["type"] for g in geometries(build_producer_geojson([Plot(touching)]))] == [
        "Polygon",
        "Polygon",
    ]


def test_base64_round_trip_and_size() -> None:
    obj = {"type": "Point", "coordinates": [24.1, 56.9], "properties": {"ProducerName": "Bērziņš"}}
    text = encode_geojson(obj)
    assert decode_geojson(text) == obj
    assert encoded_size(obj) == len(text)
    with pytest.raises(ValueError, match="Base64"):
        decode_geojson("not base64!")
    with pytest.raises(ValueError, match="JSON object"):
        decode_geojson(encode_geojson([1, 2]))  # type: ignore[arg-type]


def test_three_hundred_areas_well_under_100_ms() -> None:
    rng = random.Random(7)
    plots = []
    for i in range(300):
        cx, cy = 21 + rng.random() * 6, 56 + rng.random() * 1.5
        ring = [
            (
                cx + 0.003 * math.cos(a / 40 * 2 * math.pi) * (1 + 0.2 * rng.random()),
                cy + 0.002 * math.sin(a / 40 * 2 * math.pi),
            )
            for a in range(40)
        ]
        plots.append(Plot(Polygon(ring), f"cirsma {i}"))
    assert check_geojson(build_producer_geojson(plots).geojson) == []  # also warms up
    # CPU time, best of five: other jobs on a busy machine must not decide the outcome.
    best = min(_cpu_seconds(lambda: build_producer_geojson(plots)) for _ in range(5))
    assert best < 0.05, f"{best * 1000:.0f} ms"


def _cpu_seconds(action: Callable[[], object]) -> float:
    started = time.process_time()
    action()
    return time.process_time() - started
