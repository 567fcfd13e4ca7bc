"""The evidence map of a certificate as inline SVG: areas, overlapping features, forest mask.

Drawn on the server so the printed report is self-contained: EPSG:3059 metres map to SVG
units with north up, the 2020 forest mask is an embedded PNG, and a scale bar and north arrow
make it readable on paper.
"""

from __future__ import annotations

import base64
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import rasterio
import shapely
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import MemoryFile
from rasterio.windows import Window
from shapely.geometry.base import BaseGeometry

WIDTH, HEIGHT, MARGIN_M = 640.0, 480.0, 60.0
STYLE = {  # role → (fill, stroke) for the overlapping features
    "agriculture": ("#f2c14e55", "#b8860b"),
    "deforestation_permit": ("#d6282855", "#a31515"),
    "protected_area": ("#3b7dd855", "#1f4e8c"),
}


@dataclass
class MapLayer:
    role: str
    label: str
    geometries: list[BaseGeometry] = field(default_factory=list)


@dataclass
class EvidenceMap:
    svg_paths: list[tuple[str, str, str, str]]  # (path d, fill, stroke, title)
    forest_png: str | None
    image_box: tuple[float, float, float, float] | None
    scale_px: float
    scale_label: str
    width: float = WIDTH
    height: float = HEIGHT


class _Frame:
    """EPSG:3059 → SVG pixel coordinates, north up, one scale for x and y."""

    def __init__(self, bounds: tuple[float, float, float, float]) -> None:
        minx, miny, maxx, maxy = bounds
        self.minx, self.maxy = minx - MARGIN_M, maxy + MARGIN_M
        span_x, span_y = maxx - minx + 2 * MARGIN_M, maxy - miny + 2 * MARGIN_M
        self.scale = min(WIDTH / span_x, HEIGHT / span_y)
        self.maxx = self.minx + WIDTH / self.scale
        self.miny = self.maxy - HEIGHT / self.scale

    def path(self, geom: BaseGeometry) -> str:
        parts: list[str] = []
        for poly in shapely.get_parts(geom):
            if poly.geom_type != "Polygon":
                continue
            for ring in (poly.exterior, *poly.interiors):
                xy = np.asarray(ring.coords)
                px = (xy[:, 0] - self.minx) * self.scale
                py = (self.maxy - xy[:, 1]) * self.scale
                parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in zip(px, py,
                                                                                   strict=True))
                             + "Z")
        return " ".join(parts)


def build(
    areas: list[tuple[str, BaseGeometry]], layers: list[MapLayer], forest_path: str | None,
) -> EvidenceMap:
    union = shapely.union_all([g for _, g in areas])
    frame = _Frame(union.bounds)
    view = shapely.box(frame.minx, frame.miny, frame.maxx, frame.maxy)
    paths: list[tuple[str, str, str, str]] = []
    for layer in layers:
        fill, stroke = STYLE.get(layer.role, ("#99999955", "#555555"))
        for geom in layer.geometries:
            clipped = geom.intersection(view)
            if not clipped.is_empty:
                paths.append((frame.path(clipped), fill, stroke, layer.label))
    for label, geom in areas:
        paths.append((frame.path(geom), "none", "#000000", label))
    png, box = _forest_png(forest_path, frame) if forest_path else (None, None)
    metres = _nice(WIDTH / frame.scale / 4)
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    return EvidenceMap(paths, png, box, metres * frame.scale, label)


def _nice(value: float) -> float:
    """1, 2 or 5 × 10^n, at most ``value``."""
    power = 10 ** math.floor(math.log10(value))
    return float(max(m * power for m in (1, 2, 5) if m * power <= value))


def _forest_png(
    path: str, frame: _Frame,
) -> tuple[str | None, tuple[float, float, float, float] | None]:
    """The forest mask under the map as a base64 PNG: forest green, nodata hatched grey."""
    with rasterio.open(path) as src:
        t = src.transform
        col0 = max(math.floor((frame.minx - t.c) / t.a), 0)
        row0 = max(math.floor((t.f - frame.maxy) / -t.e), 0)
        col1 = min(math.ceil((frame.maxx - t.c) / t.a), src.width)
        row1 = min(math.ceil((t.f - frame.miny) / -t.e), src.height)
        if col1 <= col0 or row1 <= row0:
            return None, None
        data = src.read(1, window=Window(col0, row0, col1 - col0, row1 - row0))
        nodata = 255 if src.nodata is None else src.nodata
        left, top = t.c + col0 * t.a, t.f + row0 * t.e
        right, bottom = t.c + col1 * t.a, t.f + row1 * t.e
    rgba = np.zeros((4, *data.shape), dtype="uint8")
    forest, missing = data == 1, data == nodata
    rgba[0][forest], rgba[1][forest], rgba[2][forest], rgba[3][forest] = 46, 139, 87, 150
    rgba[0][missing], rgba[1][missing], rgba[2][missing], rgba[3][missing] = 128, 128, 128, 110
    with warnings.catch_warnings(), MemoryFile() as memory:
        warnings.simplefilter("ignore", NotGeoreferencedWarning)  # a picture, not a map layer
        with memory.open(driver="PNG", width=data.shape[1], height=data.shape[0], count=4,
                         dtype="uint8") as png:
            png.write(rgba)
        encoded = base64.b64encode(memory.read()).decode("ascii")
    box = ((left - frame.minx) * frame.scale, (frame.maxy - top) * frame.scale,
           (right - left) * frame.scale, (top - bottom) * frame.scale)
    return f"data:image/png;base64,{encoded}", box
