"""The benchmark's inputs, rendered once and cached under ``bench/out/layers/``.

A cache folder is named by the generator version, the seed and the scale, and counts only when
its ``complete.json`` exists (written last), so an interrupted build is redone, never half-used.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

from bench.layers import synthetic, wfs
from geoservice.settings import ROOT

Array = np.ndarray[Any, Any]
OUT = ROOT / "bench" / "out" / "layers"
PAGE_SIZE = 10_000
STAMPS = {"v1": "2026-11-30T05:12:44Z", "v2": "2026-12-01T05:09:17Z"}
RASTER_NAME = "JRC_GFC2020_V3_N60_E20.tif"


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _key(scale: float) -> str:
    return f"g{synthetic.GENERATOR_VERSION}-s{synthetic.SEED}-x{scale:g}"


def _valid_from(ids: Array, year: int) -> list[str]:
    months = ids % 9 + 1
    days = ids % 27 + 1
    return [f"{year}-{m:02d}-{d:02d}T00:00:00" for m, d in zip(months.tolist(), days.tolist(),
                                                               strict=True)]


def blocks_and_areas(scale: float) -> Path:
    """Folder with ``v1/`` and ``v2/`` WFS pages, ``felling_areas.npz`` and ``complete.json``."""
    folder = OUT / f"wfs-{_key(scale)}"
    if (folder / "complete.json").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    v1 = wfs.PageWriter(folder / "v1", PAGE_SIZE, STAMPS["v1"])
    v2 = wfs.PageWriter(folder / "v2", PAGE_SIZE, STAMPS["v2"])
    chosen = synthetic.tiles(scale)
    total_blocks = sum(t.blocks for t in chosen)
    per_tile = _split(round(synthetic.CERTIFICATES * total_blocks / synthetic.BLOCKS), len(chosen))
    added: list[bytes] = []
    next_id = total_blocks + 1
    offset = 0
    areas: list[Array] = []
    stats: dict[str, Any] = {"ha": [], "vertices": [], "invalid": 0, "altered": 0, "removed": 0,
                             "added": 0}
    to_lonlat = Transformer.from_crs(3059, 4326, always_xy=True)
    for k, tile in enumerate(chosen):
        tb = synthetic.tile_blocks(tile)
        ids = np.arange(offset + 1, offset + tile.blocks + 1)
        v1.add(wfs.members(wfs.Blocks(tb.v1, ids, _valid_from(ids, 2024))))
        kept = ids[tb.v2_kept_ids]
        dates = _valid_from(kept, 2024)
        for i in np.flatnonzero(tb.altered):
            dates[i] = "2026-11-28T00:00:00"
        v2.add(wfs.members(wfs.Blocks(tb.v2_kept, kept, dates)))
        new_ids = np.arange(next_id, next_id + len(tb.added))
        added.extend(wfs.members(wfs.Blocks(tb.added, new_ids, ["2026-11-28T00:00:00"]
                                            * len(new_ids))))
        next_id += len(tb.added)
        offset += tile.blocks
        stats["ha"].append(shapely.area(tb.v1) / 10_000)
        stats["vertices"].append(shapely.get_num_coordinates(tb.v1))
        stats["invalid"] += int((~shapely.is_valid(tb.v1)).sum())
        stats["altered"] += int(tb.altered.sum())
        stats["removed"] += tile.blocks - len(kept)
        stats["added"] += len(tb.added)
        made = synthetic.felling_areas(tile, int(per_tile[k] * 1.15) + 5, tb.v1)
        lon, lat = to_lonlat.transform(*shapely.get_coordinates(shapely.centroid(made)).T)
        w, s, e, n = synthetic.LATVIA_LONLAT
        inside = (lon > w + 0.01) & (lon < e - 0.01) & (lat > s + 0.01) & (lat < n - 0.01)
        areas.append(made[inside][:per_tile[k]])
        if k % 10 == 0 or k == len(chosen) - 1:
            _say(f"  tile {k + 1}/{len(chosen)}: {offset} blocks, "
                 f"{v1.bytes / 2**30:.2f} GiB of pages, {time.perf_counter() - started:.0f} s")
    v2.add(added)
    n1, n2 = v1.close(), v2.close()
    geoms = np.concatenate(areas)
    wkb = shapely.to_wkb(geoms)
    sizes = np.array([len(b) for b in wkb])
    np.savez(folder / "felling_areas.npz", wkb=np.frombuffer(b"".join(wkb), dtype=np.uint8),
             sizes=sizes)
    ha, vertices = np.concatenate(stats["ha"]), np.concatenate(stats["vertices"])
    summary = {
        "generator_version": synthetic.GENERATOR_VERSION, "seed": synthetic.SEED,
        "scale": scale, "tiles": len(chosen), "page_size": PAGE_SIZE,
        "v1_features": n1, "v2_features": n2, "v1_bytes": v1.bytes, "v2_bytes": v2.bytes,
        "v1_pages": -(-n1 // PAGE_SIZE), "altered": stats["altered"],
        "removed": stats["removed"], "added": stats["added"],
        "changed_share": (stats["altered"] + stats["removed"] + stats["added"]) / n1,
        "invalid_as_published": stats["invalid"],
        "ha_quartiles": np.percentile(ha, [25, 50, 75]).round(2).tolist(),
        "ha_range": [round(float(ha.min()), 3), round(float(ha.max()), 1)],
        "vertices_quartiles": np.percentile(vertices, [25, 50, 75]).tolist(),
        "vertices_mean": round(float(vertices.mean()), 1), "vertices_max": int(vertices.max()),
        "vertices_per_ha075_median": round(float(np.median(vertices / ha ** 0.75)), 1),
        "felling_areas": len(geoms),
        "render_s": round(time.perf_counter() - started, 1),
    }
    (folder / "complete.json").write_text(json.dumps(summary, indent=2) + "\n")
    return folder


def _split(total: int, parts: int) -> list[int]:
    per, extra = divmod(total, parts)
    return [per + (k < extra) for k in range(parts)]


def load_felling_areas(folder: Path) -> Array:
    with np.load(folder / "felling_areas.npz") as z:
        flat, sizes = z["wkb"].tobytes(), z["sizes"]
    ends = np.cumsum(sizes)
    parts = [flat[e - s:e] for s, e in zip(sizes.tolist(), ends.tolist(), strict=True)]
    geoms: Array = shapely.from_wkb(parts)
    return geoms


def forest_raster(scale: float) -> tuple[Path, dict[str, Any]]:
    """The GFC2020-like tile as a COG, and what was made."""
    chosen = synthetic.tiles(scale)
    box = synthetic.raster_data_box(scale, chosen)
    folder = OUT / f"gfc-{_key(scale)}"
    path = folder / RASTER_NAME
    done = folder / "complete.json"
    if done.exists():
        return path, dict(json.loads(done.read_text()))
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    made = synthetic.forest_raster(path, box)
    made.update({"generator_version": synthetic.GENERATOR_VERSION, "seed": synthetic.SEED,
                 "scale": scale, "tile_pixels": synthetic.TILE_PIXELS,
                 "pixel_deg": synthetic.PIXEL, "make_s": round(time.perf_counter() - started, 1)})
    done.write_text(json.dumps(made, indent=2) + "\n")
    return path, made
