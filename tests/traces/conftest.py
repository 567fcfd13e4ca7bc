"""Shared fixtures for the TRACES tests: a fake clock, plots in Latvia, statement factories."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from shapely.geometry import Polygon

from geoservice.traces.client import TracesClient
from geoservice.traces.geojson import Plot, build_producer_geojson
from geoservice.traces.model import (
    Commodity,
    Producer,
    RepresentedOperator,
    SpeciesInfo,
    Statement,
)
from geoservice.traces.simulator import TracesSimulator
from geoservice.traces.simulator.server import SimulatorTransport


class FakeClock:
    """A settable clock: ``clock()`` reads it, ``advance(seconds)`` moves it."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:  # 2026-09-21
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def square(lon: float, lat: float, size: float = 0.001) -> Polygon:
    """About 60 m × 110 m in Latvia for size 0.001°."""
    return Polygon([(lon, lat), (lon + size, lat), (lon + size, lat + size), (lon, lat + size)])


@pytest.fixture
def plot_geojson() -> dict[str, Any]:
    built = build_producer_geojson(
        [Plot(square(24.105, 56.946), "Cirsma 1")], producer_name="Jānis Bērziņš"
    )
    return built.geojson


@pytest.fixture
def operator() -> RepresentedOperator:
    return RepresentedOperator(
        name="SIA Meža Īpašnieks",
        identifier_type="vat",
        identifier_value="LV40003000000",
        country="LV",
        street="Brīvības iela 1",
        postal_code="LV-1010",
        city="Rīga",
        email="info@example.lv",
        phone="+371 20000000",
    )


StatementFactory = Callable[..., Statement]


@pytest.fixture
def make_statement(plot_geojson: dict[str, Any]) -> StatementFactory:
    """``make_statement(**overrides)``: a valid Latvian round-timber DDS, unique reference."""

    def factory(**overrides: Any) -> Statement:
        commodity_fields: dict[str, Any] = {
            "position": 1,
            "description_of_goods": "Apaļkoks, priede",
            "hs_heading": "4403",
            "volume_m3": Decimal("12.5"),
            "species": [SpeciesInfo("Pinus sylvestris", "Scots pine")],
            "producers": [Producer(1, "LV", "Jānis Bērziņš", plot_geojson)],
        }
        for key in list(overrides):
            if key in commodity_fields or key in (
                "net_weight_kg",
                "percentage_estimation_or_deviation",
                "supplementary_unit_qualifier",
            ):
                commodity_fields[key] = overrides.pop(key)
        fields: dict[str, Any] = {
            "internal_reference": f"GS-{uuid.uuid4().hex[:12].upper()}",
            "commodities": [Commodity(**commodity_fields)],
        }
        fields.update(overrides)
        return Statement(**fields)

    return factory


SIM_KEY = "sim-key"


@pytest.fixture
def sim(clock: Callable[[], float]) -> TracesSimulator:
    return TracesSimulator(
        delay_seconds=20, clock=clock, accounts={"user": SIM_KEY, "other": "k2"}, rate_limit=None
    )


@pytest.fixture
def client(sim: TracesSimulator) -> Iterator[TracesClient]:
    transport = SimulatorTransport(sim)
    yield TracesClient(
        "http://sim/tracesnt/", "user", SIM_KEY, "eudr-test", session=transport, simulated=True
    )
    transport.close()
