"""WFS 2.0 answers shaped exactly like the LAD ArcGIS server's (see the real sample in
``shared/data/latvia/lad_lauki_2024_sample100_wfs_gml32.xml.gz``).

One line of XML per page, no newlines; ``wfs:FeatureCollection`` with ``numberMatched="unknown"``;
``wfs:member`` / ``LAD:lauku_bloki gml:id="lauku_bloki.N"``; attributes, then ``LAD:SHAPE`` with a
``gml:MultiSurface srsName="urn:ogc:def:crs:EPSG::3059"`` whose posList is NORTHING EASTING with
eight decimals of which the last four are zero (as ArcGIS writes them); then SHAPE.AREA and
SHAPE.LEN. Coordinates are formatted with numpy at fixed width (every LKS-92 value in Latvia
has six integer digits), so a page of 10 000 blocks takes well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

Array = np.ndarray[Any, Any]

TYPE_NAME = "lauku_bloki"
NS = "https://karte.lad.gov.lv/arcgis/services/lauku_bloki/MapServer/WFSServer"
SRS = "urn:ogc:def:crs:EPSG::3059"
CONTENT_TYPE = "text/xml; subtype=gml/3.2; charset=utf-8"


def header(returned: int, stamp: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8" ?><wfs:FeatureCollection '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:wfs="http://www.opengis.net/wfs/2.0" '
        f'xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:LAD="{NS}" '
        'xmlns:xlink="http://www.w3.org/1999/xlink" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'timeStamp="{stamp}" numberMatched="unknown" numberReturned="{returned}" '
        'xsi:schemaLocation="http://www.opengis.net/wfs/2.0 '
        'http://schemas.opengis.net/wfs/2.0/wfs.xsd http://www.opengis.net/gml/3.2 '
        f'http://schemas.opengis.net/gml/3.2.1/gml.xsd {NS} '
        f'{NS}?service=wfs%26version=2.0.0%26request=DescribeFeatureType">')


FOOTER = "</wfs:FeatureCollection>"


def empty_page(stamp: str) -> bytes:
    return (header(0, stamp) + FOOTER).encode()


def hits(stamp: str) -> bytes:
    """``resultType=hits``: ArcGIS does not know the total either."""
    return (header(0, stamp)[:-1] + "/>").encode()


def _fixed(values: Array) -> Array:
    """(n, 16) uint8: ``DDDDDD.dddd0000 `` for LKS-92 metres (six integer digits)."""
    v = np.rint(values * 10_000).astype(np.int64)
    if len(v) and (v.min() < 100_000 * 10_000 or v.max() >= 1_000_000 * 10_000):
        raise ValueError("coordinates outside the six-digit LKS-92 range")
    out = np.full((len(v), 16), ord("0"), dtype=np.uint8)
    for k, power in enumerate((10**9, 10**8, 10**7, 10**6, 10**5, 10**4)):
        out[:, k] = v // power % 10 + 48
    out[:, 6] = ord(".")
    for k, power in enumerate((10**3, 10**2, 10, 1)):
        out[:, 7 + k] = v // power % 10 + 48
    out[:, 15] = ord(" ")
    return out


@dataclass(frozen=True)
class Blocks:
    """Field blocks to render: geometries (single-ring polygons) and their attributes."""

    geoms: Array
    object_ids: Array
    valid_from: list[str]


def members(blocks: Blocks) -> list[bytes]:
    """One ``<wfs:member>…</wfs:member>`` per block."""
    geoms = blocks.geoms
    if len(geoms) == 0:
        return []
    if (shapely.get_num_interior_rings(geoms) != 0).any():
        raise ValueError("blocks with holes are not rendered by this generator")
    rings = shapely.get_exterior_ring(geoms)
    xy = shapely.get_coordinates(rings)
    sizes = shapely.get_num_coordinates(rings)
    text = np.concatenate([_fixed(xy[:, 1]), _fixed(xy[:, 0])], axis=1).tobytes()  # N, E
    ends = np.cumsum(sizes) * 32
    starts = ends - sizes * 32
    areas = shapely.area(geoms)
    lengths = shapely.length(geoms)
    out = []
    for i, oid in enumerate(blocks.object_ids.tolist()):
        gid = f"{TYPE_NAME}.{oid}"
        head = (
            f'<wfs:member><LAD:{TYPE_NAME} gml:id="{gid}"><LAD:OBJECTID>{oid}</LAD:OBJECTID>'
            f"<LAD:BLOCK_NUMBER>{10_000 + oid // 100_000:05d}-{oid % 100_000:05d}"
            f"</LAD:BLOCK_NUMBER><LAD:BLOCK_AREA>{round(areas[i] / 10_000, 2):.8f}"
            f"</LAD:BLOCK_AREA><LAD:VALID_FROM>{blocks.valid_from[i]}</LAD:VALID_FROM>"
            f'<LAD:SHAPE><gml:MultiSurface gml:id="{gid}.pl" srsName="{SRS}"><gml:surfaceMember>'
            f'<gml:Polygon gml:id="{gid}.pl.0"><gml:exterior><gml:LinearRing><gml:posList>')
        tail = (
            "</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>"
            f"</gml:MultiSurface></LAD:SHAPE><LAD:SHAPE.AREA>{areas[i]:.8f}</LAD:SHAPE.AREA>"
            f"<LAD:SHAPE.LEN>{lengths[i]:.8f}</LAD:SHAPE.LEN></LAD:{TYPE_NAME}></wfs:member>")
        out.append(head.encode() + text[starts[i]:ends[i] - 1] + tail.encode())
    return out


class PageWriter:
    """Writes members into ``folder/<startIndex>.xml`` pages of ``page_size`` features."""

    def __init__(self, folder: Path, page_size: int, stamp: str) -> None:
        self.folder, self.page_size, self.stamp = folder, page_size, stamp
        folder.mkdir(parents=True, exist_ok=True)
        self.pending: list[bytes] = []
        self.written = 0
        self.bytes = 0

    def add(self, items: list[bytes]) -> None:
        self.pending.extend(items)
        while len(self.pending) >= self.page_size:
            self._flush(self.pending[:self.page_size])
            del self.pending[:self.page_size]

    def _flush(self, items: list[bytes]) -> None:
        path = self.folder / f"{self.written}.xml"
        data = b"".join([header(len(items), self.stamp).encode(), *items, FOOTER.encode()])
        path.write_bytes(data)
        self.written += len(items)
        self.bytes += len(data)

    def close(self) -> int:
        """Last (short) page, and the empty page a harvester gets after a full last page."""
        if self.pending:
            self._flush(self.pending)
            self.pending = []
        else:
            (self.folder / f"{self.written}.xml").write_bytes(empty_page(self.stamp))
        return self.written


def capabilities(base_url_placeholder: str = "") -> bytes:
    """A small WFS 2.0 GetCapabilities answer naming the one feature type."""
    return f"""<?xml version="1.0" encoding="utf-8" ?>
<wfs:WFS_Capabilities version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs/2.0"
 xmlns:ows="http://www.opengis.net/ows/1.1" xmlns:LAD="{NS}"
 xmlns:xlink="http://www.w3.org/1999/xlink">
<ows:ServiceIdentification><ows:Title>lauku_bloki (benchmark copy)</ows:Title>
<ows:ServiceType>WFS</ows:ServiceType><ows:ServiceTypeVersion>2.0.0</ows:ServiceTypeVersion>
</ows:ServiceIdentification>
<ows:OperationsMetadata>
<ows:Operation name="GetFeature"><ows:DCP><ows:HTTP><ows:Get xlink:href="{base_url_placeholder}"/>
</ows:HTTP></ows:DCP></ows:Operation>
<ows:Constraint name="ImplementsResultPaging"><ows:NoValues/>
<ows:DefaultValue>TRUE</ows:DefaultValue></ows:Constraint>
<ows:Constraint name="CountDefault"><ows:NoValues/><ows:DefaultValue>10000</ows:DefaultValue>
</ows:Constraint>
</ows:OperationsMetadata>
<wfs:FeatureTypeList><wfs:FeatureType><wfs:Name>LAD:{TYPE_NAME}</wfs:Name>
<wfs:Title>{TYPE_NAME}</wfs:Title><wfs:DefaultCRS>{SRS}</wfs:DefaultCRS>
<wfs:OtherCRS>urn:ogc:def:crs:EPSG::4326</wfs:OtherCRS>
<ows:WGS84BoundingBox><ows:LowerCorner>20.78 55.60</ows:LowerCorner>
<ows:UpperCorner>28.41 58.07</ows:UpperCorner></ows:WGS84BoundingBox>
</wfs:FeatureType></wfs:FeatureTypeList>
</wfs:WFS_Capabilities>
""".encode()


def describe_feature_type() -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8" ?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:gml="http://www.opengis.net/gml/3.2"
 xmlns:LAD="{NS}" targetNamespace="{NS}" elementFormDefault="qualified">
<xs:import namespace="http://www.opengis.net/gml/3.2"
 schemaLocation="http://schemas.opengis.net/gml/3.2.1/gml.xsd"/>
<xs:element name="{TYPE_NAME}" type="LAD:{TYPE_NAME}Type" substitutionGroup="gml:AbstractFeature"/>
<xs:complexType name="{TYPE_NAME}Type"><xs:complexContent>
<xs:extension base="gml:AbstractFeatureType">
<xs:sequence>
<xs:element name="OBJECTID" type="xs:int"/>
<xs:element name="BLOCK_NUMBER" type="xs:string" minOccurs="0"/>
<xs:element name="BLOCK_AREA" type="xs:double" minOccurs="0"/>
<xs:element name="VALID_FROM" type="xs:dateTime" minOccurs="0"/>
<xs:element name="SHAPE" type="gml:MultiSurfacePropertyType" minOccurs="0"/>
<xs:element name="SHAPE.AREA" type="xs:double" minOccurs="0"/>
<xs:element name="SHAPE.LEN" type="xs:double" minOccurs="0"/>
</xs:sequence></xs:extension></xs:complexContent></xs:complexType>
</xs:schema>
""".encode()
