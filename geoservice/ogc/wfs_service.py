"""WFS 2.0 operations over one database connection, free of HTTP: request in, document out.

GetFeature runs each query expression over its own feature type; ``count`` and ``startIndex``
page over the concatenation of all of them (WFS 2.0 §7.7.3), and the answer to several queries
nests one ``wfs:FeatureCollection`` per query (§11.3.3.5). ``next``/``previous`` are KVP URLs
for GET and POST requests alike. A GetFeatureById of a feature the caller may not see answers
exactly like a missing one (NotFound).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection, text

from geoservice.accounts.principal import Principal
from geoservice.errors import BadRequest, NotFound
from geoservice.ogc import access, gml, wfs_docs
from geoservice.ogc.crs import EPSG3059, Crs, bbox_to_xy, parse_numbers, parse_wfs, wfs_srs_name
from geoservice.ogc.filters import to_sql
from geoservice.ogc.query import FeatureQuery, count_matched, geojson_features
from geoservice.ogc.wfs_request import GET_FEATURE_BY_ID, WfsQuery, WfsRequest, to_kvp

XML = "application/xml"
GML32 = "application/gml+xml; version=3.2"
GEOJSON = "application/geo+json"


@dataclass(frozen=True)
class Viewer:
    principal: Principal | None
    layers_public: bool


@dataclass
class WfsAnswer:
    body: str
    media_type: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Page:
    """What one query contributes: its match count and the rows on this page."""

    query: FeatureQuery
    matched: int | None
    rows: list[Any]


def _fail(message: str, locator: str, code: str = "invalid_parameter") -> BadRequest:
    return BadRequest(message, code=code, details=[{"locator": locator}])


def answer(conn: Connection, req: WfsRequest, viewer: Viewer, base: str) -> WfsAnswer:
    """The answer to ``req``; errors are raised as GeoserviceError (rendered as OWS reports)."""
    listed = access.listed(conn, viewer.principal, viewer.layers_public)
    if req.request == "GetCapabilities":
        return WfsAnswer(wfs_docs.capabilities(base, [(c, None) for c in listed]), XML)
    if req.request == "DescribeFeatureType":
        collections = [access.readable(conn, n, viewer.principal, viewer.layers_public)
                       for n in req.type_names] if req.type_names else listed
        return WfsAnswer(wfs_docs.describe(collections),
                         "application/gml+xml; version=3.2; subtype=xsd")
    if req.request == "ListStoredQueries":
        return WfsAnswer(wfs_docs.list_stored_queries([c.id for c in listed]), XML)
    if req.request == "DescribeStoredQueries":
        ids = list(req.stored_query_ids) or list(wfs_docs.STORED_QUERIES)
        for qid in ids:
            _stored_query(qid)
        return WfsAnswer(wfs_docs.describe_stored_queries(ids, [c.id for c in listed]), XML)
    if req.stored_query_id is not None:
        if req.request != "GetFeature":
            raise _fail("Stored queries run through GetFeature here.", "request",
                        "option_not_supported")
        return _by_id(conn, req, viewer, base)
    queries = _queries(conn, req, viewer)
    if req.request == "GetPropertyValue":
        name = _value_reference(req, queries[0])
        return _values(req, name, _pages(conn, queries, req), base)
    return _features(req, _pages(conn, queries, req), base)


def _stored_query(qid: str) -> None:
    if qid not in wfs_docs.STORED_QUERIES:
        raise _fail(f"There is no stored query {qid!r}; ListStoredQueries lists them ("
                    + ", ".join(wfs_docs.STORED_QUERIES) + ").", "STOREDQUERY_ID")


def _output_crs(req: WfsRequest, srs_name: str | None) -> Crs:
    crs = parse_wfs(srs_name)
    # GeoJSON is always x/y (lon/lat, easting/northing).
    return replace(crs, swap=False) if req.output_format == "geojson" else crs


def _by_id(conn: Connection, req: WfsRequest, viewer: Viewer, base: str) -> WfsAnswer:
    assert req.stored_query_id is not None
    _stored_query(req.stored_query_id)
    rid = req.stored_params.get("ID", "").strip()
    if not rid:
        raise _fail(f"{GET_FEATURE_BY_ID} needs the parameter ID (the feature's gml:id, e.g. "
                    "felling_areas.<id>).", "ID", "missing_parameter")
    missing = NotFound(f"There is no feature {rid!r}.", code="feature_not_found",
                       details=[{"locator": "ID"}])
    type_name = rid.rpartition(".")[0].split(":")[-1]
    try:
        c = access.readable(conn, type_name, viewer.principal, viewer.layers_public)
    except NotFound:
        raise missing from None
    query = FeatureQuery(c, viewer.principal, crs=_output_crs(req, req.srs_name), limit=1)
    query.resource_ids([rid])
    rows = _rows(conn, query, req)
    if not rows:
        raise missing
    if req.result_type == "hits":
        return WfsAnswer(gml.collection_open(base, [c.id], 1, 0) + gml.COLLECTION_CLOSE, GML32)
    if req.output_format == "geojson":
        return WfsAnswer(rows[0], GEOJSON)
    return WfsAnswer(gml.standalone(base, c, rows[0]), GML32,
                     {"Content-Crs": wfs_srs_name(query.crs)})


def _queries(conn: Connection, req: WfsRequest, viewer: Viewer) -> list[FeatureQuery]:
    if not req.queries:
        raise _fail(f"{req.request} needs typeNames (e.g. typeNames=gs:felling_areas) or "
                    "RESOURCEID.", "typeNames", "missing_parameter")
    if req.request == "GetPropertyValue" and len(req.queries) > 1:
        raise _fail("GetPropertyValue reads one type name.", "typeNames",
                    "option_not_supported")
    crs_names = {(c.srid, c.swap) for c in (parse_wfs(q.srs_name) for q in req.queries)}
    if len(crs_names) > 1:
        raise _fail("The queries of one request must share one srsName (one answer has one "
                    "CRS); send one request per CRS.", "srsName")
    return [_query(conn, req, q, viewer) for q in req.queries]


def _query(conn: Connection, req: WfsRequest, q: WfsQuery, viewer: Viewer) -> FeatureQuery:
    c = access.readable(conn, q.type_name, viewer.principal, viewer.layers_public)
    query = FeatureQuery(c, viewer.principal, crs=_output_crs(req, q.srs_name))
    if q.bbox:
        parts = q.bbox.split(",")
        box_crs = EPSG3059
        if len(parts) in (5, 7):
            box_crs = parse_wfs(parts[-1])
            parts = parts[:-1]
        query.bbox(bbox_to_xy(parse_numbers(",".join(parts)), box_crs), box_crs)
    if q.filter is not None:
        where, params = to_sql(q.filter, c, parse_wfs(q.srs_name))
        query.add(where, params, "w")
    if q.resource_ids is not None:
        query.resource_ids(q.resource_ids)
    query.sort_by(q.sort_by)
    return query


def _rows(conn: Connection, query: FeatureQuery, req: WfsRequest) -> list[Any]:
    if req.output_format == "geojson" and req.request == "GetFeature":
        return geojson_features(conn, query)
    return gml.gml_rows(conn, query)


def _exact(conn: Connection, query: FeatureQuery) -> int:
    c = query.collection
    sql = f"SELECT count(*) FROM {c.from_sql} WHERE {query.where}"
    return int(conn.execute(text(sql), query.params).scalar_one())


def _pages(conn: Connection, queries: list[FeatureQuery], req: WfsRequest) -> list[_Page]:
    offset = req.start_index
    remaining = wfs_docs.COUNT_DEFAULT if req.count is None else req.count
    out = []
    for i, query in enumerate(queries):
        matched = count_matched(conn, query)
        rows: list[Any] = []
        if req.result_type == "results" and remaining > 0:
            query.offset, query.limit = offset, remaining
            rows = _rows(conn, query, req)
            remaining -= len(rows)
        if offset > 0 and i + 1 < len(queries):
            offset = max(0, offset - (matched if matched is not None else _exact(conn, query)))
        out.append(_Page(query, matched, rows))
    return out


def _totals(pages: list[_Page]) -> tuple[int | None, int]:
    counts = [p.matched for p in pages]
    matched = None if any(n is None for n in counts) else sum(n or 0 for n in counts)
    return matched, sum(len(p.rows) for p in pages)


def _links(req: WfsRequest, pages: list[_Page], base: str) -> dict[str, str]:
    if req.result_type == "hits":
        return {}
    count = wfs_docs.COUNT_DEFAULT if req.count is None else req.count
    matched, returned = _totals(pages)
    links = {}
    if count > 0 and returned == count and (matched is None
                                            or req.start_index + returned < matched):
        links["next"] = f"{base}/wfs?" + urlencode(to_kvp(req, req.start_index + count, count))
    if req.start_index > 0 and count > 0:
        back = max(0, req.start_index - count)
        links["previous"] = f"{base}/wfs?" + urlencode(to_kvp(req, back, count))
    return links


def _features(req: WfsRequest, pages: list[_Page], base: str) -> WfsAnswer:
    matched, returned = _totals(pages)
    links = _links(req, pages, base)
    crs = pages[0].query.crs
    if req.output_format == "geojson":
        head: dict[str, Any] = {"type": "FeatureCollection"}
        if matched is not None:
            head["numberMatched"] = matched
        head["numberReturned"] = returned
        if crs.srid != 4326:
            head["crs"] = {"type": "name", "properties": {"name": crs.urn}}
        if links:
            head["links"] = [{"href": href, "rel": rel, "type": GEOJSON}
                             for rel, href in links.items()]
        features = ",".join(row for p in pages for row in p.rows)
        return WfsAnswer(json.dumps(head)[:-1] + ', "features": [' + features + "]}", GEOJSON)
    ids = [p.query.collection.id for p in pages]
    parts = [gml.collection_open(base, ids, matched, returned, links)]
    for page in pages:
        c = page.query.collection
        if len(pages) > 1:
            parts.append(gml.inner_open(page.matched, len(page.rows)))
        parts.extend(gml.member(c, row) for row in page.rows)
        if len(pages) > 1:
            parts.append(gml.INNER_CLOSE)
    parts.append(gml.COLLECTION_CLOSE)
    return WfsAnswer("".join(parts), GML32, {"Content-Crs": wfs_srs_name(crs)})


def _value_reference(req: WfsRequest, query: FeatureQuery) -> str:
    """The property GetPropertyValue reads; features without a value are left out."""
    if not req.value_reference:
        raise _fail("GetPropertyValue needs valueReference (a property name, e.g. "
                    "valueReference=gs:verdict).", "valueReference", "missing_parameter")
    if req.output_format != "gml":
        raise _fail("GetPropertyValue answers in XML only.", "outputFormat",
                    "option_not_supported")
    c = query.collection
    name = req.value_reference.strip().lstrip("@").split(":")[-1]
    prop = c.prop(name)
    if name != "geometry" and prop is None:
        names = ", ".join(["geometry", *(p.name for p in c.properties)])
        raise _fail(f"valueReference {req.value_reference!r} is not a property of {c.id}; "
                    f"properties: {names}.", "valueReference")
    query.add(f"{c.geom_sql if prop is None else prop.sql} IS NOT NULL", {}, "v")
    return name


def _values(req: WfsRequest, name: str, pages: list[_Page], base: str) -> WfsAnswer:
    page = pages[0]
    c = page.query.collection
    values = [row._mapping[name] for row in page.rows]
    links = _links(req, pages, base)
    parts = [gml.collection_open(base, [c.id], page.matched, len(values), links,
                                 "ValueCollection")]
    parts.extend(gml.value_member(name, value) for value in values)
    parts.append("</wfs:ValueCollection>\n")
    return WfsAnswer("".join(parts), XML)
