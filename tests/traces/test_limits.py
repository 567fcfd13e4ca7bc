"""Limits checked before sending, and the suggested number of statements."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from geoservice.traces.geojson import encoded_size
from geoservice.traces.limits import check_limits
from geoservice.traces.model import Producer, Statement


def test_a_normal_statement_is_within_limits(make_statement: Callable[..., Statement]) -> None:
    report = check_limits(make_statement())
    assert report.ok and report.statements_needed == 1 and report.geo_bytes > 0


def test_producers_per_commodity_and_split(
    make_statement: Callable[..., Statement], plot_geojson: dict[str, Any]
) -> None:
    producers = [Producer(i, "LV", None, plot_geojson) for i in range(2500)]
    report = check_limits(make_statement(producers=producers))
    assert [p.code for p in report.problems] == ["too_many_producers_per_commodity"]
    assert report.problems[0].actual == 2500 and report.problems[0].limit == 1000
    assert report.statements_needed == 3


def test_geolocation_size_limit_suggests_statements(
    make_statement: Callable[..., Statement], plot_geojson: dict[str, Any]
) -> None:
    producers = [Producer(i, "LV", None, plot_geojson) for i in range(10)]
    one = encoded_size(plot_geojson)
    report = check_limits(make_statement(producers=producers), max_geo_bytes=one * 4)
    assert [p.code for p in report.problems] == ["geolocation_too_large"]
    assert report.geo_bytes == one * 10
    assert report.statements_needed == 3


def test_schema_limits(make_statement: Callable[..., Statement]) -> None:
    statement = make_statement(
        internal_reference="X" * 36, hs_heading="44A3", description_of_goods="d" * 151
    )
    codes = {p.code for p in check_limits(statement).problems}
    assert codes == {"internal_reference_too_long", "hs_heading_invalid", "description_too_long"}
    assert {p.code for p in check_limits(replace(statement, commodities=[])).problems} >= {
        "no_commodities"
    }
