"""How the simulator reads the geolocation of a received statement; the rules are shared.

The business rules themselves live in ``geoservice.traces.rules`` (used by our pre-validation
too); this module only takes the raw ``geometryGeojson`` texts out of the request XML, since
the simulator must judge what was sent, byte for byte.
"""

from __future__ import annotations

from lxml import etree


def raw_geometries(
    statement_el: etree._Element, producers_tag: str, geo_tag: str
) -> list[list[str | None]]:
    """Per commodity, the ``geometryGeojson`` text of each producer (None when it has none)."""
    ns = etree.QName(statement_el).namespace
    result: list[list[str | None]] = []
    for commodity in statement_el.findall(f"{{{ns}}}commodities"):
        texts: list[str | None] = []
        for producer in commodity.findall(f"{{{ns}}}{producers_tag}"):
            geo = producer.find(f".//{{{ns}}}{geo_tag}")
            texts.append(None if geo is None else "".join((geo.text or "").split()))
        result.append(texts)
    return result
