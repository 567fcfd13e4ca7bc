"""Import one layer file as a new version of the layer its title names, in one transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import shapely
from sqlalchemy import Engine, text

from geoservice import events
from geoservice.errors import GeoserviceError, InsufficientStorage, ValidationFailed, disk_full
from geoservice.layers import harvest, raster, registry, vector
from geoservice.layers.vector import Progress

RASTER_SUFFIXES = (".tif", ".tiff", ".vrt")


@dataclass(frozen=True)
class ImportResult:
    layer_id: str
    version: int
    kind: str
    features: int
    repaired: int
    parts: int
    dropped: int
    raster_path: str | None

    def summary(self) -> str:
        if self.kind == "raster":
            return f"{self.layer_id} v{self.version}: raster stored at {self.raster_path}"
        return (f"{self.layer_id} v{self.version}: {self.features} features, {self.parts} parts, "
                f"{self.repaired} repaired, {self.dropped} non-polygon dropped")


def checksum(path: Path) -> str:
    """SHA-256 of the file and, for a Shapefile, of its sibling files too."""
    digest = hashlib.sha256()
    files = sorted(path.parent.glob(path.stem + ".*")) if path.suffix.lower() == ".shp" \
        else [path]
    for file in files:
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def kind_of(path: Path) -> str:
    return "raster" if path.suffix.lower() in RASTER_SUFFIXES else "vector"


def import_layer(
    engine: Engine, path: Path, meta: registry.LayerMeta, *, store_dir: Path,
    reference_date: date | None = None, imported_by: str | None = None,
    nodata: float | None = None, extent: tuple[float, float, float, float] | None = None,
    progress: Progress = lambda items: items,
) -> ImportResult:
    """Import ``path``; the previous version stays (verdicts name the version they used).

    ``extent`` (EPSG:3059) says where the layer has data; without it the data's bounding box
    is used. Outside the extent the checks report ``no_layer_data`` instead of "no conflict".
    """
    if not path.exists():
        raise ValidationFailed(f"{path} does not exist.", code="layer_file_missing")
    if path.is_file() and path.stat().st_size == 0:
        raise ValidationFailed(f"{path.name} is empty.", code="layer_empty")
    digest = checksum(path) if path.is_file() else ""
    data = vector.stream(path) if meta.kind == "vector" else None
    if meta.kind == "raster":
        raster.validate(path, nodata)
    stored: raster.StoredRaster | None = None
    with engine.begin() as conn:
        layer_id, version = registry.next_version(conn, meta)
        try:
            if meta.kind == "raster":
                stored = raster.store(path, store_dir / layer_id / f"v{version}.tif", nodata)
            registry.add_version(
                conn, layer_id, version, reference_date=reference_date,
                source_crs=stored.source_crs if stored else data.source_crs if data else None,
                source_path=str(path.resolve()), checksum=digest, imported_by=imported_by,
                raster_path=str(stored.path.resolve()) if stored else None)
            stats = vector.VectorStats(0, 0, 0, 0)
            if data is not None:
                for chunk in progress(data.chunks()):
                    vector.copy_features(conn, layer_id, version, harvest.rows(chunk))
                if data.kept == 0:
                    raise ValidationFailed(
                        f"{path.name} has no polygons; land-use layers are areas.",
                        code="layer_not_polygons")
                stats = vector.finalize(conn, layer_id, version)
                if stats.features == 0:
                    raise ValidationFailed(f"{path.name} has no usable polygons after repair.",
                                           code="layer_empty")
            previous = conn.execute(text("SELECT current_version FROM layers WHERE id = :id"),
                                    {"id": layer_id}).scalar_one()
            box = (shapely.to_wkb(shapely.box(*extent)) if extent is not None
                   else stored.extent_wkb if stored
                   else vector.extent_wkb(conn, layer_id, version))
            registry.finish_version(conn, layer_id, version,
                                    feature_count=stats.features if data else 1,
                                    extent_wkb=box)
            if data is not None:
                conn.execute(text(
                    "UPDATE layer_versions SET content_hash = :h WHERE layer_id = :id "
                    "AND version = :v"),
                    {"h": harvest.content_hash(conn, layer_id, version), "id": layer_id,
                     "v": version})
            events.emit(events.LAYER_REPLACED, conn, layer_id=layer_id, version=version,
                        previous=previous)
        except BaseException as exc:
            if stored is not None:
                stored.path.unlink(missing_ok=True)
            if disk_full(exc) and not isinstance(exc, GeoserviceError):
                raise InsufficientStorage(
                    f"The database's disk is full: {path.name} was not imported (the "
                    "transaction was rolled back, nothing was kept).") from exc
            raise
    return ImportResult(layer_id, version, meta.kind, stats.features, stats.repaired,
                        stats.parts, data.dropped if data else 0,
                        str(stored.path) if stored else None)
