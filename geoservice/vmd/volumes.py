"""Planned volumes of a felling from the stand's species composition, as VMD would plan them.

Growing stock per element is estimated as basal area × height × form factor (0.42, a usual
average for Latvian stands); the felling type decides which share of it is cut. Clear fellings
are kept within 150–350 m³/ha, the range of Latvian mature stands. The suggested product split
is round timber (HS 4403) and fuel wood (HS 4401); the user may change it later.
"""

from __future__ import annotations

from collections.abc import Iterable

from geoservice.certificates.model import ProductVolume, SpeciesVolume
from geoservice.vmd.stands import Element

FORM_FACTOR = 0.42
CLEAR_FELLING_M3_PER_HA = (150.0, 350.0)

# Share of the growing stock cut by a selective (izlases) felling of each type.
SELECTIVE_SHARE: dict[str, float] = {
    "kopsanas": 0.25,
    "sanitara": 0.15,
    "ainavu": 0.20,
    "rekonstruktiva": 0.50,
    "galvena": 0.35,
    "atmezosanas": 1.0,
    "cita": 0.20,
}

# Suggested share of round timber (4403); the rest is fuel wood (4401).
ROUND_TIMBER_SHARE: dict[str, float] = {
    "galvena": 0.85,
    "kopsanas": 0.70,
    "sanitara": 0.60,
    "rekonstruktiva": 0.65,
    "ainavu": 0.75,
    "atmezosanas": 0.75,
    "cita": 0.70,
}


def stock_per_ha(elements: Iterable[Element]) -> dict[int, float]:
    """Growing stock in m³/ha by species code (several storeys of one species add up)."""
    stock: dict[int, float] = {}
    for e in elements:
        stock[e.species_code] = stock.get(e.species_code, 0.0) + (
            e.basal_area * e.height * FORM_FACTOR
        )
    return stock


def planned_volumes(
    elements: Iterable[Element], area_ha: float, felling_type: str, execution_method: str
) -> list[SpeciesVolume]:
    """Planned m³ by species for a felling of ``area_ha``, largest first, rounded to 0.1 m³."""
    stock = stock_per_ha(elements)
    total = sum(stock.values())
    if total <= 0:
        return []
    if execution_method == "kailcirte":
        low, high = CLEAR_FELLING_M3_PER_HA
        factor = min(max(total, low), high) / total
    else:
        factor = SELECTIVE_SHARE[felling_type]
    volumes = [
        SpeciesVolume(code, round(m3 * factor * area_ha, 1), round(m3 * factor * area_ha, 1))
        for code, m3 in stock.items()
    ]
    return sorted((v for v in volumes if v.m3 > 0), key=lambda v: (-v.m3, v.species_code))


def suggested_products(volumes: Iterable[SpeciesVolume], felling_type: str) -> list[ProductVolume]:
    """Split the total into 4403 and 4401; the two always add up to the species total."""
    total = round(sum(v.m3 for v in volumes), 1)
    round_timber = round(total * ROUND_TIMBER_SHARE[felling_type], 1)
    return [
        ProductVolume("4403", round_timber),
        ProductVolume("4401", round(total - round_timber, 1)),
    ]
