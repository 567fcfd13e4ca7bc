"""Translate a pygeofilter AST (from CQL2 text/JSON or FES 2.0) into SQL with bound parameters.

Only allow-listed property names become SQL (their expression from the collection); every
value is a bound parameter; anything else (functions, arithmetic, unknown names) is a 400.
pygeofilter 0.4 parses the CQL2 ``BBOX(…)`` literal as a function and scrambles cql2-json
``{"bbox": …}`` literals; both are handled here and in ``cql.py`` (see tests/ogc/test_cql.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pygeofilter import ast, values

from geoservice.errors import BadRequest
from geoservice.ogc.collections import Collection, Prop
from geoservice.ogc.crs import Crs, input_sql
from geoservice.ogc.fes import ResourceIds
from geoservice.ogc.query import matching_ids

GEOMETRY_NAMES = {"geometry", "geom", "the_geom", "shape"}
_COMPARE = {ast.Equal: "=", ast.NotEqual: "<>", ast.LessThan: "<", ast.LessEqual: "<=",
            ast.GreaterThan: ">", ast.GreaterEqual: ">="}
_SPATIAL = {ast.GeometryIntersects: "ST_Intersects", ast.GeometryDisjoint: "ST_Disjoint",
            ast.GeometryContains: "ST_Contains", ast.GeometryWithin: "ST_Within",
            ast.GeometryTouches: "ST_Touches", ast.GeometryCrosses: "ST_Crosses",
            ast.GeometryOverlaps: "ST_Overlaps", ast.GeometryEquals: "ST_Equals"}
MAX_NODES = 500


def invalid(message: str) -> BadRequest:
    return BadRequest(message, code="invalid_filter")


@dataclass
class SqlFilter:
    """Builds one WHERE fragment; parameters are named ``f0, f1, …``."""

    collection: Collection
    crs: Crs
    params: dict[str, Any] = field(default_factory=dict)
    nodes: int = 0

    def bind(self, value: Any) -> str:
        name = f"f{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def sql(self, node: Any) -> str:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise invalid(f"The filter is too large (more than {MAX_NODES} parts).")
        if isinstance(node, ResourceIds):
            ids, kind = matching_ids(self.collection, node.rids)
            if not ids:
                return "FALSE"
            column = self.collection.id_sql.removesuffix("::text")
            return f"({column} = ANY(CAST({self.bind(ids)} AS {kind}[])))"
        if isinstance(node, ast.And):
            return f"({self.sql(node.lhs)} AND {self.sql(node.rhs)})"
        if isinstance(node, ast.Or):
            return f"({self.sql(node.lhs)} OR {self.sql(node.rhs)})"
        if isinstance(node, ast.Not):
            return f"(NOT {self.sql(node.sub_node)})"
        if isinstance(node, ast.Include):
            return "FALSE" if node.not_ else "TRUE"
        if type(node) in _COMPARE:
            return self._compare(node.lhs, _COMPARE[type(node)], node.rhs)
        if isinstance(node, ast.Between):
            prop = self._prop(node.lhs)
            low, high = self._value(prop, node.low), self._value(prop, node.high)
            neg = "NOT " if node.not_ else ""
            return f"({prop.sql} {neg}BETWEEN {low} AND {high})"
        if isinstance(node, ast.Like):
            return self._like(node)
        if isinstance(node, ast.In):
            prop = self._prop(node.lhs)
            if not node.sub_nodes:
                return "FALSE" if not node.not_ else "TRUE"
            items = ", ".join(self._value(prop, v) for v in node.sub_nodes)
            return f"({prop.sql} {'NOT ' if node.not_ else ''}IN ({items}))"
        if isinstance(node, ast.IsNull):
            prop = self._prop(node.lhs)
            return f"({prop.sql} IS {'NOT ' if node.not_ else ''}NULL)"
        if type(node) in _SPATIAL:
            lhs, rhs = self._geometry(node.lhs), self._geometry(node.rhs)
            return f"{_SPATIAL[type(node)]}({lhs}, {rhs})"
        if isinstance(node, ast.BBox):
            self._geometry(node.lhs)
            if node.crs:  # FES: corners already in x/y order of an explicit EPSG code
                box = self._xy_envelope(node.minx, node.miny, node.maxx, node.maxy, node.crs)
            else:
                box = self._envelope(node.minx, node.miny, node.maxx, node.maxy)
            return f"ST_Intersects({self.collection.geom_sql}, {box})"
        name = type(node).__name__
        raise invalid(f"The filter operation {name} is not supported here; use comparisons, "
                      "LIKE, IN, BETWEEN, IS NULL, AND/OR/NOT, S_INTERSECTS and BBOX.")

    def _prop(self, node: Any) -> Prop:
        if not isinstance(node, ast.Attribute):
            raise invalid(f"Expected a property name, got {node!r}.")
        prop = self.collection.prop(node.name.split(":")[-1])  # FES may say gs:verdict
        if prop is None:
            names = ", ".join(p.name for p in self.collection.properties)
            raise invalid(f"{node.name!r} is not a queryable property of "
                          f"{self.collection.id}; queryables: {names}.")
        return prop

    def _value(self, prop: Prop, value: Any) -> str:
        if isinstance(value, (ast.Node, values.Geometry, values.Envelope)):
            raise invalid(f"Compare {prop.name} with a literal value, not {value!r}.")
        if isinstance(value, bool):
            if prop.type != "boolean":
                raise invalid(f"{prop.name} is a {prop.type}; true/false does not apply.")
            return self.bind(value)
        if prop.format in ("date", "date-time"):
            if isinstance(value, (date, datetime, str)):
                cast = "date" if prop.format == "date" else "timestamptz"
                try:
                    parsed: Any = value if not isinstance(value, str) else (
                        date.fromisoformat(value) if cast == "date"
                        else datetime.fromisoformat(value))
                except ValueError:
                    raise invalid(f"{value!r} is not an ISO 8601 {cast} for {prop.name}.") \
                        from None
                return f"CAST({self.bind(parsed)} AS {cast})"
            raise invalid(f"{prop.name} is a date; compare it with DATE('YYYY-MM-DD').")
        if prop.type in ("number", "integer"):
            if isinstance(value, (int, float)):
                return f"CAST({self.bind(value)} AS float8)"
            raise invalid(f"{prop.name} is a number; {value!r} is not.")
        if prop.type == "boolean":
            raise invalid(f"{prop.name} is true or false; {value!r} is not.")
        if isinstance(value, (int, float)):
            value = str(value)
        if not isinstance(value, str):
            raise invalid(f"{prop.name} is text; {value!r} is not.")
        return self.bind(value)

    def _compare(self, lhs: Any, op: str, rhs: Any) -> str:
        if not isinstance(lhs, ast.Attribute) and isinstance(rhs, ast.Attribute):
            flipped = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)
            lhs, rhs, op = rhs, lhs, flipped
        prop = self._prop(lhs)
        return f"({prop.sql} {op} {self._value(prop, rhs)})"

    def _like(self, node: ast.Like) -> str:
        prop = self._prop(node.lhs)
        if prop.type != "string" or prop.format:
            raise invalid(f"LIKE needs a text property; {prop.name} is not text.")
        pattern = str(node.pattern)
        # Translate the filter's wildcards into SQL ones, escaping SQL's own.
        out = []
        for ch in pattern:
            if ch == node.wildcard:
                out.append("%")
            elif ch == node.singlechar:
                out.append("_")
            elif ch in "%_\\":
                out.append("\\" + ch)
            else:
                out.append(ch)
        op = "ILIKE" if node.nocase else "LIKE"
        neg = "NOT " if node.not_ else ""
        return f"({prop.sql} {neg}{op} {self.bind(''.join(out))})"

    def _envelope(self, minx: float, miny: float, maxx: float, maxy: float) -> str:
        """A bbox given in the filter CRS axis order."""
        from geoservice.ogc.crs import bbox_to_xy

        try:
            numbers = [float(minx), float(miny), float(maxx), float(maxy)]
        except (TypeError, ValueError):
            raise invalid("A BBOX needs four numbers.") from None
        x1, y1, x2, y2 = bbox_to_xy(numbers, self.crs)
        env = (f"ST_MakeEnvelope({self.bind(x1)}, {self.bind(y1)}, {self.bind(x2)}, "
               f"{self.bind(y2)}, {self.crs.srid:d})")
        return f"ST_Transform({env}, 3059)" if self.crs.srid != 3059 else env

    def _xy_envelope(self, minx: float, miny: float, maxx: float, maxy: float,
                     crs: str) -> str:
        srid = _srid(crs)
        env = (f"ST_MakeEnvelope({self.bind(float(minx))}, {self.bind(float(miny))}, "
               f"{self.bind(float(maxx))}, {self.bind(float(maxy))}, {srid:d})")
        return f"ST_Transform({env}, 3059)" if srid != 3059 else env

    def _geometry(self, node: Any) -> str:
        if isinstance(node, values.Geometry) and "crs" in node.geometry:
            # FES: GML already read into x/y order of its srsName (see fes.py).
            geometry = dict(node.geometry)
            srid = _srid(geometry.pop("crs"))
            literal = (f"ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON("
                       f"{self.bind(json.dumps(geometry))}), {srid:d}))")
            return f"ST_Transform({literal}, 3059)" if srid != 3059 else literal
        if isinstance(node, ast.Attribute):
            if node.name.split(":")[-1] not in GEOMETRY_NAMES:
                raise invalid(f"{node.name!r} is not the geometry; name it 'geometry'.")
            return self.collection.geom_sql
        if isinstance(node, values.Geometry):
            _check_rings(node.geometry)
            geojson = json.dumps(node.geometry)
            literal = f"ST_SetSRID(ST_GeomFromGeoJSON({self.bind(geojson)}), {self.crs.srid:d})"
            # CQL2/FES literals follow the filter CRS axis order; stored data is x/y.
            flipped = literal if not self.crs.swap else f"ST_FlipCoordinates({literal})"
            valid = f"ST_MakeValid({flipped})"
            return input_sql(valid, _no_swap(self.crs))
        if isinstance(node, values.Envelope):
            # Envelope(x1, x2, y1, y2) = (minx, maxx, miny, maxy); cql.py repairs cql2-json.
            return self._envelope(node.x1, node.y1, node.x2, node.y2)
        if isinstance(node, ast.Function) and node.name.lower() == "bbox":
            # pygeofilter 0.4 parses the CQL2 BBOX(minx, miny, maxx, maxy) literal as a function.
            args = node.arguments
            if len(args) == 6:
                args = [args[0], args[1], args[3], args[4]]
            if len(args) != 4 or not all(isinstance(a, (int, float)) for a in args):
                raise invalid("BBOX needs four numbers: BBOX(minx, miny, maxx, maxy).")
            return self._envelope(*args)
        raise invalid(f"Expected a geometry (property 'geometry', a WKT/GeoJSON literal or "
                      f"BBOX(…)), got {node!r}.")


def _check_rings(geometry: dict[str, Any]) -> None:
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    polygons = [coords] if kind == "Polygon" else (coords if kind == "MultiPolygon" else [])
    for polygon in polygons if isinstance(polygons, list) else []:
        for ring in polygon:
            if len(ring) < 4 or tuple(ring[0]) != tuple(ring[-1]):
                raise invalid("A polygon ring needs at least four positions and must end "
                              "where it starts.")


def _srid(name: str) -> int:
    srid = int(str(name).rsplit(":", 1)[-1])
    if srid not in (4326, 3059, 10306):
        raise invalid(f"The CRS EPSG:{srid} is not offered; use EPSG:3059, 4326 or 10306.")
    return srid


def _no_swap(crs: Crs) -> Crs:
    from dataclasses import replace

    return replace(crs, swap=False)


def to_sql(node: Any, collection: Collection, crs: Crs) -> tuple[str, dict[str, Any]]:
    """The WHERE fragment and parameters for ``node`` over ``collection``."""
    builder = SqlFilter(collection, crs)
    return builder.sql(node), builder.params
