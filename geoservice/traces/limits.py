"""TRACES size and count limits, checked on a Statement before it is sent.

Where EC texts disagree the stricter value is used: the rules text caps commodities at 100
(the XSD allows 200) and internal references at 35 characters (the common XSD allows 50).
The 25 MB geolocation limit is measured on the Base64 text, in decimal megabytes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from geoservice.traces.geojson import encoded_size
from geoservice.traces.model import Statement

MAX_GEO_BYTES = 25_000_000
MAX_PRODUCERS_PER_COMMODITY = 1000
MAX_PRODUCERS_PER_STATEMENT = 10_000
MAX_COMMODITIES = 100
MAX_SPECIES_PER_COMMODITY = 500
MAX_GROUPED_DECLARATIONS = 2000
MAX_UUIDS_PER_GET = 100
MAX_INTERNAL_REFERENCE = 35
MAX_DESCRIPTION = 150
MAX_COMMENT = 2000
HS_HEADING = re.compile(r"[0-9]{2,6}")


@dataclass(frozen=True)
class LimitProblem:
    """One limit broken: ``code`` is stable snake_case, ``actual`` and ``limit`` the numbers."""

    code: str
    message: str
    actual: int
    limit: int


@dataclass(frozen=True)
class LimitReport:
    """``statements_needed`` > 1 means: split the plots over that many statements."""

    problems: tuple[LimitProblem, ...]
    statements_needed: int
    geo_bytes: int

    @property
    def ok(self) -> bool:
        return not self.problems


def check_limits(statement: Statement, *, max_geo_bytes: int = MAX_GEO_BYTES) -> LimitReport:
    """Every documented limit the statement breaks, and how many statements would fit it."""
    problems: list[LimitProblem] = []

    def over(code: str, what: str, actual: int, limit: int) -> None:
        if actual > limit:
            problems.append(LimitProblem(code, f"{what}: {actual} > {limit}", actual, limit))

    geo_bytes = sum(
        encoded_size(p.geometry_geojson) for c in statement.commodities for p in c.producers
    )
    producer_counts = [len(c.producers) for c in statement.commodities]
    total_producers = sum(producer_counts)
    ref = statement.internal_reference or ""
    over(
        "internal_reference_too_long", "internal reference length", len(ref), MAX_INTERNAL_REFERENCE
    )
    over("comment_too_long", "comment length", len(statement.comment or ""), MAX_COMMENT)
    over("too_many_commodities", "commodities", len(statement.commodities), MAX_COMMODITIES)
    if not statement.commodities:
        problems.append(LimitProblem("no_commodities", "a statement needs a commodity", 0, 1))
    over(
        "too_many_grouped_declarations",
        "grouped declarations",
        len(statement.grouped_declarations),
        MAX_GROUPED_DECLARATIONS,
    )
    over("geolocation_too_large", "geolocation bytes (Base64)", geo_bytes, max_geo_bytes)
    over(
        "too_many_producers",
        "producers in the statement",
        total_producers,
        MAX_PRODUCERS_PER_STATEMENT,
    )
    for index, commodity in enumerate(statement.commodities, 1):
        where = f"commodity {commodity.position or index}"
        over(
            "too_many_producers_per_commodity",
            f"{where}: producers",
            len(commodity.producers),
            MAX_PRODUCERS_PER_COMMODITY,
        )
        over(
            "too_many_species",
            f"{where}: species",
            len(commodity.species),
            MAX_SPECIES_PER_COMMODITY,
        )
        over(
            "description_too_long",
            f"{where}: description length",
            len(commodity.description_of_goods),
            MAX_DESCRIPTION,
        )
        if not HS_HEADING.fullmatch(commodity.hs_heading):
            problems.append(
                LimitProblem(
                    "hs_heading_invalid",
                    f"{where}: HS heading {commodity.hs_heading!r} is not 2-6 digits",
                    len(commodity.hs_heading),
                    6,
                )
            )
    needed = max(
        1,
        math.ceil(geo_bytes / max_geo_bytes),
        math.ceil(total_producers / MAX_PRODUCERS_PER_STATEMENT),
        max((math.ceil(n / MAX_PRODUCERS_PER_COMMODITY) for n in producer_counts), default=1),
        math.ceil(len(statement.commodities) / MAX_COMMODITIES),
    )
    return LimitReport(tuple(problems), needed, geo_bytes)
