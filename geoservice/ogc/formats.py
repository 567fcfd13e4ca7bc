"""Whole collections as FlatGeobuf (GDAL through pyogrio) and GeoParquet (pyarrow), streamed.

Rows come from a server-side cursor in batches of ``BATCH`` and become Arrow record batches
(WKB geometry in x/y order, typed properties); only one batch is in memory at a time.
GeoParquet is written row group by row group into a sink that hands each piece to the client
at once. GDAL's FlatGeobuf writer needs a seekable file (its header and spatial index come
first): it writes to a temporary file, which is then streamed and removed.

GDAL writes the FlatGeobuf in a helper process (``_submit``), fed an Arrow IPC stream through
a named pipe while this process still reads rows: pyogrio holds the GIL for the whole write
(a spinning thread got 5 % of its usual turns), so in this process reading rows and GDAL's
write (about 1 s per 100 000 features, half of it the spatial index) took turns instead of
running side by side on two cores.

Both formats carry their CRS, so they default to the storage CRS (EPSG:3059, LKS-92): no
reprojection and no rounding of what is stored, and about twice the rows per second of a
CRS84 export, whose ``ST_Transform`` per feature dominates; ``crs=`` asks for another one.
GeoJSON stays CRS84 by default, as RFC 7946 wants.
"""

from __future__ import annotations

import contextlib
import errno
import json
import multiprocessing
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
from pyproj import CRS as ProjCrs
from sqlalchemy import Engine, text

from geoservice.ogc.collections import Collection, Prop
from geoservice.ogc.crs import OGC_CRS84, STORAGE, output_sql
from geoservice.ogc.query import FeatureQuery

BATCH = 10_000
DEFAULT_CRS = STORAGE
CHUNK = 1 << 20
MEDIA = {"fgb": "application/flatgeobuf", "parquet": "application/vnd.apache.parquet"}


def _arrow_type(p: Prop) -> pa.DataType:
    if p.format == "date":
        return pa.date32()
    if p.format == "date-time":
        return pa.timestamp("us", tz="UTC")
    return {"integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_()}.get(
        p.type, pa.string())


def _schema(c: Collection, metadata: dict[bytes, bytes] | None = None) -> pa.Schema:
    fields = [pa.field("id", pa.string(), nullable=False)]
    fields += [pa.field(p.name, _arrow_type(p)) for p in c.properties]
    fields.append(pa.field("geometry", pa.binary()))
    return pa.schema(fields, metadata=metadata)


def _sql(query: FeatureQuery, ordered: bool = True) -> str:
    c = query.collection
    xy = replace(query.crs, swap=False)  # both formats store x/y (lon/lat, easting/northing)
    cols = ", ".join([f"{c.id_sql} AS id"] + [f'{p.sql} AS "{p.name}"' for p in c.properties]
                     + [f"ST_AsBinary({output_sql(c.geom_sql, xy, c.lonlat_sql)}) AS geometry"])
    sql = f"SELECT {cols} FROM {c.from_sql} WHERE {query.where}"
    return f"{sql} ORDER BY {query.order}" if ordered else sql


def batches(engine: Engine, query: FeatureQuery, schema: pa.Schema,
            ordered: bool = True) -> Iterator[pa.RecordBatch]:
    """The collection as record batches of at most BATCH rows, read with a streaming cursor.

    A server-side cursor in psycopg's binary format: WKB arrives as bytes rather than as hex
    text (half the bytes, no decoding), dates and numbers without parsing text. A thread
    fetches the next batch while this one is converted and written, so PostgreSQL and the
    writer work at the same time. ``ordered=False`` leaves the row order to PostgreSQL (no
    sort of the whole collection) for writers that reorder anyway.
    """
    types = [f.type for f in schema]
    compiled = text(_sql(query, ordered)).compile(dialect=engine.dialect)
    sql, params = compiled.string, compiled.construct_params(dict(query.params))
    size = BATCH
    with engine.connect() as conn:
        conn.execute(text("SET TRANSACTION READ ONLY"))
        raw: Any = conn.connection.driver_connection
        with raw.cursor(name="geoservice_export", binary=True) as cur:
            cur.itersize = size
            cur.execute(sql, params)
            with ThreadPoolExecutor(1, thread_name_prefix="export-fetch") as fetcher:
                pending = fetcher.submit(cur.fetchmany, size)
                while part := pending.result():
                    pending = fetcher.submit(cur.fetchmany, size)
                    columns = list(zip(*part, strict=True))
                    yield pa.record_batch([pa.array(col, type=kind) for col, kind in
                                           zip(columns, types, strict=True)], schema=schema)
        conn.rollback()


def _geo_metadata(query: FeatureQuery) -> dict[bytes, bytes]:
    column: dict[str, Any] = {"encoding": "WKB", "geometry_types": ["MultiPolygon"]}
    if query.crs.srid != 4326:  # GeoParquet's default is OGC:CRS84 (lon/lat)
        column["crs"] = ProjCrs.from_epsg(query.crs.srid).to_json_dict()
    geo = {"version": "1.0.0", "primary_column": "geometry", "columns": {"geometry": column}}
    return {b"geo": json.dumps(geo).encode()}


class _Sink:
    """A write-only file for pyarrow that keeps what was written until it is drained."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.closed = False
        self.position = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        return None

    def close(self) -> None:
        self.closed = True

    def drain(self) -> bytes:
        out = b"".join(self.parts)
        self.parts = []
        return out


def geoparquet(engine: Engine, query: FeatureQuery) -> Iterator[bytes]:
    """GeoParquet 1.0 bytes, one row group per batch, handed on as each group is written."""
    schema = _schema(query.collection, _geo_metadata(query))
    sink = _Sink()
    with pq.ParquetWriter(pa.PythonFile(sink, mode="w"), schema, compression="zstd") as writer:
        for batch in batches(engine, query, schema):
            writer.write_batch(batch, row_group_size=BATCH)
            chunk = sink.drain()
            if chunk:
                yield chunk
    yield sink.drain()


# At most this many FlatGeobuf files are written at once per server process; more wait.
WRITERS = 2
HELPER_ERROR_S = 30  # how long to wait for a helper to end once its pipe is closed
_writers: ProcessPoolExecutor | None = None
_writers_lock = threading.Lock()


def _submit(fn: Callable[..., None], *args: str) -> Future[None]:
    """``fn(*args)`` in a helper process that runs GDAL. The helpers start on first use
    ("spawn": this process has threads); a pool broken by a helper that died is replaced."""
    global _writers
    with _writers_lock:
        for _ in range(2):
            if _writers is None:
                _writers = ProcessPoolExecutor(WRITERS, mp_context=multiprocessing.get_context(
                    "spawn"))
            try:
                return _writers.submit(fn, *args)
            except BrokenProcessPool:
                _writers.shutdown(wait=False, cancel_futures=True)
                _writers = None
        raise BrokenProcessPool("the FlatGeobuf writers cannot be started")


def shutdown_writers() -> None:
    """Stop the helper processes (the app's shutdown)."""
    global _writers
    with _writers_lock:
        if _writers is not None:
            _writers.shutdown(wait=True, cancel_futures=True)
            _writers = None


def _write_flatgeobuf(pipe: str, path: str, layer: str, crs: str) -> None:
    """In a helper process: the Arrow IPC stream on ``pipe`` as FlatGeobuf at ``path``."""
    with open(pipe, "rb") as source:
        pyogrio.write_arrow(pa.ipc.open_stream(source), path, layer=layer, driver="FlatGeobuf",
                            geometry_name="geometry", geometry_type="MultiPolygon", crs=crs)


def _open_pipe(pipe: str, job: Future[None]) -> int:
    """The write end of ``pipe`` once the helper has opened the read end (O_NONBLOCK: ENXIO
    until then), or the helper's own error if it ended before that (a helper that dies ends
    its job with BrokenProcessPool). A job waiting for a busy helper simply waits longer."""
    pause = 0.001
    while True:
        try:
            fd = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO:
                raise
            if job.done():
                job.result()  # raises the helper's error
                raise RuntimeError("the FlatGeobuf writer ended without reading") from None
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
            continue
        os.set_blocking(fd, True)
        return fd


def _release(pipe: str) -> None:
    """Open and close the write end if a reader waits on ``pipe`` (ENXIO when none does)."""
    with contextlib.suppress(OSError):
        os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))


def flatgeobuf(engine: Engine, query: FeatureQuery) -> Iterator[bytes]:
    """FlatGeobuf with a spatial index, written by GDAL in a helper process, then streamed."""
    schema = _schema(query.collection)
    folder = tempfile.mkdtemp(prefix="geoservice-fgb-")
    pipe = os.path.join(folder, "rows.arrows")
    path = os.path.join(folder, f"{query.collection.id}.fgb")
    crs = "OGC:CRS84" if query.crs.uri == OGC_CRS84 else f"EPSG:{query.crs.srid}"
    job: Future[None] | None = None
    opened = False
    try:
        os.mkfifo(pipe, 0o600)
        job = _submit(_write_flatgeobuf, pipe, path, query.collection.id, crs)
        fd = _open_pipe(pipe, job)
        opened = True
        try:
            with open(fd, "wb", buffering=CHUNK) as sink, \
                    pa.ipc.new_stream(sink, schema) as stream:
                for batch in batches(engine, query, schema, ordered=False):
                    stream.write_batch(batch)
        except BrokenPipeError:  # the helper stopped reading, and its error says why
            job.result(timeout=HELPER_ERROR_S)
            raise
        job.result()
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                yield chunk
    finally:
        if job is not None and not job.done():
            if not opened:  # a helper waiting in open() for the write end is let go: it
                _release(pipe)  # reads an empty stream and ends with an error
            job.cancel()  # a job still queued never starts
            with contextlib.suppress(Exception):  # once the pipe is closed the helper ends
                job.result(timeout=HELPER_ERROR_S)
        for name in os.listdir(folder):
            os.unlink(os.path.join(folder, name))
        os.rmdir(folder)
