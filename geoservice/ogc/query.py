"""One feature query over a collection: tenancy, bbox, datetime, property and CQL2/FES filters.

The WHERE clause is built once and used for the page, the bounded count and the streams.
Every value is a bound parameter; SQL text only ever contains allow-listed expressions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from psycopg.adapt import Buffer, Loader
from sqlalchemy import Connection, text

from geoservice.accounts.principal import Principal
from geoservice.errors import BadRequest, NotFound
from geoservice.ogc.collections import Collection, Prop
from geoservice.ogc.crs import CRS84, Crs, output_sql

# numberMatched is exact below this many matches and omitted above (a bounded count).
COUNT_CAP = 100_000
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_BIGINT = re.compile(r"^[1-9][0-9]{0,17}$")


@dataclass
class FeatureQuery:
    collection: Collection
    principal: Principal | None
    crs: Crs = CRS84
    limit: int = 100
    offset: int = 0
    clauses: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    sort: list[str] = field(default_factory=list)
    # Property selection (OGC API ``properties``): None keeps every property.
    selected: tuple[Prop, ...] | None = None
    # Decimals of GeoJSON/WKT coordinates; None: the CRS's default (6 in degrees, 3 in metres).
    decimals: int | None = None

    def __post_init__(self) -> None:
        self.clauses.append(self.collection.where)
        self.params.update(self.collection.params)
        if self.collection.tenancy_column:
            if self.principal is None:
                raise AssertionError("tenant collections need a principal")
            where, params = self.principal.org_filter(self.collection.tenancy_column)
            self.clauses.append(where)
            self.params.update(params)

    def add(self, clause: str, params: dict[str, Any], prefix: str) -> None:
        """Add a clause whose parameters are renamed with ``prefix`` to stay unique."""
        renamed = clause
        for name in sorted(params, key=len, reverse=True):
            renamed = renamed.replace(f":{name}", f":{prefix}{name}")
        self.clauses.append(renamed)
        self.params.update({f"{prefix}{k}": v for k, v in params.items()})

    def bbox(self, box: tuple[float, float, float, float], crs: Crs) -> None:
        """``box`` is (minx, miny, maxx, maxy) in PostGIS x/y order of ``crs``."""
        env = f"ST_MakeEnvelope(:bx1, :by1, :bx2, :by2, {crs.srid:d})"
        if crs.srid != 3059:
            step = "0.01" if crs.geographic else "1000"
            env = f"ST_Transform(ST_Segmentize({env}, {step}), 3059)"
        geom = self.collection.geom_sql
        self.clauses.append(f"({geom} && {env} AND ST_Intersects({geom}, {env}))")
        self.params.update(bx1=box[0], by1=box[1], bx2=box[2], by2=box[3])

    def fid(self, value: str) -> None:
        """Restrict to one feature id; an id that cannot exist answers 404 like a missing one."""
        kind = "bigint" if self.collection.is_layer else "uuid"
        pattern = _BIGINT if self.collection.is_layer else _UUID
        if not pattern.match(value):
            raise NotFound(f"There is no feature {value!r} in {self.collection.id}.",
                           code="unknown_feature")
        self.clauses.append(f"{self.order} = CAST(:fid AS {kind})")
        self.params["fid"] = value

    def resource_ids(self, rids: Sequence[str]) -> None:
        """Restrict to the features whose ``type.id`` is in ``rids`` (others simply miss)."""
        ids, kind = matching_ids(self.collection, rids)
        if not ids:
            self.clauses.append("FALSE")
            return
        self.clauses.append(f"{self.order} = ANY(CAST(:rids AS {kind}[]))")
        self.params["rids"] = ids

    def sort_by(self, pairs: Sequence[tuple[str, bool]], locator: str = "sortBy") -> None:
        """ORDER BY the named properties (the id stays the tie-breaker, so pages are stable)."""
        for name, descending in pairs:
            prop = self.collection.prop(name)
            if prop is None:
                names = ", ".join(p.name for p in self.collection.properties)
                raise BadRequest(f"Cannot sort {self.collection.id} by {name!r}: it is not a "
                                 f"property; properties: {names}.", code="invalid_parameter",
                                 details=[{"locator": locator}])
            self.sort.append(f"{prop.sql} {'DESC NULLS LAST' if descending else 'ASC'}")

    def datetime(self, value: str) -> None:
        column = self.collection.datetime_sql
        if column is None:
            raise BadRequest(f"The collection {self.collection.id} has no time; leave out "
                             "datetime.", code="invalid_datetime")
        start, _, end = value.partition("/")
        if not _:
            end = start
        if start in ("", "..") and end in ("", ".."):
            raise BadRequest("datetime needs at least one end of the interval.",
                             code="invalid_datetime")
        if start not in ("", ".."):
            self.clauses.append(f"{column} >= CAST(:dt_start AS timestamptz)")
            self.params["dt_start"] = _instant(start, start_of_day=True)
        if end not in ("", ".."):
            self.clauses.append(f"{column} <= CAST(:dt_end AS timestamptz)")
            self.params["dt_end"] = _instant(end, start_of_day=False)

    @property
    def where(self) -> str:
        return " AND ".join(f"({c})" for c in self.clauses)

    @property
    def order(self) -> str:
        return self.collection.id_sql.removesuffix("::text")

    def page_sql(self, select: str) -> str:
        c = self.collection
        return (f"SELECT {select} FROM {c.from_sql} WHERE {self.where} "
                f"ORDER BY {', '.join([*self.sort, self.order])} LIMIT :limit OFFSET :offset")

    def page_params(self) -> dict[str, Any]:
        return {**self.params, "limit": self.limit, "offset": self.offset}

    @property
    def precision(self) -> int:
        return self.crs.geojson_precision if self.decimals is None else self.decimals

    @property
    def geometry_sql(self) -> str:
        """The geometry in the query's CRS and axis order (read in lon/lat when kept so)."""
        c = self.collection
        return output_sql(c.geom_sql, self.crs, c.lonlat_sql)

    def geojson_page_sql(self) -> str:
        """The page as one row: its features' JSON joined by commas, and how many they are.

        The page's keys are picked and sorted first; only the features on the page are then
        turned into JSON (with LIMIT/OFFSET over the JSON itself, PostgreSQL builds it for
        the skipped rows too), and one row crosses the wire instead of one per feature.
        """
        c = self.collection
        keys = (f"SELECT {self.order} AS k FROM {c.from_sql} WHERE {self.where} "
                f"ORDER BY {', '.join([*self.sort, self.order])} LIMIT :limit OFFSET :offset")
        return (f"SELECT string_agg(s.feature, ',' ORDER BY s.n), count(*) FROM ("
                f"SELECT p.n, {self.geojson_select()} FROM (SELECT k, row_number() OVER () AS n "
                f"FROM ({keys}) o) p, {c.from_sql} WHERE {self.order} = p.k) s")

    @property
    def count_from_sql(self) -> str:
        """The FROM that counting needs: without joins that add only properties, unless a
        filter names one of their aliases."""
        c = self.collection
        if c.count_from_sql is None:
            return c.from_sql
        where = self.where
        if any(re.search(rf"\b{alias}\.", where) for alias in c.joined_aliases):
            return c.from_sql
        return c.count_from_sql

    def geojson_select(self) -> str:
        """One Feature as JSON text, joined from pieces that are JSON already.

        Concatenated rather than ``json_build_object(…, ST_AsGeoJSON(…)::json …)``: the cast
        re-parses every geometry, about a third of PostgreSQL's time per feature.
        """
        c = self.collection
        geom = self.geometry_sql
        return ("""'{"type": "Feature", "id": ' || to_json(""" + c.id_sql + """) || """
                """', "geometry": ' || """
                f"COALESCE(ST_AsGeoJSON({geom}, {self.precision:d}, 0), 'null') || "
                """', "properties": ' || """
                f"COALESCE(({self.properties_sql})::text, 'null') || '}}' AS feature")

    @property
    def properties_sql(self) -> str:
        if self.selected is None:
            return self.collection.json_properties_sql
        pairs = ", ".join(f"'{p.name}', {p.sql}" for p in self.selected)
        return f"json_build_object({pairs})"

    def select(self, names: Sequence[str], locator: str = "properties") -> None:
        """Keep only the named properties in GeoJSON (unknown names are a 400)."""
        chosen = []
        for name in names:
            prop = self.collection.prop(name)
            if prop is None:
                known = ", ".join(p.name for p in self.collection.properties)
                raise BadRequest(f"{locator}: {name!r} is not a property of "
                                 f"{self.collection.id}; properties: {known}.",
                                 code="invalid_properties", details=[{"locator": locator}])
            chosen.append(prop)
        self.selected = tuple(chosen)


def matching_ids(c: Collection, rids: Sequence[str]) -> tuple[list[str], str]:
    """The feature ids among ``rids`` (``type.id``) that belong to ``c`` and could exist."""
    kind = "bigint" if c.is_layer else "uuid"
    pattern = _BIGINT if c.is_layer else _UUID
    ids = []
    for rid in rids:
        type_name, _, fid = rid.rpartition(".")
        if type_name.split(":")[-1] == c.id and pattern.match(fid):
            ids.append(fid)
    return ids, kind


def _instant(value: str, *, start_of_day: bool) -> datetime:
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime.fromisoformat(f"{day.isoformat()}T00:00:00+00:00") if start_of_day \
                else datetime.fromisoformat(f"{day.isoformat()}T23:59:59.999999+00:00")
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"datetime {value!r} is not an ISO 8601 date or date-time "
                         "(e.g. 2026-03-02 or 2026-01-01T00:00:00Z/..).",
                         code="invalid_datetime") from None
    return parsed


def count_matched(conn: Connection, query: FeatureQuery) -> int | None:
    """The number of matches when below COUNT_CAP, else None (the count stops early)."""
    sql = (f"SELECT count(*) FROM (SELECT 1 FROM {query.count_from_sql} WHERE {query.where} "
           f"LIMIT {COUNT_CAP + 1:d}) s")
    n = int(conn.execute(text(sql), query.params).scalar_one())
    return n if n <= COUNT_CAP else None


def geojson_features(conn: Connection, query: FeatureQuery) -> list[str]:
    sql = query.page_sql(query.geojson_select())
    return [row[0] for row in conn.execute(text(sql), query.page_params())]


class _RawText(Loader):
    """Text columns as the UTF-8 bytes PostgreSQL sent (the database encoding is UTF8)."""

    def load(self, data: Buffer) -> bytes:
        return bytes(data)


def geojson_page(conn: Connection, query: FeatureQuery) -> tuple[bytes, int]:
    """The page's features as UTF-8 JSON joined by commas, and their number.

    Read as bytes: decoding megabytes of JSON into a Python string only to encode it again
    for the response was most of the server's own time for a page of 1 000 features.
    """
    compiled = text(query.geojson_page_sql()).compile(dialect=conn.dialect)
    raw: Any = conn.connection.driver_connection
    with raw.cursor() as cur:
        cur.adapters.register_loader("text", _RawText)
        cur.execute(compiled.string, compiled.construct_params(query.page_params()))
        features, count = cur.fetchone()
    return features or b"", int(count)


def property_rows(conn: Connection, query: FeatureQuery, geometry_select: str) -> list[Any]:
    """Rows with ``id``, every property by name and ``geometry_select`` as ``geometry``."""
    c = query.collection
    cols = ", ".join([f"{c.id_sql} AS id"] + [f'{p.sql} AS "{p.name}"' for p in c.properties]
                     + [f"{geometry_select} AS geometry"])
    return list(conn.execute(text(query.page_sql(cols)), query.page_params()))


def extent(conn: Connection, query: FeatureQuery) -> tuple[float, float, float, float] | None:
    """Lon/lat extent of the matches (estimated from the index for layers)."""
    c = query.collection
    sql = (f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT "
           f"ST_Transform(ST_SetSRID(ST_Extent({c.geom_sql})::geometry, 3059), 4326) AS e "
           f"FROM {c.from_sql} WHERE {query.where}) s WHERE e IS NOT NULL")
    row = conn.execute(text(sql), query.params).first()
    return None if row is None or row[0] is None else (row[0], row[1], row[2], row[3])
