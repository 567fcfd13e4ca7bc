"""The four measurements, each timed from sending the request to the last byte received.

Responses are checked (status, feature counts) after the clock stops, so checking costs nothing
to the server measured. Comparisons interleave the servers request by request, so a change in
machine load hits every server alike.
"""

from __future__ import annotations

import json
import math
import random
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from pyproj import Transformer
from sqlalchemy import Engine, text

from bench.gis.database import LAYER_ID
from bench.gis.servers import Server
from geoservice.accounts import store as accounts
from geoservice.ogc import stream
from geoservice.ogc import tiles as mvt
from geoservice.ogc.collections import FELLING_AREAS, get_collection
from geoservice.ogc.query import FeatureQuery

TO_LONLAT = Transformer.from_crs(3059, 4326, always_xy=True)
FEATURE = re.compile(rb'"type"\s*:\s*"Feature"')


@dataclass
class Timings:
    ms: list[float] = field(default_factory=list)
    returned: list[int] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.ms)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _get(client: httpx.Client, url: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    response = client.get(url)
    body = response.content
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}: {body[:300]!r}")
    return elapsed, body


def client(token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(headers=headers, timeout=300)


def items_requests(count: int, seed: int) -> list[tuple[str, int]]:
    """(CRS84 bbox, offset) pairs: boxes of about 48 × 50 km (≈ 1 900 areas), offset 0–500."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        e, n = rng.uniform(330_000, 712_000), rng.uniform(180_000, 400_000)
        lon1, lat1 = TO_LONLAT.transform(e, n)
        lon2, lat2 = TO_LONLAT.transform(e + 48_000, n + 50_000)
        out.append((f"{lon1:.5f},{lat1:.5f},{lon2:.5f},{lat2:.5f}", rng.choice((0, 250, 500))))
    return out


Endpoint = tuple[str, httpx.Client, str]  # server name, its client, URL up to the query


def items(endpoints: Sequence[Endpoint], warmup: int, measured: int) -> dict[str, Timings]:
    """``items?…&limit=1000&bbox=…&offset=…`` on every server, same sequence, interleaved."""
    results = {name: Timings() for name, _, _ in endpoints}
    for phase, requests in (("warm", items_requests(warmup, 11)),
                            ("measure", items_requests(measured, 12))):
        for bbox, offset in requests:
            for name, http, url in endpoints:
                ms, body = _get(http, f"{url}&limit=1000&bbox={bbox}&offset={offset}")
                features = len(json.loads(body)["features"])
                if phase == "measure":
                    results[name].ms.append(ms)
                    results[name].returned.append(features)
    return results


@dataclass
class Download:
    features: int
    seconds: float
    megabytes: float

    @property
    def rate(self) -> float:
        return self.features / self.seconds


def download(server: Server, http: httpx.Client, gzip: bool = False,
             verify: bool = False) -> Download:
    """The whole collection, read to the end; features counted as the bytes arrive."""
    headers = {"Accept-Encoding": "gzip" if gzip else "identity"}
    url = f"{server.base}/download/felling_areas.geojson"
    counted, size, tail = 0, 0, b""
    kept: list[bytes] = []
    started = time.perf_counter()
    with http.stream("GET", url, headers=headers) as response:
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        for chunk in response.iter_bytes(1 << 20):  # decompressed when gzip
            size += len(chunk)
            window = tail + chunk
            counted += len(FEATURE.findall(window)) - len(FEATURE.findall(tail))
            tail = window[-64:]
            if verify:
                kept.append(chunk)
    seconds = time.perf_counter() - started
    if verify:
        parsed = len(json.loads(b"".join(kept))["features"])
        if parsed != counted:
            raise RuntimeError(f"counted {counted} features while streaming, parsed {parsed}")
    return Download(counted, seconds, size / 1e6)


def download_file(server: Server, http: httpx.Client, ext: str,
                  keep: Path | None = None) -> tuple[float, int]:
    """Seconds and bytes to read ``/download/felling_areas.{ext}`` to its last byte; the body
    is written to ``keep`` when given (to count its features afterwards, off the clock)."""
    url = f"{server.base}/download/felling_areas.{ext}"
    size = 0
    kept: list[bytes] = []
    started = time.perf_counter()
    with http.stream("GET", url) as response:
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        for chunk in response.iter_bytes(1 << 20):
            size += len(chunk)
            if keep is not None:
                kept.append(chunk)
    seconds = time.perf_counter() - started
    if keep is not None:
        keep.write_bytes(b"".join(kept))
    return seconds, size


def download_sql(engine: Engine, token: str) -> Download:
    """The download's own SQL through its own cursor (``geoservice.ogc.stream``), no HTTP."""
    with engine.begin() as conn:
        principal = accounts.authenticate_token(conn, token)
    query = FeatureQuery(FELLING_AREAS, principal)
    sql = (f"SELECT {query.geojson_select()} FROM {FELLING_AREAS.from_sql} WHERE {query.where} "
           f"ORDER BY {query.order}")
    counted, size = 0, 0
    started = time.perf_counter()
    for row in stream.rows(engine, sql, dict(query.params)):
        counted += 1
        size += len(row[0])
    return Download(counted, time.perf_counter() - started, size / 1e6)


WFS2_GETFEATURE = "&SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&COUNT=10000"
# QGIS Server 3.22 speaks WFS 1.0/1.1 only: its richest GML is GML 3.1.1 (OUTPUTFORMAT=GML3).
WFS11_GETFEATURE = "&SERVICE=WFS&VERSION=1.1.0&REQUEST=GetFeature&MAXFEATURES=10000" \
                   "&OUTPUTFORMAT=GML3"
_MEMBERS = (b"<wfs:member>", b"<gml:featureMember>")


def wfs(endpoints: Sequence[Endpoint], warmup: int, measured: int) -> dict[str, Timings]:
    """GetFeature of 10 000 features as GML (3.2, or 3.1.1 where WFS 2.0 is not offered),
    interleaved. Each endpoint URL is the whole KVP request."""
    results = {name: Timings() for name, _, _ in endpoints}
    for run in range(warmup + measured):
        for name, http, url in endpoints:
            ms, body = _get(http, url)
            if b'xmlns:gml="http://www.opengis.net/gml' not in body[:3000]:
                raise RuntimeError(f"{name} did not answer GML: {body[:300]!r}")
            if run >= warmup:
                results[name].ms.append(ms)
                results[name].returned.append(max(body.count(m) for m in _MEMBERS))
    return results


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def tile_sample(engine: Engine, per_zoom: int, seed: int) -> list[tuple[int, int, int]]:
    """Distinct z12–z14 tiles each holding at least one block (its point on surface)."""
    with engine.connect() as conn:
        conn.execute(text("SELECT setseed(:s)"), {"s": seed / 1000})
        points = conn.execute(text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 4326) "
            "AS p FROM layer_features WHERE layer_id = :l ORDER BY random() LIMIT :n) s"),
            {"l": LAYER_ID, "n": per_zoom * 6}).all()
    tiles: list[tuple[int, int, int]] = []
    for z in (12, 13, 14):
        chosen: set[tuple[int, int, int]] = set()
        for lon, lat in points[(z - 12) * per_zoom * 2:]:
            chosen.add((z, *_tile_of(lon, lat, z)))
            if len(chosen) == per_zoom:
                break
        tiles.extend(sorted(chosen))
    random.Random(seed).shuffle(tiles)
    return tiles


def our_tile(server: Server) -> Callable[[int, int, int], str]:
    return lambda z, x, y: f"{server.base}/tiles/{LAYER_ID}/{z}/{x}/{y}.mvt"


def tipg_tile(server: Server) -> Callable[[int, int, int], str]:
    return lambda z, x, y: (f"{server.base}/collections/public.bench_fields/tiles/"
                            f"WebMercatorQuad/{z}/{x}/{y}")


def tiles(url: Callable[[int, int, int], str], http: httpx.Client,
          sample: list[tuple[int, int, int]],
          warmup: list[tuple[int, int, int]]) -> tuple[Timings, dict[int, Timings], int]:
    """Each tile once (after a warm-up on other tiles); all, per zoom, and empty answers."""
    for z, x, y in warmup:
        _get(http, url(z, x, y))
    every, by_zoom, empty = Timings(), {z: Timings() for z in (12, 13, 14)}, 0
    for z, x, y in sample:
        ms, body = _get(http, url(z, x, y))
        if not body:
            empty += 1
            continue
        every.ms.append(ms)
        every.returned.append(len(body))
        by_zoom[z].ms.append(ms)
    return every, by_zoom, empty


def tiles_sql(engine: Engine, token: str, sample: list[tuple[int, int, int]]) -> Timings:
    """The same tiles built by ``geoservice.ogc.tiles.tile`` on one connection, no HTTP."""
    out = Timings()
    with engine.begin() as conn:
        principal = accounts.authenticate_token(conn, token)
        collection = get_collection(conn, LAYER_ID)
        for z, x, y in sample:
            started = time.perf_counter()
            data = mvt.tile(conn, collection, principal, z, x, y)
            if data:
                out.ms.append((time.perf_counter() - started) * 1000)
    return out
