"""TRACES V3 (EUDR Information System) integration: model, GeoJSON, SOAP client and simulator.

Entry points: ``client.TracesClient`` (real service), ``simulator.TracesSimulator`` with
``simulator.server.run_simulator`` (in-process), ``geojson.build_producer_geojson``,
``limits.check_limits`` and ``rules.check_statement``; all implement or serve
``protocol.TracesService``. The simulator has its own subpackage (``simulator/``).

The simulator modules used to sit here as ``simulator_*``; the old names still import (an
alias per module, resolved on first use) so code written against them keeps working.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

_MOVED = {f"geoservice.traces.simulator_{old}": f"geoservice.traces.simulator.{new}"
          for old, new in (("handlers", "handlers"), ("rules", "geometries"),
                           ("schema", "schema"), ("server", "server"), ("store", "store"),
                           ("wire", "wire"))}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``import geoservice.traces.simulator_store`` gives ``geoservice.traces.simulator.store``."""

    def find_spec(self, fullname: str, path: object = None,
                  target: object = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in _MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(_MOVED[spec.name])

    def exec_module(self, module: ModuleType) -> None:
        """The target module ran when it was imported."""


if not any(isinstance(f, _MovedModules) for f in sys.meta_path):
    sys.meta_path.append(_MovedModules())
