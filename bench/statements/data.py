"""A disposable database for the benchmark, with an organisation and certificates to send."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from geoservice.accounts import store as accounts
from geoservice.certificates.model import Certificate, FellingArea, ProductVolume, SpeciesVolume
from geoservice.certificates.store import insert_certificate
from geoservice.db.engine import PRIVATE_CLUSTER_URL_FILE
from geoservice.db.migrate import migrate


@contextmanager
def disposable_database() -> Iterator[Engine]:
    url = make_url(PRIVATE_CLUSTER_URL_FILE.read_text().strip().replace(
        "postgresql://", "postgresql+psycopg://", 1))
    name = f"geoservice_bench_statements_{secrets.token_hex(3)}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(url.set(database=name), pool_size=8, max_overflow=4)
    try:
        migrate(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def organisation(engine: Engine) -> str:
    reg_no = "4" + "".join(secrets.choice("0123456789") for _ in range(10))
    with engine.begin() as conn:
        org_id = accounts.create_organisation(
            conn, name=f"Bench SIA {reg_no}", reg_no=reg_no, vat_no=f"LV{reg_no}",
            street="Skolas iela 3", city="Madona", postal_code="LV-4801")
        conn.execute(text(
            "INSERT INTO mandates (organisation_id, filename, content_type, content, sha256, "
            "status, valid_from, valid_until) VALUES (CAST(:o AS uuid), 'm.pdf', "
            "'application/pdf', '%PDF-', 'x', 'active', :f, :u)"),
            {"o": org_id, "f": date.today() - timedelta(days=1),
             "u": date.today() + timedelta(days=365)})
    return org_id


def _area(cirsma: int, x: float, y: float) -> FellingArea:
    ring = [(x, y), (x + 180, y + 10), (x + 200, y + 150), (x + 90, y + 210), (x - 10, y + 120)]
    return FellingArea(
        cirsma=cirsma, cadastral_designation="70600050074", quarter="4", compartment=str(cirsma),
        sub_compartment=None, felling_type="galvena", execution_method="kailcirte",
        geometry=MultiPolygon([Polygon(ring)]),
        volumes=[SpeciesVolume(1, 200.0, 200.0), SpeciesVolume(3, 40.0, 40.0),
                 SpeciesVolume(4, 50.0, 50.0)],
        products=[ProductVolume("4403", 250.0), ProductVolume("4401", 40.0)])


def certificates(engine: Engine, org_id: str, count: int, areas_each: int) -> list[str]:
    """``count`` clear certificates laid out on a grid in the Jumurda region."""
    ids: list[str] = []
    with engine.begin() as conn:
        for i in range(count):
            x0, y0 = 600_000.0 + (i % 40) * 800, 300_000.0 + (i // 40) * 300
            cert = Certificate(
                ca_number=f"B{secrets.token_hex(5).upper()}", source="manual",
                issued_on=date(2026, 3, 2), valid_until=date(2029, 12, 31),
                areas=[_area(a + 1, x0 + a * 250, y0) for a in range(areas_each)])
            ids.append(insert_certificate(conn, org_id, cert))
        conn.execute(text("UPDATE certificates SET verdict = 'clear', status = 'ready' "
                          "WHERE id::text = ANY(:i)"), {"i": ids})
        conn.execute(text("INSERT INTO check_runs (organisation_id, certificate_id, "
                          "certificate_version, verdict) SELECT organisation_id, id, version, "
                          "'clear' FROM certificates WHERE id::text = ANY(:i)"), {"i": ids})
    return ids
