"""A small structural XML checker: sequences, choices, cardinalities and simple-type facets.

Messages imitate the Xerces ``cvc-…`` texts Java SOAP stacks put into a SAXParseException.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lxml import etree

Check = Callable[[str], str | None]


class SchemaViolation(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class El:
    """An element: simple (``check``) or complex (``children`` as a sequence, or a choice)."""

    ns: str
    name: str
    min: int = 1
    max: int = 1
    check: Check | None = None
    children: tuple[El, ...] = ()
    choice: bool = False

    @property
    def tag(self) -> str:
        return f"{{{self.ns}}}{self.name}"


def pattern(regex: str, type_name: str) -> Check:
    compiled = re.compile(regex)

    def check(value: str) -> str | None:
        if compiled.fullmatch(value):
            return None
        return (
            f"cvc-pattern-valid: Value '{value}' is not facet-valid with respect to pattern "
            f"'{regex}' for type '{type_name}'."
        )

    return check


def length(low: int, high: int) -> Check:
    def check(value: str) -> str | None:
        if low <= len(value) <= high:
            return None
        return (
            f"cvc-length-valid: Value '{value[:40]}' with length = '{len(value)}' "
            f"is not within {low}..{high}."
        )

    return check


def enum(values: tuple[str, ...]) -> Check:
    def check(value: str) -> str | None:
        if value in values:
            return None
        return (
            f"cvc-enumeration-valid: Value '{value}' is not facet-valid with respect to "
            f"enumeration '{list(values)}'."
        )

    return check


def decimal(fraction: int, total: int | None = None, minimum: int | None = None) -> Check:
    def check(value: str) -> str | None:
        try:
            number = Decimal(value)
        except InvalidOperation:
            return f"cvc-datatype-valid.1.2.1: '{value}' is not a valid value for 'decimal'."
        exponent = number.as_tuple().exponent
        if not isinstance(exponent, int) or -exponent > fraction:
            return f"cvc-fractionDigits-valid: '{value}' has more than {fraction} fraction digits."
        if total is not None and len(number.as_tuple().digits) > total:
            return f"cvc-totalDigits-valid: '{value}' has more than {total} total digits."
        if minimum is not None and number < minimum:
            return f"cvc-minInclusive-valid: Value '{value}' is below {minimum}."
        return None

    return check


def base64_binary(value: str) -> str | None:
    try:
        base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        return f"cvc-datatype-valid.1.2.1: '{value[:40]}' is not a valid value for 'base64Binary'."
    return None


def check_element(el: etree._Element, spec: El) -> None:
    """Raise SchemaViolation for the first problem of ``el`` (already known to match ``spec``)."""
    children = [c for c in el if isinstance(c.tag, str)]
    if spec.check is not None:
        if children:
            raise SchemaViolation(
                f"cvc-type.3.1.2: Element '{spec.name}' is a simple type, so it must have no "
                "element information item [children].",
                el.sourceline,
            )
        problem = spec.check((el.text or "").strip())
        if problem:
            raise SchemaViolation(problem, el.sourceline)
    elif spec.choice:
        option = next((s for s in spec.children if children and children[0].tag == s.tag), None)
        if option is None:
            start = f"element '{_name(children[0])}'" if children else "the end of the element"
            raise SchemaViolation(
                f"cvc-complex-type.2.4.a: Invalid content was found starting with {start}. "
                f"One of '{{{_expected(spec.children)}}}' is expected.",
                el.sourceline,
            )
        _sequence(el, children, (option,))
    else:
        _sequence(el, children, spec.children)


def _name(el: etree._Element) -> str:
    return str(etree.QName(el).localname)


def _expected(specs: tuple[El, ...]) -> str:
    return ", ".join(f'"{s.ns}":{s.name}' for s in specs)


def _sequence(
    parent: etree._Element, children: list[etree._Element], specs: tuple[El, ...]
) -> None:
    i = 0
    for spec in specs:
        count = 0
        while i < len(children) and children[i].tag == spec.tag and count < spec.max:
            check_element(children[i], spec)
            i, count = i + 1, count + 1
        if count >= spec.min:
            continue
        wanted = _expected((spec,))
        if i < len(children):
            raise SchemaViolation(
                f"cvc-complex-type.2.4.a: Invalid content was found starting with element "
                f"'{_name(children[i])}'. One of '{{{wanted}}}' is expected.",
                children[i].sourceline,
            )
        raise SchemaViolation(
            f"cvc-complex-type.2.4.b: The content of element '{_name(parent)}' is not complete. "
            f"One of '{{{wanted}}}' is expected.",
            parent.sourceline,
        )
    if i < len(children):
        raise SchemaViolation(
            f"cvc-complex-type.2.4.d: Invalid content was found starting with element "
            f"'{_name(children[i])}'. No child element is expected at this point.",
            children[i].sourceline,
        )
