"""Fixtures of the certificate tests: a controllable VMD simulator and request bodies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from geoservice.spatial.geojson import to_geojson
from geoservice.vmd.simulator import VmdSimulator, designed
from tests.factories import ORIGIN, square


@pytest.fixture()
def vmd(app: Any) -> Iterator[VmdSimulator]:
    """The app's VMD source for one test; replace ``app.state.vmd_source`` to inject failures."""
    previous = getattr(app.state, "vmd_source", None)
    simulator = VmdSimulator()
    app.state.vmd_source = simulator
    yield simulator
    app.state.vmd_source = previous


@pytest.fixture()
def ca_numbers() -> list[str]:
    return [c.ca_number for c in designed()]


def area_body(cirsma: int = 1, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "cirsma": cirsma, "cadastral_designation": "70600050074", "quarter": "4",
        "compartment": str(cirsma), "sub_compartment": None, "felling_type": "galvena",
        "execution_method": "kailcirte",
        "geometry": to_geojson(square(ORIGIN[0] + 150 * (cirsma - 1), ORIGIN[1])),
        "volumes": [{"species_code": 1, "m3": 200.0}, {"species_code": 4, "m3": 50.0}],
        "products": [{"hs_code": "4403", "m3": 220.0}, {"hs_code": "4401", "m3": 30.0}],
    }
    body.update(overrides)
    return body


def manual_body(ca_number: str = "MAN-0001", n_areas: int = 1, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source": "manual", "ca_number": ca_number, "issued_on": "2026-03-02",
        "valid_until": "2029-12-31", "place": "Jumurdas pagasts, Madonas novads",
        "areas": [area_body(i + 1) for i in range(n_areas)],
    }
    body.update(overrides)
    return body
