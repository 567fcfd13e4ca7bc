"""Inspect an uploaded zip before GDAL reads it: size, compression ratio, member count.

A zip bomb is a small file that inflates to gigabytes. The central directory says how large
every member claims to be, so the totals are checked before a single byte is inflated; GDAL
then reads the dataset through ``/vsizip/`` without extracting to disk.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from geoservice.vmd.errors import VmdFileError

DATASET_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json")


@dataclass(frozen=True)
class ZipLimits:
    """How much a zip may hold; the ratio applies once the content exceeds ``ratio_from``."""

    max_total_bytes: int = 200 * 1024 * 1024
    max_ratio: float = 100.0
    ratio_from: int = 10 * 1024 * 1024
    max_members: int = 200


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def dataset_in_zip(path: Path, limits: ZipLimits) -> str:
    """The GDAL path of the one dataset in the zip, after the bomb checks; else VmdFileError."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as e:
        raise VmdFileError(f"{path.name} is not a readable zip file ({e})") from None
    if len(members) > limits.max_members:
        raise VmdFileError(
            f"{path.name} holds {len(members)} files; at most {limits.max_members} are accepted"
        )
    total = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    if total > limits.max_total_bytes:
        raise VmdFileError(
            f"{path.name} would unpack to {_mb(total)}, more than the limit of "
            f"{_mb(limits.max_total_bytes)}"
        )
    if total > limits.ratio_from and total > limits.max_ratio * max(packed, 1):
        raise VmdFileError(
            f"{path.name} is compressed {total / max(packed, 1):.0f} times (limit "
            f"{limits.max_ratio:g}); that looks like a zip bomb, not a register extract"
        )
    if any(m.flag_bits & 0x1 for m in members):
        raise VmdFileError(f"{path.name} is password protected")
    datasets = sorted(
        m.filename for m in members
        if m.filename.lower().endswith(DATASET_SUFFIXES) and not m.filename.startswith("__MACOSX")
    )
    if not datasets:
        raise VmdFileError(f"{path.name} holds no .shp, .gpkg or .geojson file")
    if len(datasets) > 1:
        raise VmdFileError(f"{path.name} holds several datasets ({', '.join(datasets)}); send one")
    return f"/vsizip/{path.resolve()}/{datasets[0]}"
