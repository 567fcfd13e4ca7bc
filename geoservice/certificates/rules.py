"""Rules on certificates: species codes, product splits, plausible volumes, editability, Art. 8.

Law on accounting of trees and round timber, Art. 8(2)–(3): when the certificate's planned
volume and the accounted round-timber volume differ by more than 10 % of the accounted volume,
the accounted volume is authoritative.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from geoservice.certificates.species import SPECIES
from geoservice.errors import Conflict, ValidationFailed

PERMITTED_DEVIATION = 0.10
MAX_M3_PER_HA = 5000.0
# Product split and volume totals must agree to this many m³ (rounding to 0.1 m³ per line).
SUM_TOLERANCE_M3 = 0.05
LOCKED_STATUSES = ("in_statement", "submitted")


class _Volume(Protocol):
    @property
    def species_code(self) -> int: ...
    @property
    def m3(self) -> float: ...


class _Product(Protocol):
    @property
    def hs_code(self) -> str: ...
    @property
    def m3(self) -> float: ...


def _fail(field: str, message: str, code: str, **detail: Any) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", code=code,
                            details=[{"field": field, **detail}])


def check_species(volumes: Sequence[_Volume], field: str) -> None:
    """Every species code is a Forest State Register code, each at most once."""
    seen: set[int] = set()
    for i, v in enumerate(volumes):
        if v.species_code not in SPECIES:
            known = ", ".join(str(c) for c in sorted(SPECIES))
            raise _fail(f"{field}[{i}].species_code",
                        f"{v.species_code} is not a Forest State Register species code "
                        f"(known: {known}).", "unknown_species_code", value=v.species_code)
        if v.species_code in seen:
            raise _fail(f"{field}[{i}].species_code",
                        f"species {v.species_code} is listed twice; give one volume per species.",
                        "duplicate_species_code", value=v.species_code)
        seen.add(v.species_code)


def check_products(products: Sequence[_Product], total_m3: float, field: str) -> None:
    """The split over HS headings adds up to the volume total (when a split is given)."""
    if not products:
        return
    codes = [p.hs_code for p in products]
    for code in set(codes):
        if codes.count(code) > 1:
            raise _fail(field, f"HS code {code} is listed twice; give one volume per code.",
                        "duplicate_hs_code", value=code)
    split = round(sum(p.m3 for p in products), 3)
    if abs(split - total_m3) > SUM_TOLERANCE_M3:
        raise _fail(field, f"the product split adds up to {split:g} m³ but the volumes add up "
                    f"to {round(total_m3, 3):g} m³; the split must equal the declared total.",
                    "products_do_not_add_up", products_m3=split, volumes_m3=round(total_m3, 3))


def check_density(total_m3: float, area_ha: float, field: str) -> None:
    """More than 5 000 m³ per hectare is not a forest, it is a typing error."""
    if area_ha > 0 and total_m3 / area_ha > MAX_M3_PER_HA:
        raise _fail(field, f"{total_m3:g} m³ on {area_ha:g} ha is {total_m3 / area_ha:.0f} "
                    f"m³/ha, more than the plausible {MAX_M3_PER_HA:g} m³/ha; check the units "
                    "and decimal separators.", "volume_implausible",
                    m3_per_ha=round(total_m3 / area_ha, 1))


def volume_check(planned_m3: float, accounted_m3: float) -> dict[str, Any]:
    """Deviation = |planned − accounted| / accounted; above 10 % the accounted one counts."""
    planned, accounted = round(planned_m3, 3), round(accounted_m3, 3)
    deviation = round(abs(planned - accounted), 3)
    ratio: float | None = None
    if accounted > 0:
        ratio = deviation / accounted
        within = ratio <= PERMITTED_DEVIATION + 1e-12
    else:
        ratio, within = None, planned == 0
    percent = None if ratio is None else round(ratio * 100, 2)
    if within:
        message = (f"The accounted volume {accounted:g} m³ is within the permitted deviation "
                   f"(10 % of the accounted volume) of the certificate's {planned:g} m³; the "
                   "volumes are accepted.")
    else:
        message = (f"The accounted volume {accounted:g} m³ differs from the certificate's "
                   f"{planned:g} m³ by more than the permitted 10 % of the accounted volume; "
                   "under Art. 8 of the law on accounting of trees and round timber the "
                   "accounted volume is authoritative and is the one declared.")
    return {"planned_m3": planned, "accounted_m3": accounted, "deviation_m3": deviation,
            "deviation_percent": percent, "within_tolerance": within,
            "authoritative": "planned" if within else "accounted", "message": message}


def ensure_editable(status: str, ca_number: str, what: str, *, correctable: bool = False) -> None:
    """409 once the certificate is in a statement or submitted; ``correctable`` (only in draft
    or rejected statements) lets its data be corrected before the statement is sent again."""
    if status == "in_statement" and correctable:
        return
    if status in LOCKED_STATUSES:
        state = "is part of a due diligence statement" if status == "in_statement" \
            else "has been submitted to TRACES"
        raise Conflict(f"Certificate {ca_number} {state}; its {what} can no longer be changed. "
                       "Withdraw or amend the statement first.", code="certificate_locked")


def share_products(
    products: Sequence[_Product], area_totals: Sequence[float]
) -> list[list[tuple[str, float]]]:
    """A certificate-wide split shared over areas in proportion to their volume (m³ to 0.001).

    The last area with volume takes the rounding remainder, so each code still adds up.
    """
    total = sum(area_totals)
    shares: list[list[tuple[str, float]]] = [[] for _ in area_totals]
    if total <= 0:
        return shares
    last = max(i for i, t in enumerate(area_totals) if t > 0)
    for p in products:
        given = 0.0
        for i, t in enumerate(area_totals):
            if t <= 0:
                continue
            m3 = round(p.m3 - given, 3) if i == last else round(p.m3 * t / total, 3)
            given += m3
            shares[i].append((p.hs_code, m3))
    return shares
