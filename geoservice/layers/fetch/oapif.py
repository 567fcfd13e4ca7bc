"""Harvest every feature of one OGC API Features collection by following its ``next`` links.

Features are asked for in EPSG:3059 when the collection lists it (Part 2; coordinates then come
in the CRS' own axis order, northing first), else in CRS84 and reprojected here. The ``next``
link of the last full page is kept, so an interrupted harvest resumes there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import numpy as np
import orjson
import requests
from sqlalchemy import Engine
from tqdm import tqdm

from geoservice.layers import gml, harvest
from geoservice.layers.fetch.http import Client, FetchFailed

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_3059 = "http://www.opengis.net/def/crs/EPSG/0/3059"


@dataclass(frozen=True)
class OapifSource:
    url: str  # the landing page
    collection: str
    page_size: int = 1_000
    where: str | None = None

    def params(self) -> dict[str, Any]:
        return {"collection": self.collection, "page_size": self.page_size, "where": self.where}


def _json(response: requests.Response) -> Any:
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError as exc:
        head = response.content[:200].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")):
            raise gml.PageError("the server answered an HTML page, not JSON", retry=True,
                                code="layer_page_html") from exc
        raise gml.PageError(f"the answer is truncated or not JSON ({exc})", retry=True,
                            code="layer_page_truncated") from exc


def _rings(coordinates: Any) -> list[Any]:
    return [np.asarray(ring, dtype=float)[:, :2] for ring in coordinates]


def parse_page(data: Any, srs: str) -> gml.Page:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise gml.PageError("the answer is not a GeoJSON FeatureCollection")
    page = gml.Page(number_matched=data.get("numberMatched"),
                    number_returned=data.get("numberReturned"),
                    next_url=next((link.get("href") for link in data.get("links", [])
                                   if link.get("rel") == "next"), None))
    outside = 0
    for feature in data.get("features", []):
        page.members += 1
        geometry = feature.get("geometry") or {}
        if geometry.get("type") == "Polygon":
            polygons = [geometry["coordinates"]]
        elif geometry.get("type") == "MultiPolygon":
            polygons = geometry["coordinates"]
        else:
            continue
        rings = [(r[0], r[1:]) for r in (_rings(p) for p in polygons) if r]
        if not rings:
            continue
        geom = gml.build(rings, srs)
        if gml.outside_area_of_use(geom, srs):
            outside += 1
            continue
        sid = feature.get("id")
        page.features.append(gml.Feature(None if sid is None else str(sid),
                                          dict(feature.get("properties") or {}), geom))
    if outside:
        raise gml.PageError(f"{outside} feature(s) lie outside the area of use of their CRS",
                            code="layer_page_out_of_bounds")
    return page


def _first_url(client: Client, source: OapifSource) -> tuple[str, str]:
    base = source.url.rstrip("/")
    meta = client.fetch(f"{base}/collections/{source.collection}", {"f": "json"},
                        what=f"{base} collection {source.collection!r}", parse=_json,
                        headers={"Accept": "application/json"})
    crs_list = meta.get("crs") or [] if isinstance(meta, dict) else []
    srs = EPSG_3059 if EPSG_3059 in crs_list else CRS84
    query: dict[str, Any] = {"limit": source.page_size}
    if srs != CRS84:
        query["crs"] = srs
    if source.where:
        query.update({"filter": source.where, "filter-lang": "cql2-text"})
    return f"{base}/collections/{source.collection}/items?{urlencode(query)}", srs


def run(engine: Engine, client: Client, source: OapifSource, target: harvest.Target,
        *, show_progress: bool | None = None) -> harvest.Outcome:
    started = harvest.now()
    resume = harvest.begin(engine, target)
    try:
        url, srs = _first_url(client, source)
        if resume.pages:  # resume after the last full page; none left: it was complete
            url = resume.next_url or ""
        bar = tqdm(total=resume.number_matched, initial=resume.features, unit=" features",
                   desc=source.collection, disable=show_progress is False or None, leave=False)
        with bar:
            while url:
                number = resume.pages + 1
                what = f"{source.url} collection {source.collection!r} page {number} ({url})"
                page = client.fetch(url, None, what=what,
                                    parse=lambda r: parse_page(_json(r), srs),
                                    headers={"Accept": "application/geo+json"})
                total = resume.number_matched
                if total is not None and page.number_matched not in (None, total):
                    harvest.discard(engine, resume)
                    raise FetchFailed(
                        f"{what}: the collection changed while it was being harvested "
                        f"(numberMatched {total} → {page.number_matched}); the partial harvest "
                        "was dropped, the previous version stays current. Run it again.",
                        code="layer_source_changed")
                if bar.total is None and page.number_matched is not None:
                    bar.total = page.number_matched
                if page.members == 0:
                    break
                harvest.write_page(engine, resume, page.features, next_index=0,
                                   next_url=page.next_url,
                                   number_matched=page.number_matched or total)
                bar.update(len(page.features))
                url = page.next_url or ""
        outcome = harvest.finish(engine, target, resume)
    except FetchFailed as exc:
        harvest.log_fetch(engine, target, "failed", started, layer_id=resume.layer_id,
                          message=exc.message, features=resume.features)
        raise
    harvest.log_outcome(engine, target, started, outcome)
    return outcome


def declared_extent(client: Client, source: OapifSource,
                    ) -> tuple[float, float, float, float] | None:
    """The collection's ``extent.spatial.bbox`` (CRS84), if it states one."""
    base = source.url.rstrip("/")
    try:
        meta = client.fetch(f"{base}/collections/{source.collection}", {"f": "json"},
                            what=f"{base} collection {source.collection!r}", parse=_json,
                            headers={"Accept": "application/json"})
    except FetchFailed:
        return None
    try:
        box = meta["extent"]["spatial"]["bbox"][0]
        return (float(box[0]), float(box[1]), float(box[2]), float(box[3]))
    except (KeyError, IndexError, TypeError, ValueError):
        return None
