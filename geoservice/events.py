"""In-process domain events whose handlers run inside the caller's transaction.

Used where one domain must react to another without importing it: the checks re-run when a
certificate's geometry changes or a layer is replaced. Handler modules are listed in
``HANDLER_MODULES`` and imported once by ``load_handlers()`` (the app factory and the CLI call it).
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

CERTIFICATE_GEOMETRY_CHANGED = "certificate.geometry_changed"
LAYER_REPLACED = "layer.replaced"

Handler = Callable[..., None]
_handlers: dict[str, list[Handler]] = defaultdict(list)

# Modules that subscribe handlers when imported; a module not (yet) present is skipped.
HANDLER_MODULES = ("geoservice.checks.subscriptions",)
_loaded = False


def subscribe(event: str, handler: Handler) -> None:
    if handler not in _handlers[event]:
        _handlers[event].append(handler)


def emit(event: str, conn: Connection, **payload: Any) -> None:
    """Call every handler of ``event`` with the same connection (same transaction)."""
    load_handlers()
    for handler in list(_handlers[event]):
        handler(conn, **payload)


def load_handlers() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for name in HANDLER_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not name.startswith(exc.name):
                raise
