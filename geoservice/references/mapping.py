"""XML mappings: where a business document names CA numbers and what is added next to them.

A mapping is a TOML file in ``geoservice/references/mappings/`` (``papinet.toml`` is the
default; ``?mapping=<name>`` picks another). Keys:

- ``item``: XPath of the line items, from the document root.
- ``ca``: XPath relative to an item selecting the CA number, either an element (its text) or an
  attribute (its value); every match in an item gets its own pair.
- ``[namespaces]``: prefixes usable in both XPaths.
- ``[added] where``: ``after-ca`` (right after the CA element, or after the element carrying
  the CA attribute) or ``append`` (last children of the item).
- ``[added] namespace``: ``item`` (the line item's own namespace) or a namespace URI.
- ``[added.reference]`` / ``[added.verification]``: ``element`` (local name) and optional
  ``attributes`` of the elements that carry the two numbers as text.

``from_definition`` validates these keys for built-in files and for organisations' uploaded
mappings alike (``doc_mappings``); an upload's error names the bad key or XPath.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from lxml import etree

from geoservice.errors import BadRequest, ConfigurationError, ValidationFailed

DEFAULT_MAPPING = "papinet"
_NAME = re.compile(r"^[a-z0-9_-]{1,40}$")


@dataclass(frozen=True)
class Added:
    """One element the enrichment adds: its local name and fixed attributes."""

    element: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Mapping:
    name: str
    title: str
    item: etree.XPath
    ca: etree.XPath
    where: str
    namespace: str
    reference: Added
    verification: Added


def available() -> list[str]:
    folder = resources.files("geoservice.references").joinpath("mappings")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


_KEYS = {"title", "item", "ca", "namespaces", "added"}
_ADDED_KEYS = {"where", "namespace", "reference", "verification"}
_ELEMENT_KEYS = {"element", "attributes"}
_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]{0,99}$")
# The last location step of an XPath (predicates removed) that selects no elements.
_NOT_ELEMENTS = re.compile(r"(^|/)\s*(@|attribute::|text\(\)|comment\(\)|"
                           r"processing-instruction\(|namespace::)|"
                           r"^\s*(string|count|concat|name|local-name|normalize-space|"
                           r"number|sum|boolean|substring)\s*\(")


class MappingInvalid(ValidationFailed):
    """An uploaded mapping that is not valid; the message names the key or XPath."""

    code = "invalid_mapping"


def _fail(name: str, key: str, message: str, builtin: bool) -> Exception:
    if builtin:
        return ConfigurationError(f"Mapping {name!r}: {key}: {message}")
    from geoservice.references.say import say

    return MappingInvalid(say("invalid_mapping", name=repr(name), field=key, message=message),
                          details=[{"field": key, "message": message}])


def _last_step(xpath: str) -> str:
    """The XPath without its predicates, so ``a[@b='c']`` ends in ``a``, not ``@b``."""
    depth, out = 0, []
    for char in xpath:
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(char)
    return "".join(out).rstrip()


def _xpath(name: str, key: str, raw: object, namespaces: dict[str, str], builtin: bool,
           elements_only: bool) -> etree.XPath:
    if not isinstance(raw, str) or not raw.strip():
        raise _fail(name, key, "an XPath is required", builtin)
    try:
        compiled = etree.XPath(raw, namespaces=namespaces)
    except etree.XPathSyntaxError as exc:
        raise _fail(name, key, f"the XPath {raw!r} does not compile ({exc})", builtin) from None
    try:  # undefined prefixes and unknown functions only show when evaluated
        compiled(etree.ElementTree(etree.Element("probe")))
    except etree.XPathEvalError as exc:
        raise _fail(name, key, f"the XPath {raw!r} does not compile ({exc}; declare "
                    "prefixes under [namespaces])", builtin) from None
    if _NOT_ELEMENTS.search(_last_step(raw)) and elements_only:
        raise _fail(name, key, f"the XPath {raw!r} selects attributes, text or values where "
                    "elements (the line items) are needed", builtin)
    if not elements_only and re.search(r"(^|/)\s*(text\(\)|comment\(\))", _last_step(raw)):
        raise _fail(name, key, f"the XPath {raw!r} must select the element or the attribute "
                    "holding the CA number", builtin)
    return compiled


def _added(raw: object, name: str, key: str, builtin: bool) -> Added:
    where = f"added.{key}"
    if not isinstance(raw, dict):
        raise _fail(name, where, "a table with an 'element' name is required", builtin)
    unknown = sorted(set(raw) - _ELEMENT_KEYS)
    if unknown:
        raise _fail(name, f"{where}.{unknown[0]}", "unknown key; use element, attributes",
                    builtin)
    element = raw.get("element")
    if not isinstance(element, str) or not _NCNAME.match(element):
        raise _fail(name, f"{where}.element", f"{element!r} is not an XML element name",
                    builtin)
    attributes = raw.get("attributes", {})
    if not isinstance(attributes, dict):
        raise _fail(name, f"{where}.attributes", "must be a table of name = value", builtin)
    for attr, value in attributes.items():
        if not _NCNAME.match(str(attr)) or not isinstance(value, str):
            raise _fail(name, f"{where}.attributes.{attr}",
                        "attribute names must be XML names and values strings", builtin)
    return Added(element, {str(k): str(v) for k, v in attributes.items()})


def from_definition(name: str, raw: dict[str, object], *, builtin: bool = False) -> Mapping:
    """A mapping from its TOML keys; invalid ones name the bad key or XPath (422 if uploaded,
    a configuration error if built in)."""
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise _fail(name, unknown[0], f"unknown key; use {', '.join(sorted(_KEYS))}", builtin)
    spaces = raw.get("namespaces", {})
    if not isinstance(spaces, dict) or not all(isinstance(v, str) for v in spaces.values()):
        raise _fail(name, "namespaces", "must be a table of prefix = URI", builtin)
    namespaces = {str(k): str(v) for k, v in spaces.items()}
    for prefix in namespaces:
        if not _NCNAME.match(prefix):
            raise _fail(name, f"namespaces.{prefix}", "not a valid prefix", builtin)
    added = raw.get("added", {})
    if not isinstance(added, dict):
        raise _fail(name, "added", "must be a table", builtin)
    extra = sorted(set(added) - _ADDED_KEYS)
    if extra:
        raise _fail(name, f"added.{extra[0]}",
                    f"unknown key; use {', '.join(sorted(_ADDED_KEYS))}", builtin)
    where = added.get("where", "after-ca")
    if where not in ("after-ca", "append"):
        raise _fail(name, "added.where", f"{where!r} is not after-ca or append", builtin)
    namespace = added.get("namespace", "item")
    if not isinstance(namespace, str):
        raise _fail(name, "added.namespace", "must be 'item' or a namespace URI", builtin)
    title = raw.get("title", name)
    return Mapping(
        name=name, title=str(title)[:200],
        item=_xpath(name, "item", raw.get("item"), namespaces, builtin, True),
        ca=_xpath(name, "ca", raw.get("ca"), namespaces, builtin, False),
        where=str(where), namespace=namespace,
        reference=_added(added.get("reference"), name, "reference", builtin),
        verification=_added(added.get("verification"), name, "verification", builtin),
    )


@cache
def load(name: str = DEFAULT_MAPPING) -> Mapping:
    """The named built-in mapping; 400 when there is no such mapping."""
    if not _NAME.match(name) or name not in available():
        raise BadRequest(f"There is no XML mapping named {name!r}; available: "
                         f"{', '.join(available())}.", code="unknown_mapping")
    path = resources.files("geoservice.references").joinpath("mappings", f"{name}.toml")
    return from_definition(name, tomllib.loads(path.read_text("utf-8")), builtin=True)


def valid_name(name: str) -> bool:
    return bool(_NAME.match(name))
