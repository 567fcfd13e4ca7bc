"""WFS 2.0 GetCapabilities, DescribeFeatureType and stored-query documents (GML 3.2 SF).

The capabilities declare exactly what ``wfs_service`` implements: Simple and Basic WFS (stored
queries with GetFeatureById, ad hoc queries, GetPropertyValue), resource ids, sorting, paging.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from geoservice.ogc.collections import Collection
from geoservice.ogc.crs import EPSG3059, EPSG4326, EPSG10306
from geoservice.ogc.gml import GML_NS, NS, PREFIX, WFS_NS

OWS_NS = "http://www.opengis.net/ows/1.1"
FES_NS = "http://www.opengis.net/fes/2.0"
XLINK_NS = "http://www.w3.org/1999/xlink"
COUNT_DEFAULT = 1000

_CONSTRAINTS = {
    "ImplementsBasicWFS": True, "ImplementsTransactionalWFS": False,
    "ImplementsLockingWFS": False, "KVPEncoding": True, "XMLEncoding": True,
    "SOAPEncoding": False, "ImplementsInheritance": False, "ImplementsRemoteResolve": False,
    "ImplementsResultPaging": True, "ImplementsStandardJoins": False,
    "ImplementsSpatialJoins": False, "ImplementsTemporalJoins": False,
    "ImplementsFeatureVersioning": False, "ManageStoredQueries": False,
    "PagingIsTransactionSafe": False,
}
_FES_CONFORMANCE = {
    "ImplementsQuery": True, "ImplementsAdHocQuery": True, "ImplementsFunctions": False,
    "ImplementsResourceId": True, "ImplementsMinStandardFilter": True,
    "ImplementsStandardFilter": True, "ImplementsMinSpatialFilter": True,
    "ImplementsSpatialFilter": True, "ImplementsMinTemporalFilter": False,
    "ImplementsTemporalFilter": False, "ImplementsVersionNav": False, "ImplementsSorting": True,
    "ImplementsExtendedOperators": False, "ImplementsMinimumXPath": False,
    "ImplementsSchemaElementFunc": False,
}
_COMPARISON = ("PropertyIsEqualTo", "PropertyIsNotEqualTo", "PropertyIsLessThan",
               "PropertyIsGreaterThan", "PropertyIsLessThanOrEqualTo",
               "PropertyIsGreaterThanOrEqualTo", "PropertyIsLike", "PropertyIsNull",
               "PropertyIsBetween")
_SPATIAL = ("BBOX", "Intersects", "Within", "Contains", "Disjoint", "Touches", "Crosses",
            "Overlaps", "Equals")
OUTPUT_FORMATS = ("application/gml+xml; version=3.2", "text/xml; subtype=gml/3.2",
                  "application/json", "application/geo+json")


STORED_QUERIES = {
    "urn:ogc:def:query:OGC-WFS::GetFeatureById": (
        "Get a feature by its id",
        "The feature whose gml:id is ID (e.g. felling_areas.<uuid>); NotFound otherwise.",
        (("ID", "xsd:string"),)),
}
QUERY_LANGUAGE = "urn:ogc:def:queryLanguage:OGC-WFS::WFS_QueryExpression"


def _constraint(name: str, value: object, prefix: str = "ows") -> str:
    text = value if isinstance(value, str) else ("TRUE" if value else "FALSE")
    return (f'<{prefix}:Constraint name="{name}"><ows:NoValues/>'
            f"<ows:DefaultValue>{text}</ows:DefaultValue></{prefix}:Constraint>")


def _operation(name: str, url: str, extra: str = "") -> str:
    href = escape(url, {'"': "&quot;"})
    return (f'<ows:Operation name="{name}"><ows:DCP><ows:HTTP>'
            f'<ows:Get xlink:href="{href}?"/><ows:Post xlink:href="{href}"/>'
            f"</ows:HTTP></ows:DCP>{extra}</ows:Operation>")


def capabilities(base: str, collections: list[tuple[Collection, tuple[float, ...] | None]]) -> str:
    url = f"{base}/wfs"
    formats = "".join(f"<ows:Value>{escape(f)}</ows:Value>" for f in OUTPUT_FORMATS)
    getfeature_extra = (f'<ows:Parameter name="outputFormat"><ows:AllowedValues>{formats}'
                        "</ows:AllowedValues></ows:Parameter>"
                        '<ows:Parameter name="resultType"><ows:AllowedValues>'
                        "<ows:Value>results</ows:Value><ows:Value>hits</ows:Value>"
                        "</ows:AllowedValues></ows:Parameter>")
    types = []
    for c, box in collections:
        bbox = box or (19.0, 55.6, 28.3, 58.1)
        types.append(
            f"<wfs:FeatureType><wfs:Name>{PREFIX}:{c.id}</wfs:Name>"
            f"<wfs:Title>{escape(c.title)}</wfs:Title>"
            f"<wfs:Abstract>{escape(c.description)}</wfs:Abstract>"
            f"<wfs:DefaultCRS>{EPSG3059.urn}</wfs:DefaultCRS>"
            f"<wfs:OtherCRS>{EPSG4326.urn}</wfs:OtherCRS>"
            f"<wfs:OtherCRS>{EPSG10306.urn}</wfs:OtherCRS>"
            "<wfs:OutputFormats>"
            + "".join(f"<wfs:Format>{escape(f)}</wfs:Format>" for f in OUTPUT_FORMATS)
            + "</wfs:OutputFormats>"
            f"<ows:WGS84BoundingBox><ows:LowerCorner>{bbox[0]} {bbox[1]}</ows:LowerCorner>"
            f"<ows:UpperCorner>{bbox[2]} {bbox[3]}</ows:UpperCorner></ows:WGS84BoundingBox>"
            "</wfs:FeatureType>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<wfs:WFS_Capabilities xmlns:wfs="{WFS_NS}" xmlns:ows="{OWS_NS}" xmlns:fes="{FES_NS}" '
        f'xmlns:xlink="{XLINK_NS}" xmlns:gml="{GML_NS}" xmlns:{PREFIX}="{NS}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="2.0.0" '
        f'xsi:schemaLocation="{WFS_NS} http://schemas.opengis.net/wfs/2.0/wfs.xsd">'
        "<ows:ServiceIdentification><ows:Title>geoservice WFS</ows:Title>"
        "<ows:Abstract>Felling areas, check findings and land-use layers of the EUDR due "
        "diligence service for Latvian timber.</ows:Abstract>"
        "<ows:ServiceType>WFS</ows:ServiceType><ows:ServiceTypeVersion>2.0.0"
        "</ows:ServiceTypeVersion><ows:Fees>NONE</ows:Fees>"
        "<ows:AccessConstraints>Felling areas and findings: API token or login."
        "</ows:AccessConstraints></ows:ServiceIdentification>"
        "<ows:ServiceProvider><ows:ProviderName>geoservice</ows:ProviderName>"
        "<ows:ServiceContact/></ows:ServiceProvider>"
        "<ows:OperationsMetadata>"
        + _operation("GetCapabilities", url)
        + _operation("DescribeFeatureType", url)
        + _operation("GetFeature", url, getfeature_extra)
        + _operation("GetPropertyValue", url)
        + _operation("ListStoredQueries", url)
        + _operation("DescribeStoredQueries", url)
        + "".join(_constraint(k, v) for k, v in _CONSTRAINTS.items())
        + _constraint("CountDefault", str(COUNT_DEFAULT))
        + "</ows:OperationsMetadata>"
        f"<wfs:FeatureTypeList>{''.join(types)}</wfs:FeatureTypeList>"
        "<fes:Filter_Capabilities><fes:Conformance>"
        + "".join(_constraint(k, v, "fes") for k, v in _FES_CONFORMANCE.items())
        + "</fes:Conformance>"
        '<fes:Id_Capabilities><fes:ResourceIdentifier name="fes:ResourceId"/>'
        "</fes:Id_Capabilities>"
        "<fes:Scalar_Capabilities><fes:LogicalOperators/><fes:ComparisonOperators>"
        + "".join(f'<fes:ComparisonOperator name="{op}"/>' for op in _COMPARISON)
        + "</fes:ComparisonOperators></fes:Scalar_Capabilities>"
        "<fes:Spatial_Capabilities><fes:GeometryOperands>"
        '<fes:GeometryOperand name="gml:Envelope"/><fes:GeometryOperand name="gml:Point"/>'
        '<fes:GeometryOperand name="gml:LineString"/><fes:GeometryOperand name="gml:Polygon"/>'
        '<fes:GeometryOperand name="gml:MultiSurface"/></fes:GeometryOperands>'
        "<fes:SpatialOperators>"
        + "".join(f'<fes:SpatialOperator name="{op}"/>' for op in _SPATIAL)
        + "</fes:SpatialOperators></fes:Spatial_Capabilities>"
        "</fes:Filter_Capabilities></wfs:WFS_Capabilities>\n")


def describe(collections: list[Collection]) -> str:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:gml="{GML_NS}" '
        f'xmlns:{PREFIX}="{NS}" targetNamespace="{NS}" elementFormDefault="qualified" '
        'version="1.0">'
        f'<xsd:import namespace="{GML_NS}" '
        'schemaLocation="http://schemas.opengis.net/gml/3.2.1/gml.xsd"/>']
    for c in collections:
        fields = "".join(
            f'<xsd:element name="{p.name}" type="{p.xsd}" minOccurs="0" maxOccurs="1" '
            'nillable="true"/>' for p in c.properties)
        parts.append(
            f'<xsd:complexType name="{c.id}Type"><xsd:complexContent>'
            '<xsd:extension base="gml:AbstractFeatureType"><xsd:sequence>'
            f'{fields}<xsd:element name="geometry" type="gml:MultiSurfacePropertyType" '
            'minOccurs="0" maxOccurs="1" nillable="true"/>'
            "</xsd:sequence></xsd:extension></xsd:complexContent></xsd:complexType>"
            f'<xsd:element name="{c.id}" type="{PREFIX}:{c.id}Type" '
            'substitutionGroup="gml:AbstractFeature"/>')
    parts.append("</xsd:schema>\n")
    return "".join(parts)


def _head(element: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<wfs:{element} xmlns:wfs="{WFS_NS}" xmlns:{PREFIX}="{NS}" '
            'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:schemaLocation="{WFS_NS} http://schemas.opengis.net/wfs/2.0/wfs.xsd">')


def list_stored_queries(type_ids: list[str]) -> str:
    returns = "".join(f"<wfs:ReturnFeatureType>{PREFIX}:{t}</wfs:ReturnFeatureType>"
                      for t in type_ids)
    items = "".join(f'<wfs:StoredQuery id="{qid}"><wfs:Title>{escape(title)}</wfs:Title>'
                    f"{returns}</wfs:StoredQuery>"
                    for qid, (title, _, _) in STORED_QUERIES.items())
    return _head("ListStoredQueriesResponse") + items + "</wfs:ListStoredQueriesResponse>\n"


def describe_stored_queries(ids: list[str], type_ids: list[str]) -> str:
    parts = [_head("DescribeStoredQueriesResponse")]
    returns = " ".join(f"{PREFIX}:{t}" for t in type_ids)
    for qid in ids:
        title, abstract, params = STORED_QUERIES[qid]
        parts.append(f'<wfs:StoredQueryDescription id="{qid}"><wfs:Title>{escape(title)}'
                     f"</wfs:Title><wfs:Abstract>{escape(abstract)}</wfs:Abstract>")
        parts.extend(f'<wfs:Parameter name="{name}" type="{kind}"/>' for name, kind in params)
        parts.append(f'<wfs:QueryExpressionText returnFeatureTypes="{returns}" '
                     f'language="{QUERY_LANGUAGE}" isPrivate="true"/>'
                     "</wfs:StoredQueryDescription>")
    parts.append("</wfs:DescribeStoredQueriesResponse>\n")
    return "".join(parts)
