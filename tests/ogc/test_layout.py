"""The GIS protocol logic (geoservice/ogc) sits below HTTP: it imports neither Starlette nor
the web layer; the HTTP glue is geoservice/web/gis.py and the route modules beside the others."""

from __future__ import annotations

import ast

from geoservice.settings import ROOT


def test_ogc_package_knows_nothing_of_http() -> None:
    offenders = []
    for path in sorted((ROOT / "geoservice" / "ogc").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}: {n}" for n in names
                          if n.split(".")[0] == "starlette" or n.startswith("geoservice.web")]
    assert offenders == []
