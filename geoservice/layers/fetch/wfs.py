"""Harvest every feature of one WFS 2.0 feature type, page by page (``startIndex``/``count``).

The total comes from ``resultType=hits`` when the server knows it; ArcGIS Server (the Rural
Support Service's) answers ``numberMatched="unknown"``, so the harvest pages until a short or
empty page. A server that caps ``count`` below the page size asked for is recognised on the
first page (a ``next`` link or a known total beyond it) and paged at its own size. A total that
changes while paging means the offsets no longer point at the same features: the harvest is
dropped and the message says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests
from lxml import etree
from sqlalchemy import Engine
from tqdm import tqdm

from geoservice.layers import gml, harvest
from geoservice.layers.fetch.fes import to_fes
from geoservice.layers.fetch.http import Client, FetchFailed


@dataclass(frozen=True)
class WfsSource:
    url: str
    type_name: str
    crs: str = "EPSG:3059"
    page_size: int = 10_000
    where: str | None = None
    id_property: str | None = None

    def params(self) -> dict[str, Any]:
        return {"type_name": self.type_name, "crs": self.crs, "page_size": self.page_size,
                "where": self.where, "id_property": self.id_property}

    @property
    def srs_name(self) -> str:
        """The URN form: axis order as the EPSG registry defines it (what WFS 2.0 intends)."""
        code = self.crs.split(":")[-1]
        return f"urn:ogc:def:crs:EPSG::{code}"


def _base(source: WfsSource) -> dict[str, Any]:
    params: dict[str, Any] = {"service": "WFS", "version": "2.0.0", "request": "GetFeature",
                              "typeNames": source.type_name, "srsName": source.srs_name}
    if source.where:
        params["filter"] = to_fes(source.where)
    return params


def _hits(client: Client, source: WfsSource) -> int | None:
    def parse(response: requests.Response) -> int | None:
        return gml.parse(response.content, srs_name=source.srs_name).number_matched
    try:
        return client.fetch(source.url, {**_base(source), "resultType": "hits"},
                            what=f"{source.url} ({source.type_name}, resultType=hits)",
                            parse=parse)
    except FetchFailed:
        return None  # a server without hits still pages


def run(engine: Engine, client: Client, source: WfsSource, target: harvest.Target,
        *, show_progress: bool | None = None) -> harvest.Outcome:
    started = harvest.now()
    resume = harvest.begin(engine, target)
    try:
        outcome = _harvest(engine, client, source, target, resume, show_progress)
    except FetchFailed as exc:
        harvest.log_fetch(engine, target, "failed", started, layer_id=resume.layer_id,
                          message=exc.message, features=resume.features)
        raise
    harvest.log_outcome(engine, target, started, outcome)
    return outcome


@dataclass(frozen=True)
class _Fetched:
    index: int
    members: int
    page: gml.Page
    rows: list[Any]


def _pages(client: Client, source: WfsSource, start: int, pages: int,
           total: int | None) -> Iterator[_Fetched]:
    """Fetch and parse pages in order until a short or empty page (or the known total)."""
    page_size, index, number, first = source.page_size, start, pages, True
    while True:
        number += 1
        what = (f"{source.url} ({source.type_name}) page {number}, startIndex={index}, "
                f"count={page_size}")
        page = client.fetch(
            source.url, {**_base(source), "startIndex": index, "count": page_size},
            what=what, parse=lambda r: gml.parse(r.content, srs_name=source.srs_name,
                                                  id_property=source.id_property))
        if total is not None and page.number_matched is not None \
                and page.number_matched != total:
            raise FetchFailed(
                f"{what}: the source changed while it was being harvested (numberMatched "
                f"{total} → {page.number_matched}); the partial harvest was dropped, the "
                "previous version stays current. Run the fetch again.",
                code="layer_source_changed")
        if total is None and page.number_matched is not None:
            total = page.number_matched
        members = page.members
        if members == 0:
            return
        if first and members < page_size and (
                page.next_url or (total is not None and index + members < total)):
            page_size = members  # the server caps count: page at its size
        first = False
        page.number_matched = total
        yield _Fetched(index, members, page, harvest.rows(page.features))
        index += members
        if members < page_size or (total is not None and index >= total):
            return


def _harvest(engine: Engine, client: Client, source: WfsSource, target: harvest.Target,
             resume: harvest.Resume, show_progress: bool | None) -> harvest.Outcome:
    """Pages are fetched and parsed in a thread while the previous one is written."""
    total = resume.number_matched if resume.pages else _hits(client, source)
    # LAD says numberMatched="unknown": the current version's size is the estimate for the ETA.
    estimate = total if total is not None else harvest.current_size(engine, resume.layer_id)
    bar = tqdm(total=estimate, initial=resume.features, unit=" features",
               desc=source.type_name if total is not None or estimate is None
               else f"{source.type_name} (≈ total from the current version)",
               disable=show_progress is False or None, leave=False, smoothing=0.1)
    try:
        with bar:
            for got in harvest.prefetch(_pages(client, source, resume.next_index, resume.pages,
                                               total)):
                if got.page.number_matched is not None and bar.total is None:
                    bar.total = got.page.number_matched
                harvest.write_page(engine, resume, got.page.features, rows=got.rows,
                                   next_index=got.index + got.members,
                                   next_url=got.page.next_url,
                                   number_matched=got.page.number_matched)
                bar.update(len(got.page.features))
    except FetchFailed as exc:
        if exc.code == "layer_source_changed":
            harvest.discard(engine, resume)
        raise
    return harvest.finish(engine, target, resume)


def declared_extent(client: Client, source: WfsSource) -> tuple[float, float, float, float] | None:
    """The type's ``ows:WGS84BoundingBox`` from GetCapabilities (lon/lat), if it states one."""
    def parse(response: requests.Response) -> tuple[float, float, float, float] | None:
        try:
            root = etree.fromstring(response.content, etree.XMLParser(resolve_entities=False,
                                                                      no_network=True))
        except etree.XMLSyntaxError as exc:
            raise gml.PageError(f"the capabilities are not XML ({exc})", retry=True) from exc
        wanted = source.type_name.split(":")[-1]
        for feature_type in root.iter("{*}FeatureType"):
            name = (feature_type.findtext("{*}Name") or "").split(":")[-1]
            box = feature_type.find("{*}WGS84BoundingBox")
            if name != wanted or box is None:
                continue
            lower = (box.findtext("{*}LowerCorner") or "").split()
            upper = (box.findtext("{*}UpperCorner") or "").split()
            if len(lower) == 2 and len(upper) == 2:
                return (float(lower[0]), float(lower[1]), float(upper[0]), float(upper[1]))
        return None
    try:
        return client.fetch(source.url, {"service": "WFS", "version": "2.0.0",
                                         "request": "GetCapabilities"},
                            what=f"{source.url} GetCapabilities", parse=parse)
    except FetchFailed:
        return None
