"""Any OGR vector source (GeoPackage, Shapefile in a zip, GeoJSON, …), local or by URL.

A URL is downloaded once to the layers folder with a conditional request (``If-None-Match`` /
``If-Modified-Since`` from the current version): 304 means unchanged. The file is then read in
chunks of ``CHUNK`` features, never whole, and written like a harvest (``harvest``), so the same
content makes no new version and a failure registers nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import Engine, text

from geoservice.errors import ValidationFailed
from geoservice.layers import harvest, vector
from geoservice.layers.fetch.http import Client, FetchFailed, validators
from geoservice.layers.importer import checksum


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


def fetch(engine: Engine, client: Client, source: str, target: harvest.Target, *,
          store_dir: Path, layer: str | None = None) -> harvest.Outcome:
    started = harvest.now()
    try:
        outcome = _fetch(engine, client, source, target, store_dir, layer)
    except (FetchFailed, ValidationFailed) as exc:
        harvest.log_fetch(engine, target, "failed", started, message=exc.message)
        raise
    harvest.log_outcome(engine, target, started, outcome)
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
    digest = checksum(path)
    if known is not None and known.checksum == digest:
        return harvest.Outcome(known.id, None, known.current_version, int(known.feature_count),
                               unchanged=True)
    chunks = vector.stream(path, layer).chunks()
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
