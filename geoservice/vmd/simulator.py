"""A deterministic VMD: the designed Jumurda certificates, served like the real source."""

from __future__ import annotations

import copy
import sys
import threading
import time
from collections.abc import Sequence
from functools import cache
from typing import NamedTuple, TextIO

import shapely

from geoservice.certificates.model import Certificate, FellingArea, SpeciesVolume, Verdict
from geoservice.vmd.catalogue import CASES, PLACE, AreaSpec, Case
from geoservice.vmd.errors import CertificateNotFound, VmdError
from geoservice.vmd.shapes import as_multipolygon, with_bowtie
from geoservice.vmd.stands import Stand, all_stands
from geoservice.vmd.volumes import planned_volumes, suggested_products


class DesignedCase(NamedTuple):
    """A certificate number with the verdict and rules the checks are designed to give it."""

    ca_number: str
    verdict: Verdict
    rules: tuple[str, ...]
    description: str


def _area(number: int, spec: AreaSpec) -> FellingArea:
    stands: list[Stand] = [all_stands()[key] for key in spec.stands]
    first = stands[0]
    polygon = shapely.union_all([s.geometry for s in stands])
    area_ha = round(polygon.area / 10_000.0, 2)
    if spec.bowtie_at is not None:
        if len(stands) != 1:
            raise ValueError("a bow-tie is drawn on a single stand")
        polygon = with_bowtie(first.geometry, spec.bowtie_at)
    by_species: dict[int, float] = {}
    for s in stands:
        share = s.geometry.area / 10_000.0
        for v in planned_volumes(s.elements, share, spec.felling_type, spec.execution_method):
            by_species[v.species_code] = round(by_species.get(v.species_code, 0.0) + v.m3, 1)
    volumes = [
        SpeciesVolume(code, m3, m3)
        for code, m3 in sorted(by_species.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return FellingArea(
        cirsma=number,
        cadastral_designation=first.kadastrs,
        quarter=first.kvart,
        compartment=",".join(s.nog for s in stands),
        sub_compartment=first.anog if len(stands) == 1 else None,
        felling_type=spec.felling_type,
        execution_method=spec.execution_method,
        geometry=as_multipolygon(polygon),
        area_ha=area_ha,
        volumes=volumes,
        products=suggested_products(volumes, spec.felling_type),
    )


def build_certificate(case: Case) -> Certificate:
    """The certificate VMD would return for a designed case (``source="vmd"``)."""
    return Certificate(
        ca_number=case.ca_number,
        issued_on=case.issued_on,
        valid_until=case.validity_end(),
        source="vmd",
        areas=[_area(i, spec) for i, spec in enumerate(case.areas, start=1)],
        place=PLACE,
    )


@cache
def _registry() -> dict[str, Certificate]:
    return {c.ca_number: build_certificate(c) for c in CASES}


def designed() -> list[DesignedCase]:
    """Every simulated CA number with its designed verdict, rules and a one-line description."""
    return [DesignedCase(c.ca_number, c.verdict, c.rules, c.description) for c in CASES]


class VmdSimulator:
    """The designed certificates behind the :class:`~geoservice.vmd.protocol.VmdSource` contract.

    ``fail_with`` makes ``fetch`` raise that error (for the first ``fail_times`` calls, or
    always when ``fail_times`` is None); ``delay`` seconds are slept before each answer. Both
    let tests and demos see what happens when VMD is slow or down.
    """

    simulated = True

    def __init__(
        self,
        *,
        fail_with: VmdError | None = None,
        fail_times: int | None = None,
        delay: float = 0.0,
    ) -> None:
        self.fail_with = fail_with
        self.fail_times = fail_times
        self.delay = delay
        self.calls = 0
        self._lock = threading.Lock()

    def numbers(self) -> list[str]:
        """All CA numbers the simulator knows, in catalogue order."""
        return list(_registry())

    def designed(self) -> list[DesignedCase]:
        return designed()

    def fetch(self, ca_number: str) -> Certificate:
        with self._lock:
            self.calls += 1
            failing = self.fail_with is not None and (
                self.fail_times is None or self.calls <= self.fail_times
            )
        if self.delay:
            time.sleep(self.delay)
        if failing and self.fail_with is not None:
            raise self.fail_with
        certificate = _registry().get(ca_number.strip())
        if certificate is None:
            raise CertificateNotFound(ca_number)
        return copy.deepcopy(certificate)


def main_list(out: TextIO | None = None, cases: Sequence[DesignedCase] | None = None) -> None:
    """Print the simulator's CA numbers as a table (backs ``geoservice vmd-sim list``)."""
    stream = out if out is not None else sys.stdout
    rows = cases if cases is not None else designed()
    areas = {n: len(c.areas) for n, c in _registry().items()}
    header = ("CA number", "verdict", "rules", "areas", "description")
    table = [
        (r.ca_number, r.verdict, ",".join(r.rules) or "-", str(areas.get(r.ca_number, "")),
         r.description)
        for r in rows
    ]
    widths = [max(len(row[i]) for row in (header, *table)) for i in range(4)]
    for row in (header, *table):
        cells = [row[i].ljust(widths[i]) for i in range(4)]
        stream.write("  ".join(cells) + "  " + row[4] + "\n")
