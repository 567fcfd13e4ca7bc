"""Any OGR vector source (GeoPackage, Shapefile in a zip, GeoJSON, …), local or by URL.

A URL is downloaded once to the layers folder with a conditional request (``If-None-Match`` /
``If-Modified-Since`` from the current version): 304 means unchanged. The file is then read in
chunks of ``CHUNK`` features, never whole, and written like a harvest (``harvest``), so the same
content makes no new version and a failure registers nothing.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import requests
import shapely
from pyproj import CRS, Transformer
from sqlalchemy import Engine, text

from geoservice.errors import ValidationFailed
from geoservice.layers import harvest
from geoservice.layers.fetch.http import Client, FetchFailed, validators
from geoservice.layers.gml import Feature
from geoservice.layers.vector import TARGET_CRS

CHUNK = 20_000
ID_COLUMNS = ("id", "ID", "BLOCK_NUMBER", "PARCEL_ID", "permit_no", "code", "SITECODE")


@dataclass(frozen=True)
class Download:
    path: Path
    validators: dict[str, str | None]
    unchanged: bool = False


def download(client: Client, url: str, folder: Path, known: Any) -> Download:
    """``url`` into ``folder`` (conditional on the current version's validators)."""
    headers = {}
    if known is not None and known.source_url == url:
        if known.http_etag:
            headers["If-None-Match"] = known.http_etag
        if known.http_last_modified:
            headers["If-Modified-Since"] = known.http_last_modified
    folder.mkdir(parents=True, exist_ok=True)
    name = os.path.basename(url.split("?")[0]) or "download"
    target = folder / name
    partial = folder / f".{name}.{os.getpid()}.part"
    try:
        response = client.session.get(url, headers=headers, stream=True, timeout=client.timeout)
    except requests.RequestException as exc:
        raise FetchFailed(f"{url} does not answer ({exc.__class__.__name__}); nothing was "
                          "registered.") from exc
    with response:
        if response.status_code == 304:
            return Download(target, validators(response), unchanged=True)
        if response.status_code >= 400:
            raise FetchFailed(f"{url} answered HTTP {response.status_code} "
                              f"{response.reason}; nothing was registered.")
        try:
            with partial.open("wb") as out:
                for block in response.iter_content(1 << 20):
                    out.write(block)
        except (requests.RequestException, OSError) as exc:
            partial.unlink(missing_ok=True)
            raise FetchFailed(f"{url}: the download broke off ({exc.__class__.__name__}); "
                              "nothing was registered.") from exc
    os.replace(partial, target)
    return Download(target, validators(response))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def batches(path: Path, layer: str | None = None) -> tuple[str, int, Iterator[list[Feature]]]:
    """(source CRS, feature count, chunks of polygon features in EPSG:3059) of one OGR layer."""
    try:
        info = pyogrio.read_info(path, layer=layer)
    except Exception as exc:  # pyogrio raises several DataSourceError flavours
        raise ValidationFailed(f"{path.name} cannot be read as a vector file: {exc}",
                               code="layer_unreadable") from exc
    if not info.get("crs"):
        raise ValidationFailed(f"{path.name} has no coordinate reference system; add a .prj "
                               "or reproject it to EPSG:3059 first.", code="layer_crs_missing")
    crs = CRS.from_user_input(info["crs"])
    total = int(info.get("features") or 0)
    if total == 0:
        raise ValidationFailed(f"{path.name} has no features.", code="layer_empty")
    fields = list(info.get("fields", []))
    id_column = next((c for c in ID_COLUMNS if c in fields), None)
    transformer = None if crs.equals(TARGET_CRS) else Transformer.from_crs(
        crs, TARGET_CRS, always_xy=True)

    def chunks() -> Iterator[list[Feature]]:
        for start in range(0, total, CHUNK):
            frame = pyogrio.read_dataframe(path, layer=layer, skip_features=start,
                                           max_features=CHUNK)
            geoms = np.asarray(frame.geometry.values, dtype=object)
            if transformer is not None:
                geoms = shapely.transform(geoms, lambda xy: np.column_stack(
                    transformer.transform(xy[:, 0], xy[:, 1])))
            keep = np.isin(shapely.get_type_id(geoms), (3, 6)) & ~shapely.is_empty(geoms)
            records = frame.drop(columns=frame.geometry.name).to_dict("records")
            yield [Feature(None if id_column is None else str(rec.get(id_column)),
                           {k: _plain(v) for k, v in rec.items()}, geom)
                   for rec, geom, ok in zip(records, geoms, keep, strict=True) if ok]
    return crs.to_string(), total, chunks()


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, str | int | float | bool):
        return None if isinstance(value, float) and value != value else value
    return str(value)


def fetch(engine: Engine, client: Client, source: str, target: harvest.Target, *,
          store_dir: Path, layer: str | None = None) -> harvest.Outcome:
    started = harvest.now()
    try:
        outcome = _fetch(engine, client, source, target, store_dir, layer)
    except (FetchFailed, ValidationFailed) as exc:
        harvest.log_fetch(engine, target, "failed", started, message=exc.message)
        raise
    harvest.log_fetch(engine, target, "unchanged" if outcome.unchanged else "new_version",
                      started, layer_id=outcome.layer_id, version=outcome.version,
                      features=outcome.features, content_hash=outcome.content_hash)
    return outcome


def _fetch(engine: Engine, client: Client, source: str, target: harvest.Target,
           store_dir: Path, layer: str | None) -> harvest.Outcome:
    with engine.connect() as conn:
        known = conn.execute(text(
            "SELECT l.id, l.current_version, v.source_url, v.http_etag, v.http_last_modified, "
            "v.checksum, v.feature_count FROM layers l JOIN layer_versions v ON v.layer_id = l.id "
            "AND v.version = l.current_version WHERE l.title = :t"),
            {"t": target.meta.title}).first()
    checks: dict[str, str | None] = {"etag": None, "last_modified": None}
    if source.startswith(("http://", "https://")):
        got = download(client, source, store_dir / "downloads", known)
        if got.unchanged and known is not None:
            return harvest.Outcome(known.id, None, known.current_version,
                                   int(known.feature_count), unchanged=True)
        path, checks = got.path, got.validators
    else:
        path = Path(source)
        if not path.exists():
            raise ValidationFailed(f"{path} does not exist.", code="layer_file_missing")
    digest = sha256(path)
    if known is not None and known.checksum == digest:
        return harvest.Outcome(known.id, None, known.current_version, int(known.feature_count),
                               unchanged=True)
    _, _, chunks = batches(path, layer)
    resume = harvest.begin(engine, target)
    if resume.pages:  # a file is read again whole: drop what an earlier attempt wrote
        harvest.discard(engine, resume)
        resume = harvest.begin(engine, target)
    for chunk in chunks:
        harvest.write_page(engine, resume, chunk, next_index=resume.next_index + len(chunk),
                           next_url=None, number_matched=None)
    with engine.begin() as conn:
        conn.execute(text("UPDATE layer_versions SET checksum = :c WHERE layer_id = :l AND "
                          "version = :v"), {"c": digest, "l": resume.layer_id, "v": resume.version})
    return harvest.finish(engine, target, resume, validators=checks)
