"""One fetch as asked for (command-line options or a ``sources.toml`` entry), carried out.

Coverage — where the layer has data, so the checks say ``no_layer_data`` elsewhere — is what
the fetch states: ``--extent`` (EPSG:3059, or a region name such as ``latvia``), else the
source's declared extent (WFS ``WGS84BoundingBox``, OGC API collection extent, the raster's
clip), else Latvia for a national source. It is never taken from where features happen to be.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from geoservice.errors import ValidationFailed
from geoservice.layers import harvest, registry, sources
from geoservice.layers.fetch import files, oapif, rasters, wfs
from geoservice.layers.fetch.http import Client
from geoservice.settings import Settings

Progress = Callable[[Iterable[Any]], Iterable[Any]]


@dataclass(frozen=True)
class FetchRequest:
    protocol: str
    location: str
    role: str
    title: str
    type_name: str | None = None
    collection: str | None = None
    crs: str = "EPSG:3059"
    page_size: int | None = None
    where: str | None = None
    id_property: str | None = None
    clip: str | None = None  # a region name or "W,S,E,N" in lon/lat
    nodata: float | None = None
    extent: str | None = None  # a region name or "MINX,MINY,MAXX,MAXY" in EPSG:3059
    layer: str | None = None
    reference_date: date | None = None
    licence: str = ""
    national: bool = False  # from sources.toml: coverage defaults to Latvia

    def meta(self) -> registry.LayerMeta:
        kind = "raster" if self.protocol == "raster" else "vector"
        return registry.LayerMeta(title=self.title, role=self.role, kind=kind,
                                  source=self.location, licence=self.licence)


@dataclass(frozen=True)
class Done:
    layer_id: str
    version: int | None
    previous: int | None
    summary: str


def _numbers(value: str, what: str) -> tuple[float, float, float, float]:
    parts = value.replace(" ", "").split(",")
    try:
        numbers: tuple[float, ...] = tuple(float(p) for p in parts)
    except ValueError:
        numbers = ()
    if len(numbers) != 4 or numbers[0] >= numbers[2] or numbers[1] >= numbers[3]:
        raise ValidationFailed(f"{what} {value!r} is neither a region name nor four numbers "
                               "W,S,E,N (minimum before maximum).", code="layer_extent_invalid")
    return numbers


def from_source(source: sources.Source, *, location: str | None = None) -> FetchRequest:
    opts = source.options
    coverage = source.coverage
    extent = (",".join(str(v) for v in coverage) if isinstance(coverage, list)
              else str(coverage) if coverage else None)
    url = location or source.url
    if not url:
        raise ValidationFailed(
            f"The source {source.name!r} has no URL in layers/sources.toml ({source.note}); "
            f"give one: geoservice layers fetch {source.name} URL", code="layer_source_no_url")
    return FetchRequest(
        protocol=source.protocol, location=url, role=source.role, title=source.title,
        type_name=opts.get("type_name"), collection=opts.get("collection"),
        crs=str(opts.get("crs", "EPSG:3059")), page_size=opts.get("page_size"),
        where=opts.get("where"), id_property=opts.get("id_property"), clip=opts.get("clip"),
        nodata=opts.get("nodata"), extent=extent, layer=opts.get("layer"),
        licence=source.licence, national=True)


def execute(engine: Engine, settings: Settings, request: FetchRequest, *,
            catalogue: sources.Catalogue | None = None, client: Client | None = None,
            progress: Progress = lambda items: items, show_progress: bool | None = None) -> Done:
    catalogue = catalogue or sources.read(Path(settings.fetch.sources_file))
    client = client or Client(timeout=settings.fetch.timeout_seconds,
                              retries=settings.fetch.retries,
                              backoff=settings.fetch.backoff_seconds)
    registry.validate_meta(request.meta())
    store_dir = Path(settings.check.layers_dir) / "store"

    def region_or_box(value: str, what: str) -> tuple[float, float, float, float]:
        return (catalogue.region_3059(value) if value in catalogue.regions
                else _numbers(value, what))

    stated = region_or_box(request.extent, "--extent") if request.extent else None
    if request.protocol == "raster":
        clip = (catalogue.region_lonlat(request.clip) if request.clip in catalogue.regions
                else _numbers(request.clip, "--clip") if request.clip else None)
        extent = stated or (sources.lonlat_to_3059(clip) if clip else None)
        if extent is None:
            raise ValidationFailed("Say where the raster has data: --clip latvia (or W,S,E,N) "
                                   "or --extent.", code="layer_extent_missing")
        target = harvest.Target(request.meta(), "raster", request.location,
                                reference_date=request.reference_date, extent=extent,
                                coverage_source="--extent" if stated else "clip")
        got = rasters.fetch(engine, client, request.location, target, store_dir=store_dir,
                            clip=clip, nodata=request.nodata, progress=progress)
        return Done(got.layer_id, got.version, got.previous, got.summary())
    if request.protocol == "wfs":
        if not request.type_name:
            raise ValidationFailed("A WFS fetch needs --type-name.", code="layer_type_missing")
        wfs_source = wfs.WfsSource(request.location, request.type_name, request.crs,
                                   request.page_size or 10_000, request.where,
                                   request.id_property)
        declared = None if stated else wfs.declared_extent(client, wfs_source)
        target = _target(request, "wfs", wfs_source.params(), stated, declared, catalogue)
        outcome = wfs.run(engine, client, wfs_source, target, show_progress=show_progress)
    elif request.protocol == "oapif":
        if not request.collection:
            raise ValidationFailed("An OGC API Features fetch needs --collection.",
                                   code="layer_collection_missing")
        api_source = oapif.OapifSource(request.location, request.collection,
                                       request.page_size or 1_000, request.where)
        declared = None if stated else oapif.declared_extent(client, api_source)
        target = _target(request, "oapif", api_source.params(), stated, declared, catalogue)
        outcome = oapif.run(engine, client, api_source, target, show_progress=show_progress)
    elif request.protocol == "file":
        target = _target(request, "file", {"layer": request.layer}, stated, None, catalogue)
        outcome = files.fetch(engine, client, request.location, target, store_dir=store_dir,
                              layer=request.layer)
    else:
        raise ValidationFailed(f"Unknown protocol {request.protocol!r}.",
                               code="layer_protocol_unknown")
    return Done(outcome.layer_id, outcome.version, outcome.previous,
                outcome.summary(request.title))


def _target(request: FetchRequest, protocol: str, params: dict[str, Any],
            stated: tuple[float, float, float, float] | None,
            declared: tuple[float, float, float, float] | None,
            catalogue: sources.Catalogue) -> harvest.Target:
    if stated is not None:
        extent, why = stated, "--extent" if not request.national else "sources.toml coverage"
    elif declared is not None:
        extent, why = sources.lonlat_to_3059(declared), "declared by the source"
    elif request.national and "latvia" in catalogue.regions:
        extent, why = catalogue.region_3059("latvia"), "Latvia (national source)"
    else:
        raise ValidationFailed(
            "The source declares no extent: say where the layer has data with --extent latvia "
            "or --extent MINX,MINY,MAXX,MAXY (EPSG:3059); outside it the checks report "
            "no_layer_data.", code="layer_extent_missing")
    return harvest.Target(request.meta(), protocol, request.location, params,
                          request.reference_date, extent, why)


def with_location(request: FetchRequest, location: str) -> FetchRequest:
    return replace(request, location=location)
