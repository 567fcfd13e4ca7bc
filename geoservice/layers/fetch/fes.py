"""A CQL filter (``--where``) as a FES 2.0 filter for a WFS 2.0 GetFeature request.

pygeofilter parses the text (ECQL, which CQL2 text basics share); this writes the comparison,
logical, LIKE, BETWEEN, IN, IS NULL and BBOX operators of FES 2.0 Minimum/Standard Filter.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from pygeofilter import ast
from pygeofilter.parsers.ecql import parse as parse_ecql

from geoservice.errors import ValidationFailed

FES = "http://www.opengis.net/fes/2.0"
GML = "http://www.opengis.net/gml/3.2"
_COMPARISON = {
    ast.Equal: "PropertyIsEqualTo", ast.NotEqual: "PropertyIsNotEqualTo",
    ast.LessThan: "PropertyIsLessThan", ast.LessEqual: "PropertyIsLessThanOrEqualTo",
    ast.GreaterThan: "PropertyIsGreaterThan", ast.GreaterEqual: "PropertyIsGreaterThanOrEqualTo",
}


def _el(parent: Any, name: str, text: str | None = None, ns: str = FES) -> Any:
    element = etree.SubElement(parent, f"{{{ns}}}{name}")
    if text is not None:
        element.text = text
    return element


def _operand(parent: Any, node: Any) -> None:
    if isinstance(node, ast.Attribute):
        _el(parent, "ValueReference", node.name)
    elif isinstance(node, bool):
        _el(parent, "Literal", "true" if node else "false")
    elif isinstance(node, int | float | str):
        _el(parent, "Literal", str(node))
    else:
        raise ValidationFailed(f"--where: {node!r} cannot be sent to a WFS as a value.",
                               code="layer_filter_invalid")


def _node(parent: Any, node: Any) -> None:
    kind = type(node)
    if kind in _COMPARISON:
        element = _el(parent, _COMPARISON[kind])
        _operand(element, node.lhs)
        _operand(element, node.rhs)
    elif isinstance(node, ast.And | ast.Or):
        element = _el(parent, "And" if isinstance(node, ast.And) else "Or")
        _node(element, node.lhs)
        _node(element, node.rhs)
    elif isinstance(node, ast.Not):
        _node(_el(parent, "Not"), node.sub_node)
    elif isinstance(node, ast.Like):
        target = _el(parent, "Not") if node.not_ else parent
        element = _el(target, "PropertyIsLike", None)
        element.set("wildCard", node.wildcard)
        element.set("singleChar", node.singlechar)
        element.set("escapeChar", node.escapechar)
        _operand(element, node.lhs)
        _el(element, "Literal", node.pattern)
    elif isinstance(node, ast.Between):
        target = _el(parent, "Not") if node.not_ else parent
        element = _el(target, "PropertyIsBetween")
        _operand(element, node.lhs)
        _operand(_el(element, "LowerBoundary"), node.low)
        _operand(_el(element, "UpperBoundary"), node.high)
    elif isinstance(node, ast.In):
        target = _el(parent, "Not") if node.not_ else parent
        alternatives = _el(target, "Or") if len(node.sub_nodes) > 1 else target
        for value in node.sub_nodes:
            element = _el(alternatives, "PropertyIsEqualTo")
            _operand(element, node.lhs)
            _operand(element, value)
    elif isinstance(node, ast.IsNull):
        target = _el(parent, "Not") if node.not_ else parent
        _operand(_el(target, "PropertyIsNull"), node.lhs)
    elif isinstance(node, ast.BBox):
        element = _el(parent, "BBOX")
        _operand(element, node.lhs)
        envelope = _el(element, "Envelope", ns=GML)
        if node.crs:
            envelope.set("srsName", str(node.crs))
        _el(envelope, "lowerCorner", f"{node.minx} {node.miny}", ns=GML)
        _el(envelope, "upperCorner", f"{node.maxx} {node.maxy}", ns=GML)
    else:
        raise ValidationFailed(
            f"--where: the operator {kind.__name__} cannot be sent to a WFS 2.0 server; use "
            "comparisons, LIKE, BETWEEN, IN, IS NULL, BBOX, AND, OR, NOT.",
            code="layer_filter_invalid")


def to_fes(cql: str) -> str:
    """The FES 2.0 ``fes:Filter`` document for ``cql``; ValidationFailed when it is not CQL."""
    try:
        tree = parse_ecql(cql)
    except Exception as exc:  # lark raises several exception types
        raise ValidationFailed(f"--where {cql!r} is not a valid CQL filter: "
                               f"{str(exc).splitlines()[0]}", code="layer_filter_invalid") from exc
    root = etree.Element(f"{{{FES}}}Filter", nsmap={"fes": FES, "gml": GML})
    _node(root, tree)
    return str(etree.tostring(root, encoding="unicode"))
