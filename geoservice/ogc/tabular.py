"""CSV output of features: id, every property, and the geometry as WKT in the requested CRS."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from geoservice.ogc.collections import Collection
from geoservice.ogc.query import FeatureQuery, property_rows


def csv_rows(conn: Connection, query: FeatureQuery) -> list[Any]:
    return property_rows(conn, query, f"ST_AsText({query.geometry_sql}, {query.precision:d})")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    text = str(value)
    # A cell starting with =, +, - or @ would run as a formula in a spreadsheet.
    if text[:1] in ("=", "+", "-", "@") and not _numeric(text):
        return "'" + text
    return text


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def to_csv(collection: Collection, rows: list[Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    names = [p.name for p in collection.properties]
    writer.writerow(["id", *names, "wkt"])
    for row in rows:
        mapping = row._mapping
        writer.writerow([_cell(mapping["id"]), *(_cell(mapping[n]) for n in names),
                         _cell(mapping["geometry"])])
    return out.getvalue()
