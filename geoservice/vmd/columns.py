"""Attribute names and values of Forest State Register style felling-area extracts.

One row (feature) per felling area (cirsma). Names are matched case-insensitively; Shapefile
(DBF) names are cut to 10 characters, so the cut forms are accepted too.

Required: ``ca_nr`` certificate number · ``cirsma`` area number (1–3) · ``kadastrs`` 11-digit
cadastral designation · ``kvart`` quarter · ``nog`` compartment(s) · ``cirtes_veids`` felling type
· ``izp_veids`` execution method · ``izsn_dat`` issue date · ``deriga_lidz`` valid until.
Optional: ``anog`` sub-compartment · ``platiba`` area, ha · ``vieta`` place · planned volumes as
``tilp_<species code>`` (m³, e.g. ``tilp_1`` pine) and/or register style ``s10..s14`` species
code with ``kr10..kr14`` m³ · products as ``prod_<HS code>`` (m³, e.g. ``prod_4403``).
Felling types may be written in Latvian with diacritics (``Galvenā cirte``); dates as ISO
``2025-03-04``, ``04.03.2025`` or the format's own date type.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any

import pandas as pd

REQUIRED: dict[str, tuple[str, ...]] = {
    "ca_nr": ("ca_nr",),
    "cirsma": ("cirsma",),
    "kadastrs": ("kadastrs",),
    "kvart": ("kvart",),
    "nog": ("nog",),
    "cirtes_veids": ("cirtes_veids", "cirtes_vei"),
    "izp_veids": ("izp_veids",),
    "izsn_dat": ("izsn_dat",),
    "deriga_lidz": ("deriga_lidz", "deriga_lid"),
}
OPTIONAL: dict[str, tuple[str, ...]] = {
    "anog": ("anog",),
    "platiba": ("platiba",),
    "vieta": ("vieta",),
}
SPECIES_VOLUME = re.compile(r"^tilp_(\d{1,3})$")
STOREY_SPECIES = re.compile(r"^s(1[0-4])$")
PRODUCT = re.compile(r"^prod_(\d{4,6})$")

_FELLING_PREFIXES = (
    ("galven", "galvena"), ("kopsan", "kopsanas"), ("sanitar", "sanitara"),
    ("rekonstr", "rekonstruktiva"), ("ainav", "ainavu"), ("atmez", "atmezosanas"),
    ("cita", "cita"),
)
_METHOD_PREFIXES = (("kail", "kailcirte"), ("izlas", "izlases"), ("cita", "cita"))


def resolve(columns: list[str]) -> tuple[dict[str, str], list[str]]:
    """Map canonical names to the file's column names; also return the required ones missing."""
    lower = {c.lower(): c for c in columns}
    found: dict[str, str] = {}
    missing: list[str] = []
    for canonical, names in (REQUIRED | OPTIONAL).items():
        match = next((lower[n] for n in names if n in lower), None)
        if match is not None:
            found[canonical] = match
        elif canonical in REQUIRED:
            missing.append(canonical)
    return found, missing


def ascii_fold(text: str) -> str:
    """Lower case without diacritics: ``Sanitārā`` → ``sanitara``."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def felling_type(value: Any) -> str | None:
    """The model's felling type for a register value, or None when it is not one."""
    text = ascii_fold(str(value))
    return next((v for prefix, v in _FELLING_PREFIXES if text.startswith(prefix)), None)


def execution_method(value: Any) -> str | None:
    text = ascii_fold(str(value))
    return next((v for prefix, v in _METHOD_PREFIXES if text.startswith(prefix)), None)


def as_date(value: Any) -> date | None:
    """A date from the format's date type or ISO / Latvian ``dd.mm.yyyy`` text; None if not."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, datetime | pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%Y/%m/%d", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text[:19], fmt).date()
        except ValueError:
            continue
    return None


def as_text(value: Any) -> str | None:
    """Register codes as text: ``4.0`` → ``"4"``; empty and NaN → None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def as_number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(number) else number
