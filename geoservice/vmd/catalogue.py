"""The simulator's designed certificates: 15 felling certificates of Jumurdas pagasts.

Each case is designed to get one verdict from the land-use checks against the demo layers
(``geoservice.demo.layers``), which are built around these areas. CA number format (ours; the
real one is not public): 10 digits ``YYFFFFNNNN`` — ``YY`` the year of issue, ``FFFF`` the VMD
forestry (mežniecība) code of the stand data (2253 for Jumurda), ``NNNN`` the sequence number in
that year. Validity (domain §3): to 31 December of the year of issue + 2 (sanitary) or + 3
(others), unless VMD set a shorter term. Verdicts hold for check dates from 2026-11 to 2027-12-31
(the earliest end of validity of a certificate designed to be valid).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from geoservice.certificates.model import ExecutionMethod, FellingType, Verdict

PLACE = "Jumurdas pagasts, Madonas novads"
FORESTRY_CODE = "2253"
CA_NUMBER_PATTERN = r"^\d{2}" + FORESTRY_CODE + r"\d{4}$"


@dataclass(frozen=True)
class AreaSpec:
    """One felling area: the union of the named stands (``kadastrs:kvart:nog``)."""

    stands: tuple[str, ...]
    felling_type: FellingType
    execution_method: ExecutionMethod
    bowtie_at: int | None = None


@dataclass(frozen=True)
class Case:
    """A designed certificate and the verdict and rules the checks must give it."""

    ca_number: str
    issued_on: date
    verdict: Verdict
    rules: tuple[str, ...]
    description: str
    areas: tuple[AreaSpec, ...]
    valid_until: date | None = None  # None: the legal term of domain §3

    def validity_end(self) -> date:
        if self.valid_until is not None:
            return self.valid_until
        years = 2 if self.areas[0].felling_type == "sanitara" else 3
        return date(self.issued_on.year + years, 12, 31)


def _real(*nogs: str) -> tuple[str, ...]:
    return tuple(f"70600050074:4:{n}" for n in nogs)


GAL: FellingType = "galvena"
KOP: FellingType = "kopsanas"
SAN: FellingType = "sanitara"
KAIL: ExecutionMethod = "kailcirte"
IZL: ExecutionMethod = "izlases"

CASES: tuple[Case, ...] = (
    Case("2522531021", date(2025, 9, 15), "clear", (),
         "final clear felling of a mature aspen-spruce stand, no land-use conflict",
         (AreaSpec(_real("12"), GAL, KAIL),)),
    Case("2622530058", date(2026, 2, 3), "clear", (),
         "two clear-felling areas, one the union of neighbouring stands 7 and 8",
         (AreaSpec(_real("7", "8"), GAL, KAIL), AreaSpec(_real("23"), GAL, KAIL))),
    Case("2422531187", date(2024, 11, 4), "clear", (),
         "thinning in three young stands (three areas)",
         (AreaSpec(_real("13"), KOP, IZL), AreaSpec(_real("16"), KOP, IZL),
          AreaSpec(_real("22"), KOP, IZL))),
    Case("2522530733", date(2025, 6, 10), "clear", (),
         "sanitary selective felling after bark beetle damage (valid 2 calendar years)",
         (AreaSpec(_real("27"), SAN, IZL),)),
    Case("2522530291", date(2025, 3, 18), "flagged", ("forest_to_agriculture",),
         "a LAD field block created in 2022 covers ~45 % of a stand that was forest in 2020",
         (AreaSpec(("70600040021:3:5",), GAL, KAIL),)),
    Case("2622530264", date(2026, 4, 21), "flagged", ("forest_to_agriculture",),
         "area 1 overlapped by a grown field block and a declared field; area 2 clean",
         (AreaSpec(("70600070031:6:2",), GAL, KAIL), AreaSpec(("70600070031:6:4",), GAL, KAIL))),
    Case("2522531305", date(2025, 11, 27), "blocked", ("deforestation_permit",),
         "inside a municipal permit to convert forest to agricultural land",
         (AreaSpec(("70600020093:1:9",), GAL, KAIL),)),
    Case("2622530517", date(2026, 6, 8), "blocked", ("deforestation_felling",),
         "deforestation felling (atmezosanas) for a building; a construction permit, not farming",
         (AreaSpec(("70600080016:2:3",), "atmezosanas", KAIL),)),
    Case("2422531262", date(2024, 12, 10), "clear", (),
         "large pine clear felling of 4.62 ha (over 4 ha), 64-vertex outline",
         (AreaSpec(("70600030112:4:1",), GAL, KAIL),)),
    Case("2622530021", date(2026, 1, 14), "clear", (),
         "sketch ring crosses itself (bow-tie); make_valid repairs it with a tiny area change",
         (AreaSpec(("70600050088:7:12",), GAL, KAIL, bowtie_at=25),)),
    Case("2422530096", date(2024, 2, 12), "flagged", ("certificate_validity",),
         "expired: VMD set a shorter term, valid only until 2025-06-30",
         (AreaSpec(_real("25"), GAL, KAIL),), valid_until=date(2025, 6, 30)),
    Case("2622530802", date(2026, 8, 19), "flagged", ("protected_area",),
         "sanitary felling inside the Natura 2000 site Jumurdas ezers (LV0511300)",
         (AreaSpec(("70600010047:2:6",), SAN, IZL),)),
    Case("2522531064", date(2025, 10, 2), "flagged", ("not_forest_2020",),
         "grey alder on a former field: ~80 % of the area was not forest in 2020",
         (AreaSpec(("70600060045:5:8",), GAL, KAIL),)),
    Case("2622530177", date(2026, 3, 9), "flagged", ("no_layer_data",),
         "reconstructive felling at the east edge: part outside the layers, part raster nodata",
         (AreaSpec(("70600090004:1:3",), "rekonstruktiva", KAIL),)),
    Case("2622530655", date(2026, 7, 1), "clear", (),
         "an old field block's edge cuts ~2 m into the area: a sliver below 0.05 ha and 1 %",
         (AreaSpec(("70600040107:8:2",), GAL, KAIL),)),
)


def case(ca_number: str) -> Case:
    """The designed case with this number; KeyError names the number."""
    for c in CASES:
        if c.ca_number == ca_number:
            return c
    raise KeyError(f"no designed case with CA number {ca_number!r}")
