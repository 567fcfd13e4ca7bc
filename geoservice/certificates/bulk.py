"""Bulk insert of many checked certificates with COPY: the file import and its benchmark.

Ids are made here, geometries go in as hex EWKB (SRID 3059) and areas are computed with one
vectorised shapely call; the database still checks every constraint (validity, codes, dates).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, text

from geoservice.certificates.model import Certificate
from geoservice.errors import Conflict

_CERTS = ("COPY certificates (id, organisation_id, ca_number, source, issued_on, valid_until, "
          "felling_from, felling_to, place, created_by) FROM STDIN")
_AREAS = ("COPY felling_areas (id, certificate_id, organisation_id, cirsma, "
          "cadastral_designation, quarter, compartment, sub_compartment, felling_type, "
          "execution_method, declared_area_ha, area_ha, geom) FROM STDIN")
_VOLUMES = "COPY area_volumes (area_id, species_code, m3, planned_m3) FROM STDIN"
_PRODUCTS = "COPY area_products (area_id, hs_code, m3) FROM STDIN"


def existing_numbers(conn: Connection, org_id: str, numbers: Sequence[str]) -> list[str]:
    rows = conn.execute(text(
        "SELECT ca_number FROM certificates WHERE organisation_id = CAST(:o AS uuid) "
        "AND ca_number = ANY(:n) ORDER BY ca_number"), {"o": org_id, "n": list(numbers)})
    return [r[0] for r in rows]


def insert_many(
    conn: Connection, org_id: str, certs: Sequence[Certificate], created_by: str | None = None
) -> list[str]:
    """Insert checked certificates in one go; 409 naming the numbers the organisation has."""
    taken = existing_numbers(conn, org_id, [c.ca_number for c in certs])
    if taken:
        shown = ", ".join(taken[:10]) + (f" and {len(taken) - 10} more" if len(taken) > 10 else "")
        raise Conflict(f"Your organisation already has certificate(s) {shown}; nothing was "
                       "imported. Remove them from the file or delete them first.",
                       code="certificate_exists", details=[{"ca_numbers": taken}])
    areas = [(ci, a) for ci, c in enumerate(certs) for a in c.areas]
    geoms = shapely.set_srid(np.array([a.geometry for _, a in areas], dtype=object), 3059)
    ewkb = shapely.to_wkb(geoms, hex=True, include_srid=True)
    hectares = np.round(shapely.area(geoms) / 10_000.0, 4)
    cert_ids = [str(uuid.uuid4()) for _ in certs]
    area_ids = [str(uuid.uuid4()) for _ in areas]
    raw: Any = conn.connection.driver_connection
    with raw.cursor() as cur:
        with cur.copy(_CERTS) as copy:
            for cid, c in zip(cert_ids, certs, strict=True):
                copy.write_row((cid, org_id, c.ca_number, c.source, c.issued_on, c.valid_until,
                                c.felling_from, c.felling_to, c.place, created_by))
        with cur.copy(_AREAS) as copy:
            for i, (ci, a) in enumerate(areas):
                copy.write_row((area_ids[i], cert_ids[ci], org_id, a.cirsma,
                                a.cadastral_designation, a.quarter, a.compartment,
                                a.sub_compartment, a.felling_type, a.execution_method,
                                a.area_ha, float(hectares[i]), ewkb[i]))
        with cur.copy(_VOLUMES) as copy:
            for i, (_, a) in enumerate(areas):
                for v in a.volumes:
                    copy.write_row((area_ids[i], v.species_code, v.m3,
                                    v.planned_m3 if v.planned_m3 is not None else v.m3))
        with cur.copy(_PRODUCTS) as copy:
            for i, (_, a) in enumerate(areas):
                for p in a.products:
                    copy.write_row((area_ids[i], p.hs_code, p.m3))
    return cert_ids
