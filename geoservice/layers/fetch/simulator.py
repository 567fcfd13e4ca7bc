"""A local stand-in for the Rural Support Service's WFS 2.0 (ArcGIS Server), for tests and demos.

It answers as the real server does (``../shared/data/latvia/lad_lauki_2024_sample100_wfs_gml32
.xml.gz`` is its real answer): GetCapabilities with the type's WGS84 bounding box, GetFeature
with ``startIndex``/``count`` paging, GML 3.2 in the ``LAD`` namespace, ``MultiSurface``
geometries in ``urn:ogc:def:crs:EPSG::3059`` with posList in northing, easting order, and
``numberMatched="unknown"`` (also for ``resultType=hits``). Faults can be asked for per page:
``exception`` (OWS ExceptionReport), ``html``, ``truncated``, ``out_of_bounds`` (axes not
swapped), ``500`` and ``timeout``; once (a retry then succeeds) or always.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape

import shapely
from lxml import etree
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from geoservice.layers import gml

NS = "https://karte.lad.gov.lv/arcgis/services/lauki/MapServer/WFSServer"


@dataclass
class SimFeature:
    object_id: int
    attrs: list[tuple[str, Any]]  # in the server's element order; ("SHAPE", None) marks the shape
    geometry: BaseGeometry  # EPSG:3059, easting/northing


@dataclass
class LadWfs:
    type_name: str = "Lauki"
    features: list[SimFeature] = field(default_factory=list)
    fail_once: dict[int, str] = field(default_factory=dict)  # page number -> fault
    fail_always: dict[int, str] = field(default_factory=dict)
    report_total: bool = False  # True: numberMatched is a number (as GeoServer, not ArcGIS)
    grow_after_page: int | None = None  # add a feature after serving this page
    timeout_seconds: float = 3.0
    requests: list[dict[str, str]] = field(default_factory=list)

    # --- protocol -------------------------------------------------------------------------
    def answer(self, query: dict[str, str]) -> tuple[int, str, bytes]:
        self.requests.append(query)
        request = query.get("request", "").lower()
        if query.get("service", "WFS").upper() != "WFS":
            return self._exception("InvalidParameterValue", "service", "service must be WFS")
        if request == "getcapabilities":
            return 200, "text/xml; charset=utf-8", self._capabilities()
        if request != "getfeature":
            return self._exception("OperationNotSupported", "request",
                                   f"request {query.get('request')!r} is not supported")
        names = query.get("typenames") or query.get("typename") or ""
        if names.split(":")[-1] != self.type_name:
            return self._exception("InvalidParameterValue", "typeNames",
                                   f"Unknown feature type {names!r}")
        total = len(self.features)
        if query.get("resulttype", "").lower() == "hits":
            matched = str(total) if self.report_total else "unknown"
            return 200, "text/xml; charset=utf-8", self._collection([], matched)
        try:
            start = int(query.get("startindex", "0"))
            count = int(query.get("count", "1000"))
        except ValueError:
            return self._exception("InvalidParameterValue", "count", "not a number")
        page_number = start // max(count, 1) + 1
        fault = self.fail_once.pop(page_number, None) or self.fail_always.get(page_number)
        chosen = self.features[start:start + count]
        if fault == "500":
            return 500, "text/html", b"<html><body>Internal Server Error</body></html>"
        if fault == "timeout":
            time.sleep(self.timeout_seconds)
        if fault == "html":
            return 200, "text/html", b"<!DOCTYPE html><html><body>Maintenance</body></html>"
        if fault == "exception":
            return self._exception("OperationProcessingFailed", None,
                                   "Error: the request could not be processed (maxRecordCount)")
        matched = str(total) if self.report_total else "unknown"
        body = self._collection(chosen, matched, swap=fault != "out_of_bounds")
        if fault == "truncated":
            body = body[: len(body) // 2]
        if self.grow_after_page is not None and page_number == self.grow_after_page:
            last = self.features[-1]
            self.features.append(SimFeature(last.object_id + 1, last.attrs,
                                            shapely.affinity.translate(last.geometry, 500)))
        return 200, "text/xml; charset=utf-8", body

    def _exception(self, code: str, locator: str | None, message: str) -> tuple[int, str, bytes]:
        loc = f' locator="{escape(locator)}"' if locator else ""
        body = ('<?xml version="1.0" encoding="utf-8" ?><ows:ExceptionReport version="2.0.0" '
                'xmlns:ows="http://www.opengis.net/ows/1.1"><ows:Exception '
                f'exceptionCode="{code}"{loc}><ows:ExceptionText>{escape(message)}'
                '</ows:ExceptionText></ows:Exception></ows:ExceptionReport>')
        return 400, "text/xml; charset=utf-8", body.encode()

    def _capabilities(self) -> bytes:
        to_lonlat = Transformer.from_crs(3059, 4326, always_xy=True)
        if self.features:
            box = shapely.total_bounds([f.geometry for f in self.features])
            w, s, e, n = to_lonlat.transform_bounds(*box)
        else:
            w, s, e, n = 20.9, 55.6, 28.3, 58.1
        return (
            '<?xml version="1.0" encoding="utf-8" ?><wfs:WFS_Capabilities version="2.0.0" '
            'xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:ows="http://www.opengis.net/ows/1.1" '
            f'xmlns:LAD="{NS}"><wfs:FeatureTypeList><wfs:FeatureType>'
            f'<wfs:Name>LAD:{self.type_name}</wfs:Name><wfs:Title>{self.type_name}</wfs:Title>'
            '<wfs:DefaultCRS>urn:ogc:def:crs:EPSG::3059</wfs:DefaultCRS>'
            f'<ows:WGS84BoundingBox><ows:LowerCorner>{w:.6f} {s:.6f}</ows:LowerCorner>'
            f'<ows:UpperCorner>{e:.6f} {n:.6f}</ows:UpperCorner></ows:WGS84BoundingBox>'
            '</wfs:FeatureType></wfs:FeatureTypeList></wfs:WFS_Capabilities>').encode()

    def _collection(self, chosen: list[SimFeature], matched: str, swap: bool = True) -> bytes:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        parts = [
            '<?xml version="1.0" encoding="utf-8" ?><wfs:FeatureCollection '
            'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
            'xmlns:wfs="http://www.opengis.net/wfs/2.0" '
            f'xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:LAD="{NS}" '
            'xmlns:xlink="http://www.w3.org/1999/xlink" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'timeStamp="{stamp}" numberMatched="{matched}" numberReturned="{len(chosen)}">']
        for f in chosen:
            t = self.type_name
            parts.append(f'<wfs:member><LAD:{t} gml:id="{t}.{f.object_id}">')
            for name, value in f.attrs:
                if name == "SHAPE":
                    parts.append(f"<LAD:SHAPE>{_surface(f, t, swap)}</LAD:SHAPE>")
                elif value is not None:
                    parts.append(f"<LAD:{name}>{escape(str(value))}</LAD:{name}>")
            parts.append(f"</LAD:{t}></wfs:member>")
        parts.append("</wfs:FeatureCollection>")
        return "".join(parts).encode()

    # --- serving ----------------------------------------------------------------------------
    @contextmanager
    def serve(self) -> Iterator[str]:
        """Serve on 127.0.0.1 (a free port) in a thread; yields the WFS URL."""
        sim = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                query = {k.lower(): v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
                status, kind, body = sim.answer(query)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            port = server.server_address[1]
            yield f"http://127.0.0.1:{port}/arcgis/services/lauki/MapServer/WFSServer"
        finally:
            server.shutdown()
            server.server_close()


def _ring(coords: Any, swap: bool) -> str:
    return " ".join(f"{b:.8f} {a:.8f}" if swap else f"{a:.8f} {b:.8f}" for a, b in coords)


def _surface(f: SimFeature, type_name: str, swap: bool) -> str:
    gid = f"{type_name}.{f.object_id}.pl"
    members = []
    for i, poly in enumerate(shapely.get_parts(f.geometry)):
        rings = [f"<gml:exterior><gml:LinearRing><gml:posList>"
                 f"{_ring(poly.exterior.coords, swap)}</gml:posList></gml:LinearRing>"
                 "</gml:exterior>"]
        rings += [f"<gml:interior><gml:LinearRing><gml:posList>{_ring(r.coords, swap)}"
                  "</gml:posList></gml:LinearRing></gml:interior>" for r in poly.interiors]
        members.append(f'<gml:surfaceMember><gml:Polygon gml:id="{gid}.{i}">{"".join(rings)}'
                       "</gml:Polygon></gml:surfaceMember>")
    return (f'<gml:MultiSurface gml:id="{gid}" srsName="urn:ogc:def:crs:EPSG::3059">'
            f'{"".join(members)}</gml:MultiSurface>')


def from_sample(path: Path) -> LadWfs:
    """A simulator holding the features of a real LAD answer (element order kept)."""
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    page = gml.parse(data)
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True,
                                                  huge_tree=True))
    features = []
    for member, parsed in zip(root.iterfind("{http://www.opengis.net/wfs/2.0}member"),
                              page.features, strict=True):
        feature = member[0]
        attrs = [(etree.QName(c).localname, parsed.attrs.get(etree.QName(c).localname))
                 for c in feature]
        object_id = int(str(feature.get("{http://www.opengis.net/gml/3.2}id")).split(".")[-1])
        features.append(SimFeature(object_id, attrs, parsed.geometry))
    return LadWfs(type_name=etree.QName(root.find("{http://www.opengis.net/wfs/2.0}member")[0])
                  .localname, features=features)
