"""FES 2.0 filters (and WFS XML requests) read safely with lxml into a pygeofilter AST.

XML is parsed with entities unresolved, no network and no huge trees. GML geometry literals are
read into x/y order here: a URN/URI srsName (``urn:ogc:def:crs:EPSG::4326``) uses the
authority axis order and is flipped, ``EPSG:4326`` is taken as x/y, as GeoServer does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree
from pygeofilter import ast, values

from geoservice.errors import BadRequest
from geoservice.ogc.crs import Crs, parse_wfs

FES = "{http://www.opengis.net/fes/2.0}"
GML_NAMESPACES = ("{http://www.opengis.net/gml/3.2}", "{http://www.opengis.net/gml}")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                          remove_comments=True, load_dtd=False)
_COMPARE = {"PropertyIsEqualTo": ast.Equal, "PropertyIsNotEqualTo": ast.NotEqual,
            "PropertyIsLessThan": ast.LessThan, "PropertyIsLessThanOrEqualTo": ast.LessEqual,
            "PropertyIsGreaterThan": ast.GreaterThan,
            "PropertyIsGreaterThanOrEqualTo": ast.GreaterEqual}
_SPATIAL = {"Intersects": ast.GeometryIntersects, "Within": ast.GeometryWithin,
            "Contains": ast.GeometryContains, "Disjoint": ast.GeometryDisjoint,
            "Touches": ast.GeometryTouches, "Crosses": ast.GeometryCrosses,
            "Overlaps": ast.GeometryOverlaps, "Equals": ast.GeometryEquals}


@dataclass(frozen=True)
class ResourceIds:
    """A filter of ``fes:ResourceId`` elements: the features with these ids (``type.id``)."""

    rids: tuple[str, ...]


def invalid(message: str) -> BadRequest:
    return BadRequest(message, code="invalid_filter")


def parse_xml(data: bytes | str) -> Any:
    """An lxml element from untrusted XML; a DOCTYPE is refused outright."""
    raw = data.encode() if isinstance(data, str) else data
    if b"<!DOCTYPE" in raw[:2000].upper():
        raise BadRequest("XML with a DOCTYPE is not accepted.", code="invalid_xml")
    try:
        return etree.fromstring(raw, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise BadRequest(f"The XML could not be read: {exc}", code="invalid_xml") from None


def local(el: Any) -> str:
    return str(etree.QName(el).localname)


_local = local


def _children(el: Any) -> list[Any]:
    return [c for c in el if isinstance(c.tag, str)]


def _literal(el: Any) -> Any:
    text = (el.text or "").strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _operand(el: Any) -> Any:
    name = _local(el)
    if name == "ValueReference" or name == "PropertyName":
        return ast.Attribute((el.text or "").strip())
    if name == "Literal":
        return _literal(el)
    raise invalid(f"fes:{name} is not supported as an operand; use ValueReference and Literal.")


def _positions(text: str | None, crs: Crs) -> list[tuple[float, float]]:
    try:
        numbers = [float(v) for v in (text or "").split()]
    except ValueError:
        raise invalid("GML coordinates must be numbers.") from None
    if len(numbers) % 2:
        raise invalid("GML coordinates must come in pairs (2D).")
    pairs = list(zip(numbers[::2], numbers[1::2], strict=True))
    return [(b, a) for a, b in pairs] if crs.swap else pairs


def _ring(el: Any, crs: Crs) -> list[tuple[float, float]]:
    for child in el.iter():
        if isinstance(child.tag, str) and _local(child) in ("posList", "coordinates"):
            text = child.text if _local(child) == "posList" else \
                (child.text or "").replace(",", " ")
            return _positions(text, crs)
    pos = [p for p in el.iter() if isinstance(p.tag, str) and _local(p) == "pos"]
    return [pt for p in pos for pt in _positions(p.text, crs)]


def _polygon(el: Any, crs: Crs) -> list[list[tuple[float, float]]]:
    rings = []
    for part in _children(el):
        if _local(part) in ("exterior", "interior", "outerBoundaryIs", "innerBoundaryIs"):
            rings.append(_ring(part, crs))
    return rings


def _geometry(el: Any, inherited: str | None) -> Any:
    srs = el.get("srsName") or inherited
    crs = parse_wfs(srs)
    name = _local(el)
    geojson: dict[str, Any]
    if name == "Envelope":
        lower = _positions(_child_text(el, "lowerCorner"), crs)
        upper = _positions(_child_text(el, "upperCorner"), crs)
        if len(lower) != 1 or len(upper) != 1:
            raise invalid("gml:Envelope needs lowerCorner and upperCorner with two numbers.")
        (x1, y1), (x2, y2) = lower[0], upper[0]
        return ("envelope", (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)), crs)
    if name == "Point":
        points = _ring(el, crs)
        if len(points) != 1:
            raise invalid("gml:Point needs one position.")
        geojson = {"type": "Point", "coordinates": points[0]}
    elif name == "Polygon":
        geojson = {"type": "Polygon", "coordinates": _polygon(el, crs)}
    elif name in ("MultiSurface", "MultiPolygon"):
        polys = [_polygon(p, crs) for p in el.iter() if isinstance(p.tag, str)
                 and _local(p) == "Polygon"]
        geojson = {"type": "MultiPolygon", "coordinates": polys}
    elif name == "LineString":
        geojson = {"type": "LineString", "coordinates": _ring(el, crs)}
    else:
        raise invalid(f"gml:{name} is not supported in filters; use Envelope, Point, "
                      "LineString, Polygon or MultiSurface.")
    geojson["crs"] = f"EPSG:{crs.srid}"
    return values.Geometry(geojson)


def _child_text(el: Any, name: str) -> str | None:
    for child in _children(el):
        if _local(child) == name:
            return str(child.text or "")
    return None


def _spatial(el: Any, kind: str, default_srs: str | None) -> Any:
    parts = _children(el)
    ref = next((p for p in parts if _local(p) in ("ValueReference", "PropertyName")), None)
    geoms = [p for p in parts if p is not ref]
    attribute = ast.Attribute((ref.text or "geometry").strip() if ref is not None
                              else "geometry")
    if len(geoms) != 1:
        raise invalid(f"fes:{kind} needs exactly one GML geometry.")
    literal = _geometry(geoms[0], default_srs)
    if isinstance(literal, tuple):  # an envelope
        _, (x1, y1, x2, y2), crs = literal
        if kind == "BBOX":
            return ast.BBox(attribute, x1, y1, x2, y2, f"EPSG:{crs.srid}")
        ring = [(x1, y1), (x2, y1), (x2, y2), (x1, y2), (x1, y1)]
        literal = values.Geometry({"type": "Polygon", "coordinates": [ring],
                                   "crs": f"EPSG:{crs.srid}"})
    if kind == "BBOX":
        kind = "Intersects"
    return _SPATIAL[kind](attribute, literal)


def to_ast(el: Any, default_srs: str | None = None, depth: int = 0) -> Any:
    """The AST of a ``fes:Filter`` element (or one of its operators)."""
    if depth > 50:
        raise invalid("The filter is nested too deeply.")
    name = _local(el)
    kids = _children(el)
    if name == "Filter":
        if kids and all(_local(k) == "ResourceId" for k in kids):
            rids = tuple((k.get("rid") or "").strip() for k in kids)
            if not all(rids):
                raise invalid("fes:ResourceId needs its rid attribute (the gml:id).")
            return ResourceIds(rids)
        if len(kids) != 1:
            raise invalid("fes:Filter holds exactly one operator.")
        return to_ast(kids[0], default_srs, depth + 1)
    if name in ("And", "Or"):
        if len(kids) < 2:
            raise invalid(f"fes:{name} needs at least two operands.")
        node = to_ast(kids[0], default_srs, depth + 1)
        for kid in kids[1:]:
            rhs = to_ast(kid, default_srs, depth + 1)
            node = ast.And(node, rhs) if name == "And" else ast.Or(node, rhs)
        return node
    if name == "Not":
        if len(kids) != 1:
            raise invalid("fes:Not holds exactly one operator.")
        return ast.Not(to_ast(kids[0], default_srs, depth + 1))
    if name in _COMPARE:
        if len(kids) != 2:
            raise invalid(f"fes:{name} needs two operands.")
        nocase = el.get("matchCase", "true").lower() == "false"
        lhs, rhs = _operand(kids[0]), _operand(kids[1])
        if nocase and name == "PropertyIsEqualTo" and isinstance(rhs, str):
            return ast.Like(lhs, rhs, nocase=True, wildcard="\x00",
                            singlechar="\x01", escapechar="\\", not_=False)
        return _COMPARE[name](lhs, rhs)
    if name == "PropertyIsLike":
        if len(kids) != 2:
            raise invalid("fes:PropertyIsLike needs a ValueReference and a Literal.")
        return ast.Like(_operand(kids[0]), str(_operand(kids[1])),
                        nocase=el.get("matchCase", "true").lower() == "false",
                        wildcard=el.get("wildCard", "*"), singlechar=el.get("singleChar", "."),
                        escapechar=el.get("escapeChar", "\\"), not_=False)
    if name == "PropertyIsNull":
        if not kids:
            raise invalid("fes:PropertyIsNull needs a ValueReference.")
        return ast.IsNull(_operand(kids[0]), False)
    if name == "PropertyIsBetween":
        bounds = {_local(k): k for k in kids}
        low, high = bounds.get("LowerBoundary"), bounds.get("UpperBoundary")
        if not kids or low is None or high is None:
            raise invalid("fes:PropertyIsBetween needs LowerBoundary and UpperBoundary.")
        return ast.Between(_operand(kids[0]), _literal(_children(low)[0]),
                           _literal(_children(high)[0]), False)
    if name == "BBOX" or name in _SPATIAL:
        return _spatial(el, name, default_srs)
    if name == "ResourceId":
        raise invalid("fes:ResourceId stands directly in fes:Filter, not inside an operator.")
    raise invalid(f"fes:{name} is not supported.")
