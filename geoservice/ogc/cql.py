"""Parse OGC API Features Part 3 filters (CQL2 text and CQL2 JSON) into a pygeofilter AST.

Parser errors of any kind become a 400 that quotes the parser's complaint. The cql2-json
``{"bbox": [minx, miny, maxx, maxy]}`` literal is rewritten before parsing, because
pygeofilter 0.4 builds ``Envelope(*bbox)`` whose fields are (x1, x2, y1, y2) — issue #163.
"""

from __future__ import annotations

import json
from typing import Any

from pygeofilter.parsers.cql2_json import parse as parse_cql2_json
from pygeofilter.parsers.cql2_text import parse as parse_cql2_text

from geoservice.errors import BadRequest

MAX_FILTER_CHARS = 20_000
LANGS = ("cql2-text", "cql2-json")


def _repair_bbox(node: Any) -> Any:
    if isinstance(node, dict):
        if set(node) == {"bbox"}:
            box = node["bbox"]
            if not isinstance(box, list) or len(box) not in (4, 6) \
                    or not all(isinstance(v, (int, float)) for v in box):
                raise BadRequest("A cql2-json bbox is a list of four (or six) numbers.",
                                 code="invalid_filter")
            if len(box) == 6:
                box = [box[0], box[1], box[3], box[4]]
            return {"bbox": [box[0], box[2], box[1], box[3]]}
        return {k: _repair_bbox(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_repair_bbox(v) for v in node]
    return node


def parse_filter(text: str, lang: str | None) -> Any:
    """The AST of a ``filter`` parameter in ``filter-lang`` (default cql2-text)."""
    lang = (lang or "cql2-text").lower()
    if lang not in LANGS:
        raise BadRequest(f"filter-lang={lang!r} is not supported; use cql2-text or cql2-json.",
                         code="invalid_filter_lang")
    if len(text) > MAX_FILTER_CHARS:
        raise BadRequest(f"The filter is longer than {MAX_FILTER_CHARS} characters.",
                         code="invalid_filter")
    try:
        if lang == "cql2-json":
            try:
                doc = json.loads(text)
            except ValueError as exc:
                raise BadRequest(f"The cql2-json filter is not JSON: {exc}.",
                                 code="invalid_filter") from None
            return parse_cql2_json(_repair_bbox(doc))
        return parse_cql2_text(text)
    except BadRequest:
        raise
    except Exception as exc:  # lark and pygeofilter raise many kinds; all mean "bad filter"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BadRequest(f"The {lang} filter could not be parsed: {first[:300]}",
                         code="invalid_filter") from None
