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
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from lxml import etree

from geoservice.errors import BadRequest, ConfigurationError

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


def _added(raw: object, name: str, key: str) -> Added:
    if not isinstance(raw, dict) or not isinstance(raw.get("element"), str):
        raise ConfigurationError(f"mapping {name}: [added.{key}] needs an 'element' name")
    attributes = raw.get("attributes", {})
    if not isinstance(attributes, dict):
        raise ConfigurationError(f"mapping {name}: [added.{key}] attributes must be a table")
    return Added(raw["element"], {str(k): str(v) for k, v in attributes.items()})


@cache
def load(name: str = DEFAULT_MAPPING) -> Mapping:
    """The named mapping; 400 when there is no such mapping."""
    if not _NAME.match(name) or name not in available():
        raise BadRequest(f"There is no XML mapping named {name!r}; available: "
                         f"{', '.join(available())}.", code="unknown_mapping")
    path = resources.files("geoservice.references").joinpath("mappings", f"{name}.toml")
    raw = tomllib.loads(path.read_text("utf-8"))
    namespaces = {str(k): str(v) for k, v in raw.get("namespaces", {}).items()}
    added = raw.get("added", {})
    where = added.get("where", "after-ca")
    if where not in ("after-ca", "append"):
        raise ConfigurationError(f"mapping {name}: added.where must be after-ca or append")
    try:
        item = etree.XPath(raw["item"], namespaces=namespaces)
        ca = etree.XPath(raw["ca"], namespaces=namespaces)
    except (KeyError, etree.XPathSyntaxError) as exc:
        raise ConfigurationError(f"mapping {name}: item/ca XPath missing or invalid: {exc}"
                                 ) from None
    return Mapping(
        name=name, title=str(raw.get("title", name)), item=item, ca=ca, where=where,
        namespace=str(added.get("namespace", "item")),
        reference=_added(added.get("reference"), name, "reference"),
        verification=_added(added.get("verification"), name, "verification"),
    )
