"""GML 3.2 feature collections for WFS 2.0 GetFeature, written by PostGIS and joined here.

Geometries come from ``ST_AsGML(3, …)`` in the requested CRS and axis order, with a ``gml:id``
per geometry; properties are escaped here. Null values are left out (minOccurs="0").
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any
from xml.sax.saxutils import escape

from sqlalchemy import Connection

from geoservice.ogc.collections import Collection
from geoservice.ogc.crs import Crs, output_sql, wfs_srs_name
from geoservice.ogc.query import FeatureQuery, property_rows

NS = "https://geoservice.lv/wfs"
PREFIX = "gs"
WFS_NS = "http://www.opengis.net/wfs/2.0"
GML_NS = "http://www.opengis.net/gml/3.2"


def gml_geometry_sql(c: Collection, crs: Crs) -> str:
    # Option 1 writes the URN srsName, 0 the short EPSG:n form; 2 drops srsDimension; the
    # coordinates are already flipped into the requested axis order by output_sql.
    option = 1 if crs.swap else 0
    geom = output_sql(c.geom_sql, crs, c.lonlat_sql)
    return (f"ST_AsGML(3, {geom}, {crs.precision}, {option}, 'gml', "
            f"'{c.id}.' || {c.id_sql} || '.geom')")


def gml_rows(conn: Connection, query: FeatureQuery) -> list[Any]:
    return property_rows(conn, query, gml_geometry_sql(query.collection, query.crs))


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return escape(str(value))


_MEMBER_ID = re.compile(r'(<gml:(?:Polygon|Point|LineString) gml:id=")([^"]*)"')


def _unique_ids(geometry: str) -> str:
    """PostGIS repeats the geometry's gml:id on its members; GML needs each id once."""
    counter = iter(range(1, 1_000_000))
    return _MEMBER_ID.sub(lambda m: f'{m.group(1)}{m.group(2)}.{next(counter)}"', geometry)


def feature(c: Collection, row: Any, root_attrs: str = "") -> str:
    """One feature element; ``root_attrs`` adds namespace declarations when it stands alone."""
    mapping = row._mapping
    parts = [f'<{PREFIX}:{c.id}{root_attrs} gml:id="{c.id}.{escape(str(mapping["id"]))}">']
    for p in c.properties:
        value = mapping[p.name]
        if value is not None:
            parts.append(f"<{PREFIX}:{p.name}>{_value(value)}</{PREFIX}:{p.name}>")
    if mapping["geometry"] is not None:
        parts.append(f"<{PREFIX}:geometry>{_unique_ids(mapping['geometry'])}</{PREFIX}:geometry>")
    parts.append(f"</{PREFIX}:{c.id}>")
    return "".join(parts)


def member(c: Collection, row: Any) -> str:
    return f"<wfs:member>{feature(c, row)}</wfs:member>"


def describe_url(base: str, type_names: list[str]) -> str:
    return (f"{base}/wfs?service=WFS&amp;version=2.0.0&amp;request=DescribeFeatureType"
            f"&amp;typeNames={','.join(f'{PREFIX}:{t}' for t in type_names)}")


def standalone(base: str, c: Collection, row: Any) -> str:
    """A GetFeatureById answer: the feature itself as the document element."""
    attrs = (f' xmlns:{PREFIX}="{NS}" xmlns:gml="{GML_NS}" '
             'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
             f'xsi:schemaLocation="{NS} {describe_url(base, [c.id])}"')
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + feature(c, row, attrs) + "\n"


def value_member(name: str, value: Any) -> str:
    """A GetPropertyValue member: the property element with its value (or GML geometry)."""
    text = _unique_ids(value) if name == "geometry" else _value(value)
    return f"<wfs:member><{PREFIX}:{name}>{text}</{PREFIX}:{name}></wfs:member>"


def _stamp() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _counts(matched: int | None, returned: int, links: dict[str, str]) -> str:
    hrefs = "".join(f' {rel}="{escape(href, {chr(34): "&quot;"})}"'
                    for rel, href in links.items())
    return (f'timeStamp="{_stamp()}" '
            f'numberMatched="{"unknown" if matched is None else matched}" '
            f'numberReturned="{returned}"{hrefs}')


def collection_open(base: str, type_names: list[str], matched: int | None, returned: int,
                    links: dict[str, str] | None = None, element: str = "FeatureCollection",
                    ) -> str:
    """The document element of a feature (or value) collection; ``links``: next/previous."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<wfs:{element} xmlns:wfs="{WFS_NS}" xmlns:gml="{GML_NS}" '
        f'xmlns:{PREFIX}="{NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{WFS_NS} http://schemas.opengis.net/wfs/2.0/wfs.xsd '
        f'{NS} {describe_url(base, type_names)}" {_counts(matched, returned, links or {})}>')


def inner_open(matched: int | None, returned: int) -> str:
    """A query's own collection inside the answer to several queries (WFS 2.0 §11.3.3.5)."""
    return f"<wfs:member><wfs:FeatureCollection {_counts(matched, returned, {})}>"


INNER_CLOSE = "</wfs:FeatureCollection></wfs:member>"
COLLECTION_CLOSE = "</wfs:FeatureCollection>\n"


def srs_of(crs: Crs) -> str:
    return wfs_srs_name(crs)
