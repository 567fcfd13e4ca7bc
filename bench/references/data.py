"""A disposable benchmark database with N certificates, their areas and available statements."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from geoservice.db.engine import PRIVATE_CLUSTER_URL_FILE
from geoservice.db.migrate import migrate


def _admin_url() -> str:
    import os

    url = os.environ.get("GEOSERVICE_DATABASE_URL") or PRIVATE_CLUSTER_URL_FILE.read_text().strip()
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@contextmanager
def database() -> Iterator[str]:
    """A fresh migrated database in the same cluster, dropped afterwards; yields its URL."""
    admin = make_url(_admin_url())
    name = f"geoservice_bench_refs_{secrets.token_hex(3)}"
    admin_engine = create_engine(admin.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.set(database=name).render_as_string(hide_password=False)
    try:
        engine = create_engine(url)
        migrate(engine)
        engine.dispose()
        yield url
    finally:
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()


def fill(engine: Engine, org_id: str, other_org: str, count: int) -> None:
    """``count`` certificates ``BENCH-000001``… with one area each; 80 % in an available
    statement of their own, 10 % in a submitted one, 10 % in no statement. A tenth of them
    also exist in ``other_org`` (so "not yours" and duplicates across tenants are exercised).
    """
    with engine.begin() as conn:
        conn.execute(text("""
            INSERT INTO certificates (organisation_id, ca_number, source, issued_on, valid_until)
            SELECT CAST(:org AS uuid), 'BENCH-' || lpad(g::text, 6, '0'), 'manual',
                   DATE '2026-03-02', DATE '2029-12-31'
            FROM generate_series(1, :n) AS g
            UNION ALL
            SELECT CAST(:other AS uuid), 'BENCH-' || lpad(g::text, 6, '0'), 'manual',
                   DATE '2026-03-02', DATE '2029-12-31'
            FROM generate_series(1, :n, 10) AS g
        """), {"org": org_id, "other": other_org, "n": count})
        conn.execute(text("""
            INSERT INTO felling_areas (certificate_id, organisation_id, cirsma,
                cadastral_designation, quarter, compartment, felling_type, execution_method,
                area_ha, geom)
            SELECT c.id, c.organisation_id, 1, '70600050074', '4', '1', 'galvena', 'kailcirte',
                   1.0, ST_Multi(ST_MakeEnvelope(610900, 308950, 611000, 309050, 3059))
            FROM certificates c
        """))
        conn.execute(text("""
            WITH numbered AS (
                SELECT c.id, c.organisation_id, row_number() OVER (ORDER BY c.ca_number) AS n
                FROM certificates c WHERE c.organisation_id = CAST(:org AS uuid)
            ), made AS (
                INSERT INTO statements (id, organisation_id, internal_reference, status,
                    reference_number, verification_number, submitted_at, available_at)
                SELECT gen_random_uuid(), organisation_id, 'GSB' || n,
                       CASE WHEN n % 10 = 0 THEN 'submitted' ELSE 'available' END,
                       CASE WHEN n % 10 = 0 THEN NULL
                            ELSE '26LV' || upper(substr(md5(n::text), 1, 10)) END,
                       CASE WHEN n % 10 = 0 THEN NULL
                            ELSE upper(substr(md5('v' || n), 1, 8)) END,
                       now(), CASE WHEN n % 10 = 0 THEN NULL ELSE now() END
                FROM numbered WHERE n % 10 <> 5
                RETURNING id, internal_reference
            )
            INSERT INTO statement_certificates (statement_id, certificate_id, certificate_version)
            SELECT m.id, nb.id, 1
            FROM made m JOIN numbered nb ON m.internal_reference = 'GSB' || nb.n
        """), {"org": org_id})
        conn.execute(text("ANALYZE"))
