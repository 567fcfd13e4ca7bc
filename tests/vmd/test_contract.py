"""The VmdSource contract, run over the simulator and over the HTTP client (real HTTP)."""

from __future__ import annotations

import contextlib

import pytest
import shapely
from shapely.geometry import MultiPolygon

from geoservice.certificates.model import EXECUTION_METHODS, FELLING_TYPES, MAX_AREAS
from geoservice.vmd.errors import CertificateNotFound, VmdUnavailable
from geoservice.vmd.protocol import VmdSource
from geoservice.vmd.simulator import VmdSimulator, designed

from .conftest import SourceFactory

NUMBERS = [d.ca_number for d in designed()]


def test_source_implements_the_protocol(make_source: SourceFactory) -> None:
    source = make_source()
    assert isinstance(source, VmdSource)
    assert isinstance(source.simulated, bool)


@pytest.mark.parametrize("number", NUMBERS)
def test_every_designed_certificate_is_served_in_the_domain_model(
    make_source: SourceFactory, number: str
) -> None:
    certificate = make_source().fetch(number)
    assert certificate.ca_number == number
    assert certificate.source == "vmd"
    assert certificate.issued_on < certificate.valid_until
    assert 1 <= len(certificate.areas) <= MAX_AREAS
    assert [a.cirsma for a in certificate.areas] == list(range(1, len(certificate.areas) + 1))
    for area in certificate.areas:
        assert isinstance(area.geometry, MultiPolygon)
        minx, miny, maxx, maxy = area.geometry.bounds  # EPSG:3059, x = easting
        assert 320_000 < minx < maxx < 770_000 and 170_000 < miny < maxy < 450_000
        assert area.felling_type in FELLING_TYPES
        assert area.execution_method in EXECUTION_METHODS
        assert area.cadastral_designation.isdigit() and len(area.cadastral_designation) == 11
        assert area.volumes and all(v.m3 > 0 for v in area.volumes)
        total = sum(v.m3 for v in area.volumes)
        assert sum(p.m3 for p in area.products) == pytest.approx(total, abs=0.05)


def test_unknown_number_is_not_found_in_both_languages(make_source: SourceFactory) -> None:
    with pytest.raises(CertificateNotFound) as caught:
        make_source().fetch("9922539999")
    assert caught.value.ca_number == "9922539999"
    assert "9922539999" in str(caught.value)
    assert "apliecinājum" in caught.value.message_lv


def test_surrounding_spaces_are_ignored(make_source: SourceFactory) -> None:
    assert make_source().fetch(f"  {NUMBERS[0]} ").ca_number == NUMBERS[0]


def test_fetch_returns_a_copy_the_caller_may_change(make_source: SourceFactory) -> None:
    source = make_source()
    first = source.fetch(NUMBERS[1])
    first.areas[0].volumes.clear()
    first.areas.pop()
    again = source.fetch(NUMBERS[1])
    assert len(again.areas) == 2 and again.areas[0].volumes


def test_outage_is_reported_as_unavailable(make_source: SourceFactory) -> None:
    source = make_source(fail_with=VmdUnavailable("maintenance window"))
    with pytest.raises(VmdUnavailable) as caught:
        source.fetch(NUMBERS[0])
    assert caught.value.retryable
    assert "maintenance window" in str(caught.value)
    assert caught.value.message_lv.startswith("Valsts meža dienests")


def test_after_an_outage_ends_certificates_come_back(make_source: SourceFactory) -> None:
    source = make_source(fail_with=VmdUnavailable("restart"), fail_times=1)
    with contextlib.suppress(VmdUnavailable):  # the HTTP client retries through it
        source.fetch(NUMBERS[0])
    assert source.fetch(NUMBERS[0]).ca_number == NUMBERS[0]


def test_geometry_survives_the_trip_exactly(make_source: SourceFactory) -> None:
    for number in NUMBERS:
        got = make_source().fetch(number)
        expected = VmdSimulator().fetch(number)
        for a, b in zip(got.areas, expected.areas, strict=True):
            assert shapely.equals_exact(a.geometry, b.geometry, tolerance=0.001), number
