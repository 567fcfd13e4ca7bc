"""``geoservice layers import|fetch|refresh|recheck|list``: versioned land-use layers."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from geoservice.cli.common import engine, progress, settings
from geoservice.errors import ValidationFailed
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
    _register_fetch(sub)


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
        pending = [v for v in layer["versions"] if v["state"] == "harvesting"]
        note = f"  (v{pending[0]['version']} harvesting: resumable)" if pending else ""
        ref = current["reference_date"] if current else None
        print(f"{layer['id']:28} {layer['role']:21} {layer['kind']:6} "
              f"v{layer['current_version']} ({len(layer['versions'])} versions) "
              f"{count:>9} features  ref {ref}  {layer['title']}{note}")
    return 0


FETCH_KINDS = ("wfs", "oapif", "raster", "file")


def _register_fetch(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fetch = sub.add_parser(
        "fetch", help="fetch a layer from its source (WFS 2.0, OGC API Features, GeoTIFF/COG, "
        "OGR file) or a named source of layers/sources.toml",
        description="geoservice layers fetch wfs URL --type-name NAME --role ROLE --title T | "
        "oapif URL --collection ID ... | raster URL --clip latvia ... | file PATH_OR_URL ... | "
        "NAME [URL] (a source of layers/sources.toml)")
    fetch.add_argument("source", help="wfs, oapif, raster, file, or a source name")
    fetch.add_argument("location", nargs="?", help="URL or path (for a named source: "
                       "overrides its URL)")
    fetch.add_argument("--role", choices=registry.ROLES)
    fetch.add_argument("--title", help="identifies the layer; same title = new version")
    fetch.add_argument("--type-name", help="WFS feature type, e.g. LAD:Lauki")
    fetch.add_argument("--collection", help="OGC API Features collection id")
    fetch.add_argument("--crs", default="EPSG:3059", help="CRS to ask the WFS for")
    fetch.add_argument("--page-size", type=int, help="features per page (WFS 10 000, OGC API "
                       "1 000)")
    fetch.add_argument("--where", help="CQL filter, e.g. \"PERIOD_CODE = 2024\"")
    fetch.add_argument("--id-property", help="attribute that identifies a feature "
                       "(default: gml:id)")
    fetch.add_argument("--clip", help="raster: latvia or W,S,E,N in lon/lat")
    fetch.add_argument("--nodata", type=float, help="raster: nodata value when none declared")
    fetch.add_argument("--extent", help="where the layer has data: latvia or MINX,MINY,MAXX,MAXY "
                       "(EPSG:3059); default: the source's declared extent")
    fetch.add_argument("--layer", help="file: the layer inside a multi-layer source")
    fetch.add_argument("--date", type=date.fromisoformat, help="reference date YYYY-MM-DD")
    fetch.add_argument("--licence", default="")
    fetch.set_defaults(func=_fetch)
    refresh = sub.add_parser("refresh", help="fetch named sources again (new version only when "
                             "something changed)")
    refresh.add_argument("names", nargs="*", help="source names of layers/sources.toml")
    refresh.add_argument("--all", action="store_true", help="every source that has a URL")
    refresh.set_defaults(func=_refresh)
    recheck = sub.add_parser("recheck", help="finish the re-check of a layer's newest version "
                             "(after an interruption) and print what changed")
    recheck.add_argument("layer", help="layer id or title")
    recheck.set_defaults(func=_recheck)


def _fetch(args: argparse.Namespace) -> int:
    from geoservice.layers import sources
    from geoservice.layers.fetch.request import FetchRequest, from_source

    conf = settings()
    if args.source in FETCH_KINDS:
        if not args.location or not args.role or not args.title:
            raise ValidationFailed(f"geoservice layers fetch {args.source} needs a URL or path, "
                                   "--role and --title.", code="usage")
        extent = args.extent
        request = FetchRequest(
            protocol=args.source, location=args.location, role=args.role, title=args.title,
            type_name=args.type_name, collection=args.collection, crs=args.crs,
            page_size=args.page_size, where=args.where, id_property=args.id_property,
            clip=args.clip, nodata=args.nodata, extent=extent, layer=args.layer,
            reference_date=args.date, licence=args.licence)
    else:
        catalogue = sources.read(Path(conf.fetch.sources_file))
        request = from_source(catalogue.get(args.source), location=args.location)
    return _run_requests([request])


def _refresh(args: argparse.Namespace) -> int:
    from geoservice.layers import sources
    from geoservice.layers.fetch.request import from_source

    catalogue = sources.read(Path(settings().fetch.sources_file))
    if not args.all and not args.names:
        raise ValidationFailed("Name the sources to refresh, or pass --all.", code="usage")
    chosen = catalogue.sources if args.all else [catalogue.get(n) for n in args.names]
    requests = []
    for source in chosen:
        if not source.url:
            print(f"{source.name}: skipped, no URL in layers/sources.toml ({source.note})")
            continue
        requests.append(from_source(source))
    return _run_requests(requests)


def _run_requests(requests: list[Any]) -> int:
    from geoservice.checks import recheck
    from geoservice.errors import GeoserviceError
    from geoservice.layers.fetch.request import execute

    conf = settings()
    eng = engine()
    failed = 0
    try:
        for request in requests:
            try:
                done = execute(eng, conf, request, progress=_bar(f"fetching {request.title}"))
            except GeoserviceError as exc:
                if len(requests) == 1:
                    raise
                print(f"{request.title}: failed: {exc.message}")
                failed += 1
                continue
            print(done.summary)
            if done.version is not None:
                _print_recheck(eng, recheck, done.layer_id, done.version)
    finally:
        eng.dispose()
    return 1 if failed else 0


def _bar(label: str) -> Any:
    return lambda items: progress(items, label=label)


def _print_recheck(eng: Any, recheck: Any, layer_id: str, version: int) -> None:
    from sqlalchemy import text

    with eng.connect() as conn:
        recheck_id = conn.execute(text(
            "SELECT id::text FROM layer_rechecks WHERE layer_id = :l AND to_version = :v "
            "ORDER BY at DESC LIMIT 1"), {"l": layer_id, "v": version}).scalar()
    if recheck_id is None:
        return
    result = recheck.run_queued(eng, recheck_id, progress=lambda items: progress(
        list(items), label="re-checking"))
    print(result.summary())


def _recheck(args: argparse.Namespace) -> int:
    from sqlalchemy import text

    from geoservice.checks import recheck

    eng = engine()
    try:
        with eng.connect() as conn:
            row = conn.execute(text(
                "SELECT l.id, l.current_version FROM layers l WHERE l.id = :x OR l.title = :x"),
                {"x": args.layer}).first()
        if row is None or row.current_version is None:
            raise ValidationFailed(f"No layer {args.layer!r} with a current version.",
                                   code="layer_not_found")
        _print_recheck(eng, recheck, row.id, int(row.current_version))
    finally:
        eng.dispose()
    return 0
