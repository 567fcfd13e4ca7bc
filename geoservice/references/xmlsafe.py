"""Parsing XML from strangers: no DTD at all, no entities, no network, no huge trees.

Any DOCTYPE is refused with 400 before and after parsing (the parser also neither loads DTDs
nor resolves entities), which stops external entities, billion-laughs expansion and DTD
retrieval in one rule. Business documents never need a DOCTYPE.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree

from geoservice.errors import BadRequest

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
        dtd_validation=False, remove_blank_text=False, remove_comments=False, remove_pis=False,
        strip_cdata=False,
    )


def _refuse_doctype() -> BadRequest:
    return BadRequest(
        "XML documents with a DOCTYPE (DTD or entity declarations) are not accepted; remove "
        "the <!DOCTYPE …> declaration.", code="xml_doctype_forbidden")


def parse(raw: bytes) -> etree._ElementTree:
    """The document tree; 400 for empty, malformed or DOCTYPE-carrying documents."""
    if not raw.strip():
        raise BadRequest("The request body is empty; send an XML document.", code="empty_body")
    probe = raw
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            probe = raw.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("The document starts like UTF-16 but is not valid UTF-16.",
                             code="malformed_xml") from None
    if _DOCTYPE.search(probe):
        raise _refuse_doctype()
    try:
        tree = etree.ElementTree(etree.fromstring(raw, _parser()))
    except etree.XMLSyntaxError as exc:
        line = f" at line {exc.lineno}" if exc.lineno else ""
        raise BadRequest(f"The document is not well-formed XML{line}: {exc.msg}.",
                         code="malformed_xml") from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise _refuse_doctype()
    return tree
