"""The simulator lives in its own subpackage; the old module names still import."""

from __future__ import annotations

import importlib

from geoservice.settings import ROOT


def test_the_simulator_has_its_own_subpackage() -> None:
    traces = ROOT / "geoservice" / "traces"
    assert not list(traces.glob("simulator_*.py")), "simulator modules belong in simulator/"
    assert {p.stem for p in (traces / "simulator").glob("*.py")} >= {
        "__init__", "core", "handlers", "schema", "server", "store", "wire"}


def test_old_module_names_still_import() -> None:
    for old, new in (("simulator_store", "simulator.store"), ("simulator_server",
                                                            "simulator.server"),
                     ("simulator_rules", "simulator.geometries")):
        moved = importlib.import_module(f"geoservice.traces.{old}")
        assert moved is importlib.import_module(f"geoservice.traces.{new}")
    from geoservice.traces.simulator_wire import overview_to_xml  # the form code uses

    assert overview_to_xml.__module__ == "geoservice.traces.simulator.wire"
