"""Plausibility of a felling area typed or drawn by hand: warnings a person confirms with a reason.

Nothing here refuses a value outright (the rules in ``rules`` and ``validate`` do that): a
warning says that a value is unusual, and the area is saved once the user confirms each warning
with a reason (``"confirm_warnings": [{"code", "field", "reason"}]``). The reasons are kept with
the area (``felling_areas.confirmed_warnings``) and in the certificate's audit history.

Warnings:

- ``parcel_far`` / ``parcel_outside``: the area lies away from (or mostly outside) the cadastral
  parcel it names, when the cadastre layer (role ``land_use_cadastre``, attribute ``CODE``) has
  that parcel; without the layer, or without the parcel in it, nothing is said.
- ``sliver``: a part of the area is smaller than the checks' sliver size (``sliver_ha``, 0.05 ha):
  a slip of the mouse rather than a felling area.
- ``area_over_legal_max``: a clear felling (galvenā cirte, kailcirte) larger than the largest
  clear-felling area the law allows.
- ``quarter_not_number`` / ``compartment_not_number``: the forest quarter (kvartāls) is not a
  number, the compartment (nogabals) not a number or a list of numbers (``9,10``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime
from typing import Any

import shapely
from shapely import wkb as shapely_wkb
from shapely.geometry import MultiPolygon
from sqlalchemy import Connection

from geoservice import i18n
from geoservice.errors import ValidationFailed
from geoservice.layers import parcels

# Cabinet Regulation No. 935 "Noteikumi par koku ciršanu mežā" (18.12.2012,
# https://likumi.lv/ta/id/253760) sets the maximum clear-felling area (point 1.2; the figures
# are in point 15): 5 ha in sils, mētrājs, lāns, damaksnis, vēris and gārša, 2 ha in the other
# forest types. The forest type is not on the certificate, so the larger figure is the limit
# warned about; it applies to final felling executed as clear felling (galvenā cirte,
# kailcirte). Other felling types have no area limit in that regulation that we apply here.
# domain.md has no figure; the stored copy of the regulation read while writing this showed
# its point 1.2 but not point 15, whose figures come from a quotation of it: check them
# against likumi.lv when the regulation is amended. A warning is confirmed, never a refusal.
CLEAR_FELLING_MAX_HA = 5.0
LEGAL_MAX_HA: dict[tuple[str, str], float] = {("galvena", "kailcirte"): CLEAR_FELLING_MAX_HA}
# Half of the area outside the named parcel, or any distance from it, is worth a question.
MIN_INSIDE_PERCENT = 50.0
FAR_METRES = 1.0
NUMBER = re.compile(r"^[0-9]{1,6}$")
NUMBERS = re.compile(r"^[0-9]{1,6}(\s*[,;]\s*[0-9]{1,6})*$")
CODES = ("parcel_far", "parcel_outside", "sliver", "area_over_legal_max", "quarter_not_number",
         "compartment_not_number")



@dataclass(frozen=True)
class PlausibilityWarning:
    """One plausibility warning about one field of one felling area."""

    code: str
    field: str
    params: dict[str, Any] = dataclass_field(default_factory=dict)

    def messages(self) -> dict[str, str]:
        return messages(self.code, self.params)

    def as_json(self, lang: str = i18n.DEFAULT_LANGUAGE) -> dict[str, Any]:
        both = self.messages()
        return {"code": self.code, "field": self.field, "params": self.params,
                "message": both[i18n.pick_language(lang)], "messages": both,
                "confirm": {"code": self.code, "field": self.field, "reason": ""}}


def _number(value: Any, lang: str) -> str:
    if isinstance(value, float):
        text_value = f"{value:.4f}".rstrip("0").rstrip(".")
        return text_value.replace(".", ",") if lang == "lv" else text_value
    return str(value)


def messages(code: str, params: dict[str, Any]) -> dict[str, str]:
    """The warning in every language, numbers written as each language writes them."""
    out: dict[str, str] = {}
    for lang in i18n.LANGUAGES:
        values = {k: _number(v, lang) for k, v in params.items()}
        try:
            out[lang] = i18n.translate(f"plausibility.{code}", lang, **values)
        except (KeyError, IndexError, ValueError):
            out[lang] = i18n.translate(f"plausibility.{code}", lang)
    return out


def parcel(conn: Connection, designation: str) -> MultiPolygon | None:
    """The named parcel's geometry (EPSG:3059) from the current cadastre layer, if it has it."""
    raw = parcels.cadastre_wkb(conn, designation)
    if raw is None:
        return None
    geometry = shapely_wkb.loads(raw)
    return geometry if not geometry.is_empty else None


def area_warnings(
    conn: Connection, prefix: str, *, cadastral_designation: str, quarter: str,
    compartment: str, felling_type: str, execution_method: str, geometry: MultiPolygon,
    sliver_ha: float,
) -> list[PlausibilityWarning]:
    """Every warning about one felling area (``prefix`` names it: ``areas[0]``)."""
    found: list[PlausibilityWarning] = []
    if not NUMBER.match(quarter.strip()):
        found.append(PlausibilityWarning("quarter_not_number", f"{prefix}.quarter",
                                         {"value": quarter}))
    if not NUMBERS.match(compartment.strip()):
        found.append(PlausibilityWarning("compartment_not_number", f"{prefix}.compartment",
                             {"value": compartment}))
    parts = [p.area / 10_000.0 for p in geometry.geoms]
    small = [ha for ha in parts if ha < sliver_ha]
    if small:
        found.append(PlausibilityWarning("sliver", f"{prefix}.geometry",
                             {"area_ha": round(min(small), 4), "limit_ha": sliver_ha}))
    area_ha = round(geometry.area / 10_000.0, 4)
    limit = LEGAL_MAX_HA.get((felling_type, execution_method))
    if limit is not None and area_ha > limit:
        found.append(PlausibilityWarning("area_over_legal_max", f"{prefix}.geometry",
                             {"area_ha": area_ha, "limit_ha": limit}))
    named = parcel(conn, cadastral_designation)
    if named is not None:
        try:
            named = named if named.is_valid else shapely.make_valid(named)
            distance = geometry.distance(named)
            inside = geometry.intersection(named).area / geometry.area * 100 if geometry.area \
                else 0.0
        except shapely.errors.GEOSException:  # a parcel GEOS cannot compare: nothing to say
            return found
        if distance >= FAR_METRES:
            found.append(PlausibilityWarning("parcel_far", f"{prefix}.cadastral_designation",
                                 {"cadastral_designation": cadastral_designation,
                                  "distance_m": int(round(distance))}))
        elif inside < MIN_INSIDE_PERCENT:
            found.append(PlausibilityWarning("parcel_outside", f"{prefix}.cadastral_designation",
                                 {"cadastral_designation": cadastral_designation,
                                  "inside_percent": int(inside)}))
    return found


def _matches(warning: PlausibilityWarning, confirmation: Any) -> bool:
    wanted_field = getattr(confirmation, "field", None)
    return bool(confirmation.code == warning.code
                and (not wanted_field or wanted_field == warning.field))


def confirmed(
    warnings: Sequence[PlausibilityWarning], confirmations: Iterable[Any], lang: str,
    *, actor: str | None = None,
) -> list[dict[str, Any]]:
    """The warnings with their reasons, to be stored; 422 listing the ones not confirmed.

    ``confirmations`` are objects with ``code``, optional ``field`` and ``reason``.
    """
    given = list(confirmations)
    kept: list[dict[str, Any]] = []
    missing: list[PlausibilityWarning] = []
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for warning in warnings:
        match = next((c for c in given if _matches(warning, c) and c.reason.strip()), None)
        if match is None:
            missing.append(warning)
            continue
        kept.append({"code": warning.code, "field": warning.field, "params": warning.params,
                     "reason": match.reason.strip(), "confirmed_at": now, "confirmed_by": actor})
    if missing:
        raise ValidationFailed(
            i18n.both("plausibility.unconfirmed", lang, n=len(missing)),
            code="plausibility_unconfirmed",
            details=[w.as_json(lang) for w in missing])
    return kept


def area_index(field_name: str) -> int:
    """``areas[2].geometry`` → 2."""
    found = re.match(r"^areas\[(\d+)\]", field_name)
    return int(found.group(1)) if found else 0


def described(stored: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored confirmations with their messages {lv, en} (for the API and the pages)."""
    return [{**item, "messages": messages(str(item.get("code")), dict(item.get("params") or {}))}
            for item in stored or []]
