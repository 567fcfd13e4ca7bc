"""Import of Forest State Register extracts (Shapefile zip, GeoPackage, GeoJSON) as certificates.

The file is read by ``geoservice.vmd.files`` (CRS, columns, zip bombs), every certificate goes
through the same checks as one typed in, and all are stored in one transaction or none.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Connection, text

from geoservice.accounts.principal import Principal
from geoservice.certificates.bulk import insert_many
from geoservice.certificates.model import Certificate
from geoservice.certificates.validate import checked
from geoservice.certificates.write import ENTITY
from geoservice.errors import ValidationFailed
from geoservice.vmd import VmdFileError
from geoservice.vmd.files import read_certificates

SUFFIXES = (".zip", ".gpkg", ".geojson", ".json")


def read_upload(filename: str, content: bytes) -> list[Certificate]:
    """Certificates from an uploaded file, checked; 422 with the reader's message otherwise."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise ValidationFailed(
            f"file: {filename!r} is not a supported geodata file; send a zipped Shapefile "
            "(.zip), a GeoPackage (.gpkg) or GeoJSON (.geojson).", code="file_type",
            details=[{"field": "file", "filename": filename}])
    with tempfile.TemporaryDirectory(prefix="geoservice-import-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(content)
        try:
            certs = read_certificates(path)
        except VmdFileError as e:
            message = str(e).replace("upload" + suffix, filename)
            raise ValidationFailed(f"file: {message}", code="file_invalid",
                                   details=[{"field": "file", "message_lv": e.message_lv}]
                                   ) from None
    return [checked(replace(c, source="file"), prefix=f"{c.ca_number}: ") for c in certs]


def store(conn: Connection, principal: Principal, certs: list[Certificate],
          filename: str) -> list[str]:
    """All certificates of the file, or none; one audit entry per certificate."""
    ids = insert_many(conn, principal.organisation_id, certs, principal.user_id)
    conn.execute(text(
        "INSERT INTO audit_log (organisation_id, actor_user_id, entity, entity_id, action, "
        "changes) VALUES (CAST(:org AS uuid), CAST(:actor AS uuid), :entity, :eid, 'imported', "
        "CAST(:changes AS jsonb))"),
        [{"org": principal.organisation_id, "actor": principal.user_id, "entity": ENTITY,
          "eid": cert_id, "changes": json.dumps({"ca_number": cert.ca_number, "file": filename,
                                                 "areas": len(cert.areas)})}
         for cert_id, cert in zip(ids, certs, strict=True)])
    return ids
