"""Read a WFS 2.0 request from KVP (any key case, old-style aliases) or a POST XML body.

Client quirks accepted: ``TYPENAME`` for ``typeNames``, ``MAXFEATURES`` for ``count``, the short
``EPSG:4326`` srsName (x/y order, as GeoServer answers it). Version 1.x requests other than
GetCapabilities get a clear exception that names the supported version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geoservice.errors import BadRequest
from geoservice.ogc import fes

VERSIONS = ("2.0.0", "2.0.2")
MAX_COUNT = 50_000
_OUTPUTS = {"application/gml+xml; version=3.2": "gml", "text/xml; subtype=gml/3.2": "gml",
            "gml32": "gml", "application/gml+xml": "gml", "text/xml": "gml",
            "application/json": "geojson", "application/geo+json": "geojson", "json": "geojson",
            "geojson": "geojson"}


@dataclass
class WfsRequest:
    request: str
    version: str | None = None
    type_names: tuple[str, ...] = ()
    bbox: str | None = None
    count: int | None = None
    start_index: int = 0
    result_type: str = "results"
    srs_name: str | None = None
    output_format: str = "gml"
    filter: Any = None


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
    if not value:
        return ()
    names = tuple(n.strip().strip("()").split(":")[-1] for n in value.split(",") if n.strip())
    if len(names) > 1:
        raise _fail("Ask for one type name per request.", "typeNames", "option_not_supported")
    return names


def _check_version(request: str, version: str | None) -> None:
    if request != "GetCapabilities" and version and version not in VERSIONS:
        raise _fail(f"WFS version {version} is not supported; this server speaks WFS 2.0.0 "
                    "(send VERSION=2.0.0).", "version")


_REQUESTS = {"getcapabilities": "GetCapabilities", "describefeaturetype": "DescribeFeatureType",
             "getfeature": "GetFeature"}


def _operation(name: str | None) -> str:
    if not name:
        raise _fail("The parameter REQUEST is missing (GetCapabilities, DescribeFeatureType or "
                    "GetFeature).", "request", "missing_parameter")
    op = _REQUESTS.get(name.lower())
    if op is None:
        raise _fail(f"The operation {name!r} is not supported; use GetCapabilities, "
                    "DescribeFeatureType or GetFeature.", "request", "operation_not_supported")
    return op


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
    req.bbox = kvp.get("bbox") or None
    req.count = _int(kvp.get("count") or kvp.get("maxfeatures"), "count", 0, MAX_COUNT)
    req.start_index = _int(kvp.get("startindex"), "startIndex", 0, 10**9) or 0
    req.result_type = (kvp.get("resulttype") or "results").lower()
    if req.result_type not in ("results", "hits"):
        raise _fail("resultType is results or hits.", "resultType")
    req.srs_name = kvp.get("srsname") or None
    req.output_format = _output(kvp.get("outputformat"))
    if kvp.get("filter"):
        if req.bbox:
            raise _fail("FILTER and BBOX exclude each other (WFS 2.0 §7.9.2.4.1).", "bbox")
        req.filter = fes.to_ast(fes.parse_xml(kvp["filter"].strip("()")), req.srs_name)
    if kvp.get("resourceid"):
        raise _fail("RESOURCEID is not supported; filter on properties.", "resourceId",
                    "option_not_supported")
    return req


def from_xml(body: bytes) -> WfsRequest:
    root = fes.parse_xml(body)
    op = _operation(fes._local(root))
    version = root.get("version")
    _check_version(op, version)
    req = WfsRequest(op, version)
    if op == "DescribeFeatureType":
        names = [(el.text or "").strip() for el in root if isinstance(el.tag, str)
                 and fes._local(el) == "TypeName"]
        req.type_names = _names(",".join(names))
        return req
    if op != "GetFeature":
        return req
    req.count = _int(root.get("count") or root.get("maxFeatures"), "count", 0, MAX_COUNT)
    req.start_index = _int(root.get("startIndex"), "startIndex", 0, 10**9) or 0
    req.result_type = (root.get("resultType") or "results").lower()
    req.output_format = _output(root.get("outputFormat"))
    queries = [el for el in root if isinstance(el.tag, str) and fes._local(el) == "Query"]
    if len(queries) != 1:
        raise _fail("Send exactly one wfs:Query.", "Query", "option_not_supported")
    query = queries[0]
    req.type_names = _names(query.get("typeNames") or query.get("typeName"))
    req.srs_name = query.get("srsName")
    for el in query:
        if isinstance(el.tag, str) and fes._local(el) == "Filter":
            req.filter = fes.to_ast(el, req.srs_name)
    return req
