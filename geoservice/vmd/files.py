"""Read felling certificates from Forest State Register style extracts (Shapefile, zip, GPKG,
GeoJSON) in EPSG:3059 or EPSG:4326; column names and values are in ``geoservice.vmd.columns``.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from pyproj import CRS

from geoservice.certificates.model import MAX_AREAS, Certificate, FellingArea, ProductVolume
from geoservice.certificates.model import SpeciesVolume as SV
from geoservice.vmd import columns as col
from geoservice.vmd.errors import VmdFileError
from geoservice.vmd.zipguard import ZipLimits, dataset_in_zip

# Latvia in EPSG:3059 with a margin: a northing near 6.3 million means no false northing.
LKS92_BOUNDS = (280_000.0, 140_000.0, 800_000.0, 480_000.0)
POLYGONAL = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)
KADASTRS = re.compile(r"^\d{11}$")


def _open(path: Path, layer: str | None, limits: ZipLimits) -> gpd.GeoDataFrame:
    source = dataset_in_zip(path, limits) if zipfile.is_zipfile(path) else str(path)
    try:
        layers = pyogrio.list_layers(source)
        if layer is None and len(layers) > 1:
            names = ", ".join(str(n) for n in layers[:, 0])
            raise VmdFileError(f"{path.name} has several layers ({names}); name the one to read")
        frame = pyogrio.read_dataframe(source, layer=layer)
    except (DataSourceError, DataLayerError) as e:
        raise VmdFileError(f"{path.name} is not a geodata file that can be read ({e})") from None
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        raise VmdFileError(f"{path.name} has no geometry; felling areas must be polygons")
    return frame


def _to_lks92(frame: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    crs = frame.crs
    if crs is None:
        raise VmdFileError(
            f"{name} has no coordinate reference system (for a Shapefile: the .prj is missing); "
            "expected EPSG:3059 (LKS-92 / Latvia TM) or EPSG:4326 (WGS 84)"
        )
    epsg = crs.to_epsg()
    if epsg == 4326 or crs.equals(CRS.from_user_input("OGC:CRS84")):
        frame = frame.to_crs(3059)
    elif epsg != 3059:
        found = f"EPSG:{epsg}" if epsg else "a CRS without EPSG code"
        raise VmdFileError(
            f"{name} is in {found} ({crs.name}); expected EPSG:3059 (LKS-92 / Latvia TM) "
            "or EPSG:4326 (WGS 84)"
        )
    minx, miny, maxx, maxy = frame.total_bounds
    bx0, by0, bx1, by1 = LKS92_BOUNDS
    if len(frame) and not (bx0 <= minx and maxx <= bx1 and by0 <= miny and maxy <= by1):
        raise VmdFileError(
            f"{name}: coordinates ({minx:.0f}, {miny:.0f}) – ({maxx:.0f}, {maxy:.0f}) are outside "
            "Latvia in EPSG:3059 (easting 320 000–770 000, northing 170 000–450 000); "
            "a northing near 6 300 000 means the false northing was not applied"
        )
    return frame


def _check_geometries(frame: gpd.GeoDataFrame, name: str) -> None:
    geoms = frame.geometry.values
    missing = np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if missing.size:
        raise VmdFileError(f"{name}: row(s) {_rows(missing)} have an empty geometry")
    kinds = shapely.get_type_id(geoms)
    bad = np.flatnonzero(~np.isin(kinds, POLYGONAL))
    if bad.size:
        label = geoms[bad[0]].geom_type
        raise VmdFileError(
            f"{name}: row(s) {_rows(bad)} are {label}s, not polygons; a felling area "
            "must be a polygon"
        )


def _rows(indexes: np.ndarray[Any, Any]) -> str:
    shown = ", ".join(str(i + 1) for i in indexes[:5])
    return shown + (f" and {indexes.size - 5} more" if indexes.size > 5 else "")


def read_certificates(
    path: str | Path, layer: str | None = None, limits: ZipLimits | None = None
) -> list[Certificate]:
    """Certificates in a register extract, geometries as MultiPolygons in EPSG:3059.

    Raises :class:`VmdFileError` with a message for a person: not geodata, missing or other
    CRS, missing columns, non-polygon or empty geometries, bad values, zip bombs, more than
    three areas per certificate. Reprojection is one vectorised call for the whole file.
    """
    p = Path(path)
    if not p.is_file():
        raise VmdFileError(f"{p.name} does not exist or is not a file")
    frame = _open(p, layer, limits or ZipLimits())
    names = [c for c in frame.columns if c != frame.geometry.name]
    found, missing = col.resolve(names)
    if missing:
        raise VmdFileError(f"{p.name} lacks the required column(s): {', '.join(missing)}")
    if frame.empty:
        raise VmdFileError(f"{p.name} has no felling areas")
    _check_geometries(frame, p.name)
    frame = _to_lks92(frame, p.name)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    polygons = shapely.get_type_id(geoms) == shapely.GeometryType.POLYGON
    geoms[polygons] = shapely.multipolygons(geoms[polygons, np.newaxis])
    return _group(frame, found, geoms, p.name)


def _column(
    frame: gpd.GeoDataFrame, found: dict[str, str], key: str, parse: Callable[[Any], Any],
    name: str, what: str | None = None,
) -> list[Any]:
    """Parse one column through a cache of its distinct values; a bad value names its row."""
    if key not in found:
        return [None] * len(frame)
    raw = frame[found[key]].tolist()
    cache: dict[Any, Any] = {}
    out = []
    for value in raw:
        try:
            parsed = cache[value]
        except KeyError:
            parsed = cache[value] = parse(value)
        except TypeError:  # unhashable
            parsed = parse(value)
        out.append(parsed)
    if what is not None:
        bad = next((i for i, v in enumerate(out) if v is None), None)
        if bad is not None:
            number = frame[found["ca_nr"]].iloc[bad]
            raise VmdFileError(
                f"{name}, row {bad + 1} (ca_nr {number}): {key} {raw[bad]!r} is not {what}"
            )
    return out


def _kadastrs(value: Any) -> str | None:
    text = col.as_text(value)
    text = text.zfill(11) if text and text.isdigit() else text
    return text if text and KADASTRS.match(text) else None


def _cirsma(value: Any) -> int | None:
    number = col.as_number(value)
    return int(number) if number is not None and number.is_integer() and number >= 1 else None


def _volumes(frame: gpd.GeoDataFrame) -> list[list[SV]]:
    """Per row, planned volumes from ``tilp_<code>`` and ``s1x``/``kr1x`` columns."""
    names = {c.lower(): c for c in frame.columns if isinstance(c, str)}
    totals: dict[int, np.ndarray[Any, Any]] = {}
    for lower, column in names.items():
        if m := col.SPECIES_VOLUME.match(lower):
            m3 = pd.to_numeric(frame[column], errors="coerce").fillna(0).to_numpy(float)
            code = int(m[1])
            totals[code] = totals.get(code, 0) + np.where(m3 > 0, m3, 0)
    for lower, column in names.items():
        if (m := col.STOREY_SPECIES.match(lower)) and f"kr{m[1]}" in names:
            codes = pd.to_numeric(frame[column], errors="coerce").fillna(0).to_numpy(int)
            m3 = pd.to_numeric(frame[names[f"kr{m[1]}"]], errors="coerce").fillna(0).to_numpy()
            for code in np.unique(codes[(codes > 0) & (m3 > 0)]):
                add = np.where((codes == code) & (m3 > 0), m3, 0)
                totals[int(code)] = totals.get(int(code), 0) + add
    rows: list[list[SV]] = [[] for _ in range(len(frame))]
    for code, m3 in totals.items():
        for i in np.flatnonzero(m3 > 0):
            value = round(float(m3[i]), 3)
            rows[i].append(SV(code, value, value))
    return rows


def _products(frame: gpd.GeoDataFrame) -> list[list[ProductVolume]]:
    rows: list[list[ProductVolume]] = [[] for _ in range(len(frame))]
    for column in frame.columns:
        if isinstance(column, str) and (m := col.PRODUCT.match(column.lower())):
            m3 = pd.to_numeric(frame[column], errors="coerce").fillna(0).to_numpy(float)
            for i in np.flatnonzero(m3 > 0):
                rows[i].append(ProductVolume(m[1], float(m3[i])))
    return rows


def _group(
    frame: gpd.GeoDataFrame, found: dict[str, str], geoms: Any, name: str
) -> list[Certificate]:
    """Rows to certificates: columns are parsed whole, the loop only assembles objects."""
    numbers = _column(frame, found, "ca_nr", col.as_text, name, "a certificate number")
    issued = _column(frame, found, "izsn_dat", col.as_date, name, "a date")
    until = _column(frame, found, "deriga_lidz", col.as_date, name, "a date")
    cirsma = _column(frame, found, "cirsma", _cirsma, name, "an area number")
    kadastrs = _column(
        frame, found, "kadastrs", _kadastrs, name, "an 11-digit cadastral designation"
    )
    kvart = _column(frame, found, "kvart", col.as_text, name, "a quarter number")
    nog = _column(frame, found, "nog", col.as_text, name, "a compartment number")
    anog = _column(frame, found, "anog", col.as_text, name)
    felling = _column(frame, found, "cirtes_veids", col.felling_type, name, "a felling type")
    method = _column(frame, found, "izp_veids", col.execution_method, name, "an execution method")
    area_ha = _column(frame, found, "platiba", col.as_number, name)
    vieta = _column(frame, found, "vieta", col.as_text, name)
    volumes, products = _volumes(frame), _products(frame)
    certificates: dict[str, Certificate] = {}
    for i, number in enumerate(numbers):
        area = FellingArea(
            cirsma[i], kadastrs[i], kvart[i], nog[i], None if anog[i] in (None, "0") else anog[i],
            felling[i], method[i], geoms[i], area_ha[i], volumes[i], products[i],
        )
        cert = certificates.get(number)
        if cert is None:
            certificates[number] = Certificate(
                number, issued[i], until[i], "file", [area], vieta[i]
            )
            continue
        where = f"{name}, row {i + 1} (ca_nr {number})"
        if (cert.issued_on, cert.valid_until) != (issued[i], until[i]):
            raise VmdFileError(f"{where}: its dates differ from another row of the certificate")
        if any(a.cirsma == area.cirsma for a in cert.areas):
            raise VmdFileError(f"{where}: cirsma {area.cirsma} appears twice in the certificate")
        cert.areas.append(area)
        if len(cert.areas) > MAX_AREAS:
            raise VmdFileError(
                f"{where}: certificate {number} has more than {MAX_AREAS} felling areas; "
                f"a certificate covers at most {MAX_AREAS}"
            )
    for cert in certificates.values():
        cert.areas.sort(key=lambda a: a.cirsma)
    return list(certificates.values())
