"""A layer version built page by page from a source, current only once complete.

The pages of a harvest go into a version in state ``harvesting``, each page in its own
transaction together with the position to resume from (``layer_harvests``). A failure leaves
that version unfinished and the previous one current; the next fetch with the same source and
parameters resumes after the last full page. When the harvest is complete, its content hash
(over the features' fingerprints) is compared with the current version's: the same content
makes no new version. Otherwise the version is repaired, subdivided and made current in one
transaction, which also starts the re-check of what it changed (``events.LAYER_REPLACED``).
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import numpy as np
import shapely
from sqlalchemy import Connection, Engine, text

from geoservice import events
from geoservice.errors import ValidationFailed
from geoservice.layers import registry, vector
from geoservice.layers.gml import Feature, attrs_json, fingerprint

T = TypeVar("T")


@dataclass(frozen=True)
class Target:
    """Where a fetched layer goes and what describes its source."""

    meta: registry.LayerMeta
    protocol: str  # wfs | oapif | file | raster
    source_url: str
    params: dict[str, Any] = field(default_factory=dict)
    reference_date: date | None = None
    extent: tuple[float, float, float, float] | None = None  # EPSG:3059: where it has data
    coverage_source: str = "data bounds"


@dataclass(frozen=True)
class Outcome:
    layer_id: str
    version: int | None  # None: unchanged, no new version
    previous: int | None
    features: int
    repaired: int = 0
    parts: int = 0
    content_hash: str = ""
    unchanged: bool = False

    def summary(self, title: str) -> str:
        if self.unchanged:
            return (f"{self.layer_id}: unchanged ({self.features} features, content "
                    f"{self.content_hash[:12]}); v{self.previous} stays current, no new version")
        return (f"{self.layer_id} v{self.version}: {self.features} features, {self.parts} parts, "
                f"{self.repaired} repaired (previous v{self.previous or '-'}) — {title}")


@dataclass
class Resume:
    layer_id: str
    version: int
    next_index: int = 0
    next_url: str | None = None
    pages: int = 0
    features: int = 0
    number_matched: int | None = None


def log_fetch(engine: Engine, target: Target, outcome: str, started: datetime, *,
              layer_id: str | None = None, version: int | None = None, message: str = "",
              features: int | None = None, content_hash: str | None = None) -> None:
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO layer_fetches (layer_title, layer_id, version, source_url, protocol, "
            "outcome, message, features, content_hash, started_at) VALUES (:t, :l, :v, :u, :p, "
            ":o, :m, :n, :h, :s)"),
            {"t": target.meta.title, "l": layer_id, "v": version, "u": target.source_url,
             "p": target.protocol, "o": outcome, "m": message[:2000], "n": features,
             "h": content_hash, "s": started})


def log_outcome(engine: Engine, target: Target, started: datetime, outcome: Outcome) -> None:
    log_fetch(engine, target, "unchanged" if outcome.unchanged else "new_version", started,
              layer_id=outcome.layer_id, version=outcome.version, features=outcome.features,
              content_hash=outcome.content_hash)


def begin(engine: Engine, target: Target) -> Resume:
    """The harvest to continue (same source and parameters) or a new harvesting version."""
    params = json.dumps(target.params, sort_keys=True)
    with engine.begin() as conn:
        row = conn.execute(text(
            "SELECT h.layer_id, h.version, h.protocol, h.source_url, h.params::text AS params, "
            "h.next_index, h.next_url, h.pages, h.features, h.number_matched FROM layer_harvests h "
            "JOIN layers l ON l.id = h.layer_id WHERE l.title = :t FOR UPDATE OF h"),
            {"t": target.meta.title}).first()
        if row is not None:
            same = (row.protocol, row.source_url, json.loads(row.params)) == (
                target.protocol, target.source_url, json.loads(params))
            if same:
                return Resume(row.layer_id, row.version, int(row.next_index), row.next_url,
                              int(row.pages), int(row.features), row.number_matched)
            _drop(conn, row.layer_id, row.version)
        layer_id, version = registry.next_version(conn, target.meta)
        registry.add_version(conn, layer_id, version, reference_date=target.reference_date,
                             source_crs="EPSG:3059", source_path=target.source_url, checksum="",
                             imported_by="fetch", state="harvesting")
        conn.execute(text(
            "INSERT INTO layer_harvests (layer_id, version, protocol, source_url, params) "
            "VALUES (:l, :v, :p, :u, CAST(:params AS jsonb))"),
            {"l": layer_id, "v": version, "p": target.protocol, "u": target.source_url,
             "params": params})
    return Resume(layer_id, version)


def _drop(conn: Connection, layer_id: str, version: int) -> None:
    """Forget an unfinished version (its features and parts go with it)."""
    conn.execute(text("DELETE FROM layer_versions WHERE layer_id = :l AND version = :v "
                      "AND state = 'harvesting'"), {"l": layer_id, "v": version})
    conn.execute(text("DELETE FROM layers WHERE id = :l AND current_version IS NULL AND NOT "
                      "EXISTS (SELECT 1 FROM layer_versions v WHERE v.layer_id = :l)"),
                 {"l": layer_id})


def discard(engine: Engine, resume: Resume) -> None:
    with engine.begin() as conn:
        _drop(conn, resume.layer_id, resume.version)


def rows(features: Sequence[Feature]) -> list[vector.Row]:
    """(source id, attributes, EWKB, fingerprint) of each feature, vectorised per page."""
    if not features:
        return []
    geoms = np.asarray([f.geometry for f in features], dtype=object)
    single = shapely.get_type_id(geoms) == 3
    if single.any():
        geoms[single] = shapely.multipolygons(geoms[single].reshape(-1, 1))
    wkbs = shapely.to_wkb(shapely.set_srid(geoms, 3059), include_srid=True)
    out = []
    for feature, wkb in zip(features, wkbs, strict=True):
        encoded = attrs_json(feature.attrs)
        out.append((feature.source_id, encoded, bytes(wkb), fingerprint(bytes(wkb), encoded)))
    return out


def write_page(engine: Engine, resume: Resume, features: Sequence[Feature], *,
               next_index: int, next_url: str | None, number_matched: int | None,
               rows: list[vector.Row] | None = None) -> None:
    """One page (``rows`` of it when already encoded) and the position after it, in one
    transaction."""
    encoded = rows if rows is not None else _rows(features)
    with engine.begin() as conn:
        vector.copy_features(conn, resume.layer_id, resume.version, encoded)
        conn.execute(text(
            "UPDATE layer_harvests SET next_index = :i, next_url = :u, pages = pages + 1, "
            "features = features + :n, number_matched = :m, updated_at = now() "
            "WHERE layer_id = :l AND version = :v"),
            {"i": next_index, "u": next_url, "n": len(features), "m": number_matched,
             "l": resume.layer_id, "v": resume.version})
    resume.next_index, resume.next_url = next_index, next_url
    resume.pages += 1
    resume.features += len(features)
    resume.number_matched = number_matched


_rows = rows


def prefetch(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """``items`` produced in a thread, up to ``depth`` ahead: parsing one page (Python) overlaps
    writing the previous one (PostgreSQL, the other core). Exceptions reach the consumer."""
    box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        box.put(("item", item), timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            box.put(("done", None))
        except BaseException as exc:  # handed to the consumer, raised there
            box.put(("error", exc))

    worker = threading.Thread(target=produce, name="harvest-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = box.get()
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        while worker.is_alive():
            try:
                box.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.1)


def current_size(engine: Engine, layer_id: str) -> int | None:
    """Features in the layer's current version (an estimate when a source gives no total)."""
    with engine.connect() as conn:
        value = conn.execute(text(
            "SELECT v.feature_count FROM layers l JOIN layer_versions v ON v.layer_id = l.id "
            "AND v.version = l.current_version WHERE l.id = :l"), {"l": layer_id}).scalar()
    return int(value) if value else None


def content_hash(conn: Connection, layer_id: str, version: int) -> str:
    """Order-free hash of a version's features (their fingerprints)."""
    return str(conn.execute(text(
        "SELECT coalesce(md5(string_agg(fingerprint, ''::bytea ORDER BY fingerprint)), '') "
        "FROM layer_features WHERE layer_id = :l AND version = :v"),
        {"l": layer_id, "v": version}).scalar_one())


def finish(engine: Engine, target: Target, resume: Resume, *,
           validators: dict[str, str | None] | None = None,
           progress: Any = None) -> Outcome:
    """Compare, then either drop the harvest (unchanged) or make it the current version."""
    validators = validators or {}
    with engine.begin() as conn:
        digest = content_hash(conn, resume.layer_id, resume.version)
        current = conn.execute(text(
            "SELECT l.current_version, v.content_hash FROM layers l LEFT JOIN layer_versions v "
            "ON v.layer_id = l.id AND v.version = l.current_version WHERE l.id = :l"),
            {"l": resume.layer_id}).one()
        previous = current.current_version
        if resume.features == 0:
            raise ValidationFailed(f"{target.source_url} returned no features: nothing to "
                                   "register (the previous version stays current).",
                                   code="layer_empty")
        if previous is not None and current.content_hash == digest:
            conn.execute(text("DELETE FROM layer_versions WHERE layer_id = :l AND version = :v"),
                         {"l": resume.layer_id, "v": resume.version})
            conn.execute(text("UPDATE layer_versions SET fetched_at = now() "
                              "WHERE layer_id = :l AND version = :v"),
                         {"l": resume.layer_id, "v": previous})
            return Outcome(resume.layer_id, None, previous, resume.features,
                           content_hash=digest, unchanged=True)
        stats = vector.finalize(conn, resume.layer_id, resume.version)
        if stats.features == 0:
            raise ValidationFailed(f"{target.source_url} has no usable polygons after repair.",
                                   code="layer_empty")
        box = (shapely.to_wkb(shapely.box(*target.extent)) if target.extent is not None
               else vector.extent_wkb(conn, resume.layer_id, resume.version))
        registry.finish_version(conn, resume.layer_id, resume.version,
                                feature_count=stats.features, extent_wkb=box)
        conn.execute(text(
            "UPDATE layer_versions SET state = 'ready', source_url = :u, fetched_at = now(), "
            "content_hash = :h, http_etag = :etag, http_last_modified = :lm, "
            "coverage_source = :cov WHERE layer_id = :l AND version = :v"),
            {"u": target.source_url, "h": digest, "etag": validators.get("etag"),
             "lm": validators.get("last_modified"), "cov": target.coverage_source,
             "l": resume.layer_id, "v": resume.version})
        conn.execute(text("DELETE FROM layer_harvests WHERE layer_id = :l"),
                     {"l": resume.layer_id})
        events.emit(events.LAYER_REPLACED, conn, layer_id=resume.layer_id,
                    version=resume.version, previous=previous)
    return Outcome(resume.layer_id, resume.version, previous, stats.features, stats.repaired,
                   stats.parts, digest)


def now() -> datetime:
    return datetime.now(UTC)
