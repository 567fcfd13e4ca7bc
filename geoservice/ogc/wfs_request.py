"""Read a WFS 2.0 request from KVP (any key case, old-style aliases) or a POST XML body.

A GetFeature becomes a list of queries, one feature type each (joins are not offered, so a
comma list of type names is read as several queries, as GeoServer does; the WFS 2.0
parenthesised form ``(a)(b)`` works too). ``to_kvp`` writes a request back as KVP: the
``next``/``previous`` links of POST requests are KVP URLs as well.

Client quirks accepted: ``TYPENAME`` for ``typeNames``, ``MAXFEATURES`` for ``count``, the short
``EPSG:4326`` srsName (x/y order, as GeoServer answers it). Version 1.x requests other than
GetCapabilities get a clear exception that names the supported version.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from geoservice.errors import BadRequest
from geoservice.ogc import fes

VERSIONS = ("2.0.0", "2.0.2")
MAX_COUNT = 50_000
GET_FEATURE_BY_ID = "urn:ogc:def:query:OGC-WFS::GetFeatureById"
_OUTPUTS = {"application/gml+xml; version=3.2": "gml", "text/xml; subtype=gml/3.2": "gml",
            "gml32": "gml", "application/gml+xml": "gml", "text/xml": "gml",
            "application/json": "geojson", "application/geo+json": "geojson", "json": "geojson",
            "geojson": "geojson"}
_OPERATIONS = ("GetCapabilities", "DescribeFeatureType", "GetFeature", "GetPropertyValue",
               "ListStoredQueries", "DescribeStoredQueries")
_REQUESTS = {op.lower(): op for op in _OPERATIONS}
_LISTS = re.compile(r"\)\s*\(")


@dataclass
class WfsQuery:
    """One query expression over one feature type."""

    type_name: str
    srs_name: str | None = None
    filter: Any = None
    filter_xml: str | None = None  # as sent, for next/previous links
    sort_by: tuple[tuple[str, bool], ...] = ()  # (property, descending)
    bbox: str | None = None
    resource_ids: tuple[str, ...] | None = None  # RESOURCEID / fes:ResourceId given


@dataclass
class WfsRequest:
    request: str
    version: str | None = None
    type_names: tuple[str, ...] = ()
    queries: list[WfsQuery] = field(default_factory=list)
    count: int | None = None
    start_index: int = 0
    result_type: str = "results"
    output_format: str = "gml"
    output_format_raw: str | None = None
    srs_name: str | None = None
    stored_query_id: str | None = None
    stored_params: dict[str, str] = field(default_factory=dict)
    stored_query_ids: tuple[str, ...] = ()
    value_reference: str | None = None


def _fail(message: str, locator: str, code: str = "invalid_parameter") -> BadRequest:
    return BadRequest(message, code=code, details=[{"locator": locator}])


def _int(value: str | None, name: str, low: int, high: int) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        raise _fail(f"{name}={value!r} is not a whole number.", name) from None
    if number < low or number > high:
        raise _fail(f"{name}={number} is outside {low}…{high}; page with startIndex.", name)
    return number


def _output(value: str | None) -> str:
    if not value:
        return "gml"
    key = " ".join(value.lower().replace(";", "; ").split()).replace("; ", "; ")
    fmt = _OUTPUTS.get(key) or _OUTPUTS.get(key.split(";")[0].strip())
    if fmt is None:
        raise _fail(f"outputFormat {value!r} is not offered; use application/gml+xml; "
                    "version=3.2 or application/json.", "outputFormat",
                    "option_not_supported")
    return fmt


def _names(value: str | None) -> tuple[str, ...]:
    """Type names without prefix from ``a,b``, ``(a)(b)`` or ``(a,b)`` (the last is a join)."""
    if not value:
        return ()
    text = value.strip()
    if text.startswith("(") and any("," in part for part in _LISTS.split(text.strip("()"))):
        raise _fail("Joins of several type names in one query are not offered; ask for "
                    "each type in its own query: typeNames=(gs:a)(gs:b).", "typeNames",
                    "option_not_supported")
    parts = _LISTS.split(text.strip("()")) if text.startswith("(") else text.split(",")
    return tuple(n.strip().split(":")[-1] for n in parts if n.strip())


def _lists(value: str) -> list[str]:
    """The parenthesised lists of a multi-query KVP parameter (``(f1)(f2)``)."""
    text = value.strip()
    if text.startswith("(") and text.endswith(")"):
        return [part.strip() for part in _LISTS.split(text[1:-1])]
    return [text]


def parse_sort(value: str) -> tuple[tuple[str, bool], ...]:
    """``SORTBY=gs:area_ha DESC,cirsma`` (WFS 2.0 ASC/DESC; the 1.1 A/D spellings too)."""
    out = []
    for part in value.split(","):
        words = part.split()
        if not words:
            continue
        order = words[1].upper() if len(words) > 1 else "ASC"
        if len(words) > 2 or order not in ("ASC", "DESC", "A", "D"):
            raise _fail(f"SORTBY {part.strip()!r}: write a property name, optionally followed "
                        "by ASC or DESC (e.g. SORTBY=area_ha DESC).", "sortBy")
        out.append((words[0].split(":")[-1], order in ("DESC", "D")))
    return tuple(out)


def _check_version(request: str, version: str | None) -> None:
    if request != "GetCapabilities" and version and version not in VERSIONS:
        raise _fail(f"WFS version {version} is not supported; this server speaks WFS 2.0.0 "
                    "(send VERSION=2.0.0).", "version")


def _operation(name: str | None) -> str:
    if not name:
        raise _fail("The parameter REQUEST is missing (" + ", ".join(_OPERATIONS) + ").",
                    "request", "missing_parameter")
    op = _REQUESTS.get(name.lower())
    if op is None:
        raise _fail(f"The operation {name!r} is not supported; use "
                    + ", ".join(_OPERATIONS) + ".", "request", "operation_not_supported")
    return op


def _result_type(value: str | None) -> str:
    kind = (value or "results").lower()
    if kind not in ("results", "hits"):
        raise _fail(f"resultType={value!r}: use results or hits.", "resultType")
    return kind


def _filters(value: str, n: int, srs_name: str | None) -> list[tuple[Any, str | None]]:
    texts = _lists(value)
    if len(texts) == 1 and n > 1:
        texts = texts * n
    if len(texts) != n:
        raise _fail(f"FILTER holds {len(texts)} filters for {n} type names; send one filter "
                    "per type name, each in parentheses.", "filter")
    # An empty list "()" leaves that query unfiltered (what to_kvp writes for it).
    return [(fes.to_ast(fes.parse_xml(t), srs_name), t) if t else (None, None) for t in texts]


def _resource_ids(value: str) -> tuple[str, ...]:
    ids = tuple(v.strip() for v in value.split(",") if v.strip())
    for rid in ids:
        if "." not in rid:
            raise _fail(f"RESOURCEID {rid!r} is not an id of this service; ids look like "
                        "felling_areas.<id> (the gml:id of a feature).", "resourceId")
    return ids


def _type_of(rid: str) -> str:
    return rid.rpartition(".")[0]


def from_kvp(query: Mapping[str, str]) -> WfsRequest:
    kvp = {k.lower(): v for k, v in query.items()}
    service = kvp.get("service")
    if service and service.upper() != "WFS":
        raise _fail(f"SERVICE={service!r}: this endpoint is a WFS.", "service")
    op = _operation(kvp.get("request"))
    version = kvp.get("version") or kvp.get("acceptversions", "").split(",")[0] or None
    _check_version(op, version)
    req = WfsRequest(op, version)
    req.type_names = _names(kvp.get("typenames") or kvp.get("typename"))
    req.count = _int(kvp.get("count") or kvp.get("maxfeatures"), "count", 0, MAX_COUNT)
    req.start_index = _int(kvp.get("startindex"), "startIndex", 0, 10**9) or 0
    req.result_type = _result_type(kvp.get("resulttype"))
    req.srs_name = kvp.get("srsname") or None
    req.output_format_raw = kvp.get("outputformat") or None
    req.output_format = _output(req.output_format_raw)
    req.value_reference = kvp.get("valuereference") or None
    if op == "DescribeStoredQueries":
        req.stored_query_ids = tuple(
            v.strip() for v in (kvp.get("storedquery_id") or "").split(",") if v.strip())
    if op not in ("GetFeature", "GetPropertyValue"):
        return req
    if kvp.get("storedquery_id"):
        req.stored_query_id = kvp["storedquery_id"].strip()
        standard = {"service", "request", "version", "storedquery_id", "count", "startindex",
                    "resulttype", "outputformat", "srsname", "valuereference"}
        req.stored_params = {k.upper(): v for k, v in query.items() if k.lower() not in standard}
        return req
    exclusive = [k for k in ("filter", "bbox", "resourceid") if kvp.get(k)]
    if len(exclusive) > 1:
        raise _fail(f"{', '.join(k.upper() for k in exclusive)} exclude each other "
                    "(WFS 2.0 §7.9.2.4.1).", exclusive[1])
    sort_by = parse_sort(kvp["sortby"]) if kvp.get("sortby") else ()
    names = req.type_names
    ids: tuple[str, ...] = ()
    if kvp.get("resourceid"):
        ids = _resource_ids(kvp["resourceid"])
        if not names:
            names = tuple(dict.fromkeys(_type_of(rid) for rid in ids))
    filters: list[tuple[Any, str | None]] = [(None, None)] * len(names)
    if kvp.get("filter"):
        filters = list(_filters(kvp["filter"], len(names) or 1, req.srs_name))
    for name, (ast_, xml) in zip(names, filters, strict=False):
        req.queries.append(WfsQuery(
            name, req.srs_name, ast_, xml, sort_by, kvp.get("bbox") or None,
            tuple(rid for rid in ids if _type_of(rid) == name) if ids else None))
    return req


def _children(el: Any, name: str) -> list[Any]:
    return [c for c in el if isinstance(c.tag, str) and fes.local(c) == name]


def _sort_xml(el: Any) -> tuple[tuple[str, bool], ...]:
    out = []
    for prop in _children(el, "SortProperty"):
        refs = _children(prop, "ValueReference") or _children(prop, "PropertyName")
        if len(refs) != 1:
            raise _fail("fes:SortProperty needs one fes:ValueReference.", "SortBy")
        orders = _children(prop, "SortOrder")
        order = (orders[0].text or "ASC").strip().upper() if orders else "ASC"
        if order not in ("ASC", "DESC"):
            raise _fail(f"fes:SortOrder {order!r}: ASC or DESC.", "SortBy")
        out.append(((refs[0].text or "").strip().split(":")[-1], order == "DESC"))
    return tuple(out)


def _query_xml(query: Any) -> list[WfsQuery]:
    names = _names(query.get("typeNames") or query.get("typeName"))
    if not names:
        raise _fail("wfs:Query needs a typeNames attribute (e.g. typeNames=\"gs:findings\").",
                    "typeNames", "missing_parameter")
    if len(names) > 1:
        raise _fail("Joins of several type names in one wfs:Query are not offered; send one "
                    "wfs:Query per type.", "typeNames", "option_not_supported")
    out = WfsQuery(names[0], query.get("srsName"))
    for el in query:
        if not isinstance(el.tag, str):
            continue
        kind = fes.local(el)
        if kind == "Filter":
            out.filter = fes.to_ast(el, out.srs_name)
            out.filter_xml = etree.tostring(el, encoding="unicode")
        elif kind == "SortBy":
            out.sort_by = _sort_xml(el)
        elif kind not in ("PropertyName",):
            raise _fail(f"wfs:Query does not take {kind} here; use fes:Filter and fes:SortBy.",
                        kind, "option_not_supported")
    return [out]


def from_xml(body: bytes) -> WfsRequest:
    root = fes.parse_xml(body)
    op = _operation(fes.local(root))
    version = root.get("version")
    _check_version(op, version)
    req = WfsRequest(op, version)
    if op == "DescribeFeatureType":
        names = [(el.text or "").strip() for el in _children(root, "TypeName")]
        req.type_names = _names(",".join(names))
        return req
    if op == "DescribeStoredQueries":
        req.stored_query_ids = tuple((el.text or "").strip()
                                     for el in _children(root, "StoredQueryId"))
        return req
    if op not in ("GetFeature", "GetPropertyValue"):
        return req
    req.count = _int(root.get("count") or root.get("maxFeatures"), "count", 0, MAX_COUNT)
    req.start_index = _int(root.get("startIndex"), "startIndex", 0, 10**9) or 0
    req.result_type = _result_type(root.get("resultType"))
    req.output_format_raw = root.get("outputFormat")
    req.output_format = _output(req.output_format_raw)
    req.value_reference = root.get("valueReference")
    stored = _children(root, "StoredQuery")
    queries = _children(root, "Query")
    if stored:
        if len(stored) > 1 or queries:
            raise _fail("Send one wfs:StoredQuery (and no wfs:Query beside it).",
                        "StoredQuery", "option_not_supported")
        req.stored_query_id = stored[0].get("id")
        req.stored_params = {(p.get("name") or "").upper(): (p.text or "").strip()
                             for p in _children(stored[0], "Parameter")}
        return req
    if not queries:
        raise _fail(f"wfs:{op} needs a wfs:Query or a wfs:StoredQuery.", "Query",
                    "missing_parameter")
    for query in queries:
        req.queries.extend(_query_xml(query))
    req.type_names = tuple(q.type_name for q in req.queries)
    srs = {q.srs_name for q in req.queries}
    req.srs_name = req.queries[0].srs_name if len(srs) == 1 else None
    return req


def to_kvp(req: WfsRequest, start_index: int, count: int) -> dict[str, str]:
    """The request as KVP (GET) parameters, for the ``next``/``previous`` links."""
    params = {"SERVICE": "WFS", "VERSION": "2.0.0", "REQUEST": req.request}
    if req.stored_query_id:
        params["STOREDQUERY_ID"] = req.stored_query_id
        params.update(req.stored_params)
    else:
        names = [q.type_name for q in req.queries]
        params["TYPENAMES"] = ",".join(f"gs:{n}" for n in names)
        first = req.queries[0]
        if first.srs_name:
            params["SRSNAME"] = first.srs_name
        if first.bbox:
            params["BBOX"] = first.bbox
        filters = [q.filter_xml for q in req.queries]
        if any(filters):
            params["FILTER"] = (filters[0] or "") if len(filters) == 1 else "".join(
                f"({f or ''})" for f in filters)
        ids = [rid for q in req.queries for rid in q.resource_ids or ()]
        if ids:
            params["RESOURCEID"] = ",".join(ids)
        if first.sort_by:
            params["SORTBY"] = ",".join(f"{p} {'DESC' if d else 'ASC'}"
                                        for p, d in first.sort_by)
    if req.srs_name and "SRSNAME" not in params:
        params["SRSNAME"] = req.srs_name
    if req.output_format_raw:
        params["OUTPUTFORMAT"] = req.output_format_raw
    if req.value_reference:
        params["VALUEREFERENCE"] = req.value_reference
    params.update(STARTINDEX=str(start_index), COUNT=str(count))
    return params
