"""Certificates from elsewhere: a register extract upload, and the VMD preview before saving."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from geoservice.certificates import importer
from geoservice.certificates.present import GEOJSON_MEDIA, feature_collection, from_model
from geoservice.certificates.schemas import CA_PATTERN, CertificateOut
from geoservice.certificates.sources import fetch
from geoservice.certificates.validate import checked
from geoservice.errors import BadRequest, UnsupportedMediaType
from geoservice.web import auth
from geoservice.web.body import upload_form
from geoservice.web.context import db, in_thread, settings_of
from geoservice.web.negotiation import negotiate
from geoservice.web.routes.certificates import CRS, EDITORS, F, output_crs, respond, vmd_source
from geoservice.web.routing import Param, RouteTable

routes = RouteTable()
TAGS = ("certificates",)

UPLOAD_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "Shapefile (.zip), GeoPackage or GeoJSON"}}}
IMPORT_RESULT: dict[str, Any] = {
    "type": "object", "properties": {
        "imported": {"type": "integer"}, "areas": {"type": "integer"},
        "ids": {"type": "array", "items": {"type": "string"}},
        "ca_numbers": {"type": "array", "items": {"type": "string"}}}}


@routes.api("POST", "/api/v1/certificates/import", tags=TAGS, status=201,
            summary="Import certificates from a Forest State Register extract (all or none)",
            body=UPLOAD_SCHEMA, body_content_type="multipart/form-data",
            response=IMPORT_RESULT)
async def import_certificates(request: Request) -> Response:
    principal = await auth.require(request, roles=EDITORS)
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise UnsupportedMediaType("Upload the file as multipart/form-data in a field "
                                   "named 'file'.", code="multipart_required")
    async with upload_form(request) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise BadRequest("Send the file in a form field named 'file'.", code="file_missing",
                             details=[{"field": "file"}])
        filename, content = upload.filename, await upload.read()
    if not content:
        raise BadRequest(f"{filename} is empty.", code="file_empty", details=[{"field": "file"}])
    certs = await in_thread(importer.read_upload, filename, content)

    def store(conn: Connection) -> list[str]:
        return importer.store(conn, principal, certs, filename)

    ids = await db(request, store)
    return respond({"imported": len(ids), "areas": sum(len(c.areas) for c in certs),
                    "ids": ids, "ca_numbers": [c.ca_number for c in certs]}, 201)


@routes.api("GET", "/api/v1/vmd/certificates/{ca_number}", tags=TAGS,
            summary="What VMD has for a CA number, without saving it (\"Dati no VMD\")",
            params=(Param("ca_number", "path", "Felling certificate number",
                          schema={"type": "string", "pattern": CA_PATTERN}), CRS, F),
            response=CertificateOut, response_content_types=("application/json", GEOJSON_MEDIA))
async def vmd_preview(request: Request) -> Response:
    await auth.require(request)
    epsg = output_crs(request)
    fmt = negotiate(request, ("json", "geojson"))
    source = vmd_source(request)
    cert = checked(await fetch(source, request.path_params["ca_number"],
                               settings_of(request).vmd))
    doc = from_model(cert, epsg, simulated=bool(getattr(source, "simulated", False)))
    if fmt == "geojson":
        return respond(feature_collection([doc], epsg), media=GEOJSON_MEDIA)
    return respond(doc)
