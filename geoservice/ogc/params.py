"""Read the query parameters of ``/ogc/collections/{id}/items`` into a FeatureQuery.

``limit`` defaults to 100; above 10 000 the request is refused with 400 rather than clamped,
so a client asking for "everything" learns to page or use ``/download/{id}.geojson``.
Unknown parameters are refused (OGC API Features /req/core/query-param-unknown), except
queryable property names, which filter by equality.
"""

from __future__ import annotations

from collections.abc import Mapping

from geoservice.accounts.principal import Principal
from geoservice.errors import BadRequest
from geoservice.ogc import cql, filters
from geoservice.ogc.collections import Collection
from geoservice.ogc.crs import CRS84, MAX_DECIMALS, Crs, bbox_to_xy, parse_numbers, parse_ogc
from geoservice.ogc.query import FeatureQuery

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
KNOWN = {"f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "filter", "filter-lang",
         "filter-crs", "lang", "sortby", "properties", "coordinate-precision"}


def integer(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name}={raw!r} is not a whole number.", code=f"invalid_{name}") \
            from None
    if value < low or value > high:
        raise BadRequest(f"{name}={value} is outside {low}…{high}"
                         + ("; page with offset and the next links, or download the whole "
                            "collection from /download/{collection}.geojson." if
                            name == "limit" and value > high else "."),
                         code=f"invalid_{name}")
    return value


def decimals(params: Mapping[str, str]) -> int | None:
    """``coordinate-precision``: decimals of output coordinates, 0…9 (None: the default)."""
    raw = params.get("coordinate-precision")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or int(raw) > MAX_DECIMALS:
        raise BadRequest(f"coordinate-precision={raw!r} must be a whole number of decimals, "
                         f"0…{MAX_DECIMALS} (default 6 in degrees, 3 in metres).",
                         code="invalid_coordinate_precision")
    return int(raw)


def feature_query(collection: Collection, principal: Principal | None,
                  params: Mapping[str, str], *, max_limit: int = MAX_LIMIT) -> FeatureQuery:
    unknown = sorted(k for k in params if k not in KNOWN and collection.prop(k) is None)
    if unknown:
        raise BadRequest(
            f"Unknown parameter(s) {', '.join(unknown)}; use limit, offset, bbox, bbox-crs, crs, "
            f"coordinate-precision, datetime, filter, filter-lang, filter-crs, sortby, "
            "properties, f or a queryable property.",
            code="unknown_parameter")
    crs: Crs = parse_ogc(params.get("crs"))
    query = FeatureQuery(collection, principal, crs=crs,
                         limit=integer(params, "limit", DEFAULT_LIMIT, 1, max_limit),
                         offset=integer(params, "offset", 0, 0, 10**9),
                         decimals=decimals(params))
    if params.get("bbox"):
        bbox_crs = parse_ogc(params.get("bbox-crs"), CRS84)
        query.bbox(bbox_to_xy(parse_numbers(params["bbox"]), bbox_crs), bbox_crs)
    elif params.get("bbox-crs"):
        raise BadRequest("bbox-crs is only meaningful together with bbox.", code="invalid_bbox")
    if params.get("datetime"):
        query.datetime(params["datetime"])
    for name, value in params.items():
        prop = collection.prop(name)
        if prop is not None and name not in KNOWN:
            from pygeofilter import ast

            value_node: object = value
            if prop.type in ("number", "integer"):
                try:
                    value_node = float(value) if prop.type == "number" else int(value)
                except ValueError:
                    raise BadRequest(f"{name}={value!r} is not a number.",
                                     code="invalid_property_value") from None
            where, args = filters.to_sql(ast.Equal(ast.Attribute(name), value_node),
                                         collection, CRS84)
            query.add(where, args, f"p_{name}_")
    if params.get("sortby"):
        query.sort_by(sort_keys(params["sortby"]), "sortby")
    if "properties" in params:
        query.select([n.strip() for n in params["properties"].split(",") if n.strip()])
    if params.get("filter"):
        node = cql.parse_filter(params["filter"], params.get("filter-lang"))
        where, args = filters.to_sql(node, collection, parse_ogc(params.get("filter-crs")))
        query.add(where, args, "q")
    else:
        lang = params.get("filter-lang")
        if lang and lang.lower() not in cql.LANGS:
            raise BadRequest(f"filter-lang={lang!r} is not supported; use cql2-text or "
                             "cql2-json.", code="invalid_filter_lang")
        if params.get("filter-crs"):
            parse_ogc(params["filter-crs"])
    return query


def sort_keys(value: str) -> list[tuple[str, bool]]:
    """``sortby=-area_ha,+cirsma`` (OGC API Features Part 8): ``-`` descending, ``+`` or none
    ascending. A ``+`` arriving as a space (unencoded in the query string) counts as ``+``."""
    keys = []
    for part in value.split(","):
        name = part.strip()
        descending = name.startswith("-")
        name = name.lstrip("+-").strip()
        if not name:
            raise BadRequest(f"sortby={value!r}: name properties, e.g. sortby=-area_ha,cirsma.",
                             code="invalid_parameter", details=[{"locator": "sortby"}])
        keys.append((name, descending))
    return keys
