"""SQL for certificates and their felling areas. Functions take a connection, never commit.

Geometries go in as EPSG:3059 WKB and the area is computed by PostGIS in EPSG:3059.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, text

from geoservice.certificates.model import Certificate, FellingArea

_INSERT_CERTIFICATE = text("""
INSERT INTO certificates (organisation_id, ca_number, source, issued_on, valid_until,
                          felling_from, felling_to, place, created_by)
VALUES (CAST(:org AS uuid), :ca, :source, :issued, :valid, :ffrom, :fto, :place,
        CAST(:by AS uuid))
RETURNING id
""")

_INSERT_AREA = text("""
INSERT INTO felling_areas (certificate_id, organisation_id, cirsma, cadastral_designation,
    quarter, compartment, sub_compartment, felling_type, execution_method, declared_area_ha,
    area_ha, geom, confirmed_warnings)
SELECT CAST(:cert AS uuid), CAST(:org AS uuid), :cirsma, :cad, :quarter, :comp, :sub, :ftype,
       :exec, :declared, round((ST_Area(g) / 10000)::numeric, 4), g,
       CAST(:confirmed AS jsonb)
FROM (SELECT ST_Multi(ST_GeomFromWKB(:wkb, 3059)) AS g) AS geom
RETURNING id
""")


def insert_certificate(
    conn: Connection, org_id: str, certificate: Certificate, created_by: str | None = None
) -> str:
    """Insert a certificate with its areas, volumes and products; returns the certificate id."""
    cert_id = str(conn.execute(_INSERT_CERTIFICATE, {
        "org": org_id, "ca": certificate.ca_number, "source": certificate.source,
        "issued": certificate.issued_on, "valid": certificate.valid_until,
        "ffrom": certificate.felling_from, "fto": certificate.felling_to,
        "place": certificate.place, "by": created_by,
    }).scalar_one())
    for area in certificate.areas:
        insert_area(conn, org_id, cert_id, area)
    return cert_id


def insert_area(conn: Connection, org_id: str, cert_id: str, area: FellingArea) -> str:
    area_id = str(conn.execute(_INSERT_AREA, {
        "cert": cert_id, "org": org_id, "cirsma": area.cirsma,
        "cad": area.cadastral_designation, "quarter": area.quarter, "comp": area.compartment,
        "sub": area.sub_compartment, "ftype": area.felling_type, "exec": area.execution_method,
        "declared": area.area_ha, "wkb": area.geometry.wkb,
        "confirmed": json.dumps(area.confirmed_warnings, default=str),
    }).scalar_one())
    if area.volumes:
        conn.execute(
            text("INSERT INTO area_volumes (area_id, species_code, m3, planned_m3) "
                 "VALUES (CAST(:a AS uuid), :s, :m3, :p)"),
            [{"a": area_id, "s": v.species_code, "m3": v.m3,
              "p": v.planned_m3 if v.planned_m3 is not None else v.m3} for v in area.volumes],
        )
    if area.products:
        conn.execute(
            text("INSERT INTO area_products (area_id, hs_code, m3) "
                 "VALUES (CAST(:a AS uuid), :h, :m3)"),
            [{"a": area_id, "h": p.hs_code, "m3": p.m3} for p in area.products],
        )
    return area_id
