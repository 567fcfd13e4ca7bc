"""``geoservice layers import|list``: versioned land-use layers."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from geoservice.cli.common import engine, progress, settings
from geoservice.layers import registry


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("layers", help="land-use layers")
    sub = parser.add_subparsers(dest="layers_command", metavar="ACTION", required=True)
    imp = sub.add_parser("import", help="import a vector file (OGR) or GeoTIFF as a new version")
    imp.add_argument("path", type=Path)
    imp.add_argument("--role", required=True, choices=registry.ROLES)
    imp.add_argument("--title", required=True, help="identifies the layer; same title = new "
                     "version")
    imp.add_argument("--date", type=date.fromisoformat, help="reference date YYYY-MM-DD")
    imp.add_argument("--source", default="", help="where the data comes from")
    imp.add_argument("--licence", default="")
    imp.add_argument("--nodata", type=float,
                     help="rasters: the nodata value when the file declares none")
    imp.add_argument("--extent", type=float, nargs=4, metavar=("MINX", "MINY", "MAXX", "MAXY"),
                     help="where the layer has data (EPSG:3059); default: the data's bounds")
    imp.set_defaults(func=_import)
    lst = sub.add_parser("list", help="layers and their versions")
    lst.set_defaults(func=_list)


def _import(args: argparse.Namespace) -> int:
    # geopandas/pyogrio/rasterio take seconds to import: only the command that needs them pays.
    from geoservice.layers.importer import import_layer, kind_of

    meta = registry.LayerMeta(title=args.title, role=args.role, kind=kind_of(args.path),
                              source=args.source, licence=args.licence)
    store_dir = Path(settings().check.layers_dir) / "store"
    eng = engine()
    try:
        result = import_layer(
            eng, args.path, meta, store_dir=store_dir, reference_date=args.date,
            imported_by="cli", nodata=args.nodata,
            extent=tuple(args.extent) if args.extent else None,
            progress=lambda rows: progress(rows, label=f"importing {args.path.name}"))
    finally:
        eng.dispose()
    print(result.summary())
    return 0


def _list(args: argparse.Namespace) -> int:
    eng = engine()
    try:
        with eng.connect() as conn:
            layers = registry.list_layers(conn)
    finally:
        eng.dispose()
    if not layers:
        print("no layers; import one with `geoservice layers import` or `geoservice demo load`")
    for layer in layers:
        current = next((v for v in layer["versions"]
                        if v["version"] == layer["current_version"]), None)
        count = current["feature_count"] if current else 0
        ref = current["reference_date"] if current else None
        print(f"{layer['id']:28} {layer['role']:21} {layer['kind']:6} "
              f"v{layer['current_version']} ({len(layer['versions'])} versions) "
              f"{count:>9} features  ref {ref}  {layer['title']}")
    return 0
