"""The layer manifest (``layers/manifest.toml``) and loading the demo layers it lists."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from geoservice.errors import ValidationFailed
from geoservice.layers import importer, registry
from geoservice.settings import CheckSettings


@dataclass(frozen=True)
class ManifestLayer:
    meta: registry.LayerMeta
    path: Path
    reference_date: date | None
    extent: tuple[float, float, float, float] | None
    nodata: float | None


def read(manifest: Path) -> list[ManifestLayer]:
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValidationFailed(f"{manifest} cannot be read: {exc}",
                               code="manifest_invalid") from exc
    if data.get("crs", "EPSG:3059") != "EPSG:3059":
        raise ValidationFailed(f"{manifest}: only EPSG:3059 manifests are supported.",
                               code="manifest_invalid")
    return [_layer(manifest.parent, entry) for entry in data.get("layers", [])]


def _layer(base: Path, entry: dict[str, Any]) -> ManifestLayer:
    try:
        meta = registry.LayerMeta(
            title=str(entry["title"]), role=str(entry["role"]), kind=str(entry["kind"]),
            layer_id=str(entry["id"]), source=str(entry.get("source", "")),
            licence=str(entry.get("licence", "")),
            rules=tuple(str(r) for r in entry["rules"]) if "rules" in entry else None)
        file = base / str(entry["file"])
    except KeyError as exc:
        raise ValidationFailed(f"A manifest layer lacks {exc.args[0]!r}.",
                               code="manifest_invalid") from exc
    ref = entry.get("reference_date")
    extent = entry.get("extent")
    nodata = (entry.get("values") or {}).get("nodata")
    return ManifestLayer(
        meta, file, ref if isinstance(ref, date) else date.fromisoformat(ref) if ref else None,
        tuple(float(v) for v in extent) if extent else None,  # type: ignore[arg-type]
        float(nodata) if nodata is not None else None)


def load_demo_layers(engine: Engine, layers_dir: Path | None = None) -> str:
    """Import every layer of the manifest, generating ``layers/demo/`` first when missing.

    Idempotent: a layer whose file has the checksum of its current version is skipped.
    """
    base = Path(layers_dir or CheckSettings().layers_dir)
    entries = read(base / "manifest.toml")
    if any(not e.path.exists() for e in entries):
        from geoservice.demo.layers import generate

        generate(base / "demo")
    imported, skipped = [], 0
    for entry in entries:
        digest = importer.checksum(entry.path)
        with engine.connect() as conn:
            same = registry.current_checksum(conn, entry.meta.title) == digest
        if same:
            skipped += 1
            continue
        result = importer.import_layer(
            engine, entry.path, entry.meta, store_dir=base / "store",
            reference_date=entry.reference_date, imported_by="demo load",
            nodata=entry.nodata, extent=entry.extent)
        imported.append(f"{result.layer_id} v{result.version}")
    return f"{len(imported)} layers imported ({', '.join(imported) or 'none'}), {skipped} unchanged"
