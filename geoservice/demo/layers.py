"""Generate the demo land-use layers: ``python -m geoservice.demo.layers OUTDIR``.

Writes, deterministically (fixed seeds, fixed GeoPackage timestamps), the files listed in
``layers/manifest.toml`` for the Jumurda demo region, built around the simulator's designed
certificates so each gets its designed verdict.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely

from geoservice.demo import agriculture, overlays, raster, region, register
from geoservice.vmd.stands import all_stands

FILES = (
    "agriculture_lad_blocks.gpkg",
    "agriculture_declared_fields.gpkg",
    "deforestation_permits.gpkg",
    "land_use_cadastre.gpkg",
    "protected_areas.gpkg",
    "forest_compartments.gpkg",
    "forest_2020.tif",
)
# GeoPackages record a "last change" time; a fixed one makes every run write the same bytes.
FIXED_TIMESTAMP = "2026-01-01T00:00:00.000Z"


@contextmanager
def _fixed_gdal_date() -> Iterator[None]:
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_TIMESTAMP})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})


def _write(frame: gpd.GeoDataFrame, path: Path) -> None:
    path.unlink(missing_ok=True)
    layer = path.stem
    pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG")


def generate(outdir: str | Path) -> list[Path]:
    """Write every demo layer into ``outdir`` (created if needed); returns the paths written."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    stands = [s.geometry for s in all_stands().values()]
    permits = overlays.permits_frame()
    protected = overlays.protected_frame()
    lake = overlays.lake()
    former = overlays.former_field()
    designed = agriculture.designed_blocks()
    exclude = shapely.union_all([
        *(g.buffer(25.0) for g in stands),
        region.all_footprints().buffer(25.0),
        *(g.buffer(10.0) for g in permits.geometry),
        protected.geometry.iloc[1].buffer(10.0),
        lake.buffer(10.0),
        former.buffer(10.0),
    ])
    taken = shapely.union_all([b.geometry.buffer(10.0) for b in designed])
    blocks = designed + agriculture.background_blocks(exclude, taken)
    fields = shapely.union_all([b.geometry for b in blocks])
    open_land = [
        shapely.difference(g, shapely.union(exclude, fields)) for g in overlays.open_land()
    ]
    data = raster.paint([
        (open_land, raster.NOT_FOREST),
        ([lake], raster.NOT_FOREST),
        ([b.geometry for b in blocks if not b.forest_in_2020], raster.NOT_FOREST),
        ([*stands, *region.footprints().values()], raster.FOREST),
        ([former], raster.NOT_FOREST),
    ])
    frames = {
        "agriculture_lad_blocks.gpkg": agriculture.blocks_frame(blocks),
        "agriculture_declared_fields.gpkg": agriculture.declared_fields_frame(blocks),
        "deforestation_permits.gpkg": permits,
        "land_use_cadastre.gpkg": register.cadastre_frame(
            fields, shapely.union_all(list(protected.geometry))
        ),
        "protected_areas.gpkg": protected,
        "forest_compartments.gpkg": register.compartments_frame(),
    }
    written: list[Path] = []
    with _fixed_gdal_date():
        for name, frame in frames.items():
            _write(frame, out / name)
            written.append(out / name)
    tif = out / "forest_2020.tif"
    tif.unlink(missing_ok=True)
    raster.write_cog(tif, data)
    written.append(tif)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m geoservice.demo.layers",
        description="Write the Jumurda demo land-use layers (GeoPackages and a COG).",
    )
    parser.add_argument("outdir", type=Path, help="directory to write into, e.g. layers/demo")
    args = parser.parse_args(argv)
    for path in generate(args.outdir):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
