"""Validation of WFS answers against the official OGC schemas in ``../shared/schemas/ogc/``.

CI lays ``shared/`` beside the clone, so the schemas are found relative to the repository.
A feature type's own schema (DescribeFeatureType) imports GML from schemas.opengis.net; that
import is pointed at the local copy, nothing else of the answer is touched.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import xmlschema
from lxml import etree

REPO = Path(__file__).resolve().parents[2]
OGC = (REPO.parent / "shared" / "schemas" / "ogc").resolve()
WFS_XSD = OGC / "wfs" / "2.0" / "wfs.xsd"
GML_XSD = OGC / "gml" / "3.2.1" / "gml.xsd"
OWS_XSD = OGC / "ows" / "1.1.0" / "owsExceptionReport.xsd"
GML_NS = "http://www.opengis.net/gml/3.2"
GS_NS = "https://geoservice.lv/wfs"


@lru_cache(maxsize=1)
def wfs_schema() -> xmlschema.XMLSchema:
    """WFS 2.0 with FES 2.0, OWS 1.1 and GML 3.2.1 (capabilities, stored queries, values)."""
    return xmlschema.XMLSchema(str(WFS_XSD), locations=[(GML_NS, str(GML_XSD))])


@lru_cache(maxsize=1)
def exception_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(OWS_XSD))


@lru_cache(maxsize=8)
def feature_schema(described: str, folder: str) -> xmlschema.XMLSchema:
    """WFS 2.0 + GML 3.2.1 + the DescribeFeatureType answer ``described``."""
    local = described.replace("http://schemas.opengis.net/gml/3.2.1/gml.xsd", GML_XSD.as_uri())
    path = Path(folder) / f"features{abs(hash(described))}.xsd"
    path.write_text(local)
    return xmlschema.XMLSchema(str(WFS_XSD), locations=[(GML_NS, str(GML_XSD)),
                                                        (GS_NS, str(path))])


def assert_valid(schema: xmlschema.XMLSchema, document: str | bytes) -> None:
    """Validate and fail with every reason, not only the first one."""
    text = document.decode() if isinstance(document, bytes) else document
    errors = list(schema.iter_errors(text))
    assert not errors, "\n".join(str(e)[:600] for e in errors[:3])


def assert_exception(document: bytes, code: str) -> etree._Element:
    """An ows:ExceptionReport that validates and carries ``code``; returns the Exception."""
    assert_valid(exception_schema(), document)
    root = etree.fromstring(document)
    exc = root.find("{http://www.opengis.net/ows/1.1}Exception")
    assert exc is not None and exc.get("exceptionCode") == code, document[:600]
    return exc
