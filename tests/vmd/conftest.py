"""Fixtures of the VMD tests: sources over both back ends, register-style frames."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import geopandas as gpd
import pytest

from geoservice.certificates.model import Certificate
from geoservice.vmd.client import VmdHttpClient
from geoservice.vmd.protocol import VmdSource
from geoservice.vmd.simulator import VmdSimulator
from geoservice.vmd.stub_server import serve

SourceFactory = Callable[..., VmdSource]


@pytest.fixture(params=["simulator", "http"])
def make_source(request: pytest.FixtureRequest) -> Iterator[SourceFactory]:
    """Build a VmdSource over the simulator directly or over real HTTP on 127.0.0.1."""
    with ExitStack() as stack:

        def factory(**simulator_options: Any) -> VmdSource:
            simulator = VmdSimulator(**simulator_options)
            if request.param == "simulator":
                return simulator
            base_url = stack.enter_context(serve(simulator))
            return VmdHttpClient(base_url, timeout=2.0, retries=1, backoff=0.01)

        yield factory


@pytest.fixture(scope="session")
def certificates() -> list[Certificate]:
    simulator = VmdSimulator()
    return [simulator.fetch(n) for n in simulator.numbers()]


def register_frame(certs: list[Certificate], short_names: bool = False) -> gpd.GeoDataFrame:
    """A register-style extract of ``certs``, one row per felling area, in EPSG:3059.

    Written with literal column names (not with the reader's tables) so the reader is tested
    against the documented format. ``short_names`` uses the 10-character DBF forms.
    """
    kind, until = ("cirtes_vei", "deriga_lid") if short_names else ("cirtes_veids", "deriga_lidz")
    rows: list[dict[str, Any]] = []
    for c in certs:
        for a in c.areas:
            row: dict[str, Any] = {
                "ca_nr": c.ca_number, "cirsma": a.cirsma, "kadastrs": a.cadastral_designation,
                "kvart": a.quarter, "nog": a.compartment, "anog": a.sub_compartment or "0",
                kind: a.felling_type, "izp_veids": a.execution_method,
                "izsn_dat": c.issued_on.isoformat(), until: c.valid_until.isoformat(),
                "platiba": a.area_ha, "vieta": c.place, "geometry": a.geometry,
            }
            for v in a.volumes:
                row[f"tilp_{v.species_code}"] = v.m3
            for p in a.products:
                row[f"prod_{p.hs_code}"] = p.m3
            rows.append(row)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:3059")
