"""The named national sources of ``layers/sources.toml`` and the regions coverage refers to."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyproj import Transformer

from geoservice.errors import ValidationFailed
from geoservice.settings import ROOT

DEFAULT_FILE = ROOT / "layers" / "sources.toml"
PROTOCOLS = ("wfs", "oapif", "raster", "file")
Bounds = tuple[float, float, float, float]


@dataclass(frozen=True)
class Source:
    name: str
    protocol: str
    url: str
    role: str
    title: str
    licence: str = ""
    coverage: str | list[float] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class Catalogue:
    sources: list[Source]
    regions: dict[str, Bounds]

    def get(self, name: str) -> Source:
        found = next((s for s in self.sources if s.name == name), None)
        if found is None:
            names = ", ".join(s.name for s in self.sources)
            raise ValidationFailed(f"No source named {name!r} in layers/sources.toml; "
                                   f"known: {names}.", code="layer_source_unknown")
        return found

    def region_lonlat(self, name: str) -> Bounds:
        if name not in self.regions:
            raise ValidationFailed(f"Unknown region {name!r}; known: {', '.join(self.regions)}.",
                                   code="layer_region_unknown")
        return self.regions[name]

    def region_3059(self, name: str) -> Bounds:
        west, south, east, north = self.region_lonlat(name)
        return lonlat_to_3059((west, south, east, north))


def lonlat_to_3059(bounds: Bounds) -> Bounds:
    to_3059 = Transformer.from_crs(4326, 3059, always_xy=True)
    x0, y0, x1, y1 = to_3059.transform_bounds(*bounds, densify_pts=21)
    return (float(x0), float(y0), float(x1), float(y1))


_KNOWN = {"name", "protocol", "url", "role", "title", "licence", "coverage", "note"}


def read(path: Path = DEFAULT_FILE) -> Catalogue:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValidationFailed(f"{path} cannot be read: {exc}", code="sources_invalid") from exc
    regions = {name: tuple(float(v) for v in r["bbox"])
               for name, r in (data.get("regions") or {}).items()}
    sources = []
    for entry in data.get("sources", []):
        missing = [k for k in ("name", "protocol", "role", "title") if k not in entry]
        if missing:
            raise ValidationFailed(f"{path}: a source lacks {', '.join(missing)}.",
                                   code="sources_invalid")
        if entry["protocol"] not in PROTOCOLS:
            raise ValidationFailed(f"{path}: source {entry['name']!r} has protocol "
                                   f"{entry['protocol']!r}; use one of {', '.join(PROTOCOLS)}.",
                                   code="sources_invalid")
        sources.append(Source(
            str(entry["name"]), str(entry["protocol"]), str(entry.get("url", "")),
            str(entry["role"]), str(entry["title"]), str(entry.get("licence", "")),
            entry.get("coverage"), {k: v for k, v in entry.items() if k not in _KNOWN},
            str(entry.get("note", ""))))
    return Catalogue(sources, regions)  # type: ignore[arg-type]
