"""Helpers of the drawing map: polygons from a file, and a cadastral parcel to start at."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from geoservice.errors import (
    BadRequest,
    GeoserviceError,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from geoservice.i18n import both
from geoservice.layers.parcels import parcel_features
from geoservice.spatial import drawing_import
from geoservice.web import auth
from geoservice.web.context import db, in_thread
from geoservice.web.routing import Param, RouteTable

routes = RouteTable()
TAGS = ("drawing",)
GEOJSON = "application/geo+json"

UPLOAD: dict[str, Any] = {
    "type": "object", "required": ["file"],
    "properties": {"file": {
        "type": "string", "format": "binary",
        "description": "GeoJSON (.geojson/.json, EPSG:4326 or a crs member such as "
                       "EPSG:3059), zipped Shapefile (.zip with .prj), KML (.kml, .kmz) or "
                       "GPX; at most "
                       f"{drawing_import.MAX_BYTES // (1024 * 1024)} MB and "
                       f"{drawing_import.MAX_POLYGONS} polygons"}}}
POLYGONS: dict[str, Any] = {
    "type": "object", "description": "A GeoJSON FeatureCollection of (Multi)Polygons in "
    "EPSG:4326, with what the file held besides.",
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": {"type": "object"}},
        "filename": {"type": "string"},
        "source_crs": {"type": "string", "description": "The CRS the file was read in"},
        "closed_lines": {"type": "integer",
                         "description": "Closed lines (GPS tracks) made into polygons"},
        "ignored": {"type": "object", "properties": {
            "lines": {"type": "integer"}, "points": {"type": "integer"}}},
        "repaired": {"type": "integer",
                     "description": "Self-crossing polygons repaired (area change under 1 %)"}}}
PARCEL: dict[str, Any] = {
    "type": "object", "description": "A GeoJSON FeatureCollection (EPSG:4326) of the parcel "
    "from the current land-use cadastre layer (or the land unit's forest compartments).",
    "properties": {"type": {"type": "string"},
                   "features": {"type": "array", "items": {"type": "object"}}}}
DESIGNATION = re.compile(r"^\d{11}$")


def _refusal(error: drawing_import.DrawingFileError, lang: str) -> GeoserviceError:
    message = both(error.key, lang, **error.values)
    code = error.key.replace("drawing.import.", "drawing_")
    details = [{"field": "file", "filename": str(error.values.get("name", ""))}]
    if error.status == 413:
        return PayloadTooLarge(message, code=code, details=details)
    return ValidationFailed(message, code=code, details=details)


@routes.api("POST", "/api/v1/drawing/import", tags=TAGS, body=UPLOAD,
            body_content_type="multipart/form-data", response=POLYGONS,
            response_content_types=(GEOJSON,),
            summary="Polygons of a GeoJSON, Shapefile (zip), KML or GPX file for the drawing map",
            description="Nothing is stored: the polygons come back in EPSG:4326 for the "
            "browser to edit. The CRS is the file's own (.prj, GeoJSON crs member; KML and "
            "GPX are WGS 84). Closed lines become polygons; open lines and points are "
            "counted. Refusals (no polygon, unknown CRS, outside Latvia, too big, corrupt "
            "zip) are 4xx in the caller's language.")
async def import_drawing(request: Request) -> Response:
    await auth.require(request)
    lang = auth.caller_language(request)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise UnsupportedMediaType(both("drawing.import.multipart", lang),
                                   code="multipart_required")
    async with request.form(max_files=1, max_fields=5) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise BadRequest(both("drawing.import.file_missing", lang), code="file_missing",
                             details=[{"field": "file"}])
        filename = upload.filename
        content = await upload.read(drawing_import.MAX_BYTES + 1)
    try:
        drawing = await in_thread(drawing_import.read_drawing, filename, content)
    except drawing_import.DrawingFileError as e:
        raise _refusal(e, lang) from None
    return JSONResponse(drawing.feature_collection(filename), media_type=GEOJSON)


@routes.api("GET", "/api/v1/parcels/{designation}", tags=TAGS, response=PARCEL,
            response_content_types=(GEOJSON,),
            params=(Param("designation", "path", "Cadastral designation (kadastra apzīmējums), "
                          "11 digits", schema={"type": "string", "pattern": r"^[0-9]{11}$"},
                          required=True),),
            summary="A cadastral parcel by its designation, where the drawing map starts")
async def parcel(request: Request) -> Response:
    await auth.require(request)
    lang = auth.caller_language(request)
    designation = request.path_params["designation"].strip()
    if not DESIGNATION.match(designation):
        raise ValidationFailed(both("drawing.parcel.pattern", lang, q=designation[:40]),
                               code="cadastral_designation_invalid",
                               details=[{"field": "designation"}])

    def query(conn: Connection) -> list[dict[str, Any]]:
        return parcel_features(conn, designation)

    features = await db(request, query)
    if not features:
        raise NotFound(both("drawing.parcel.unknown", lang, q=designation),
                       code="parcel_not_found", details=[{"field": "designation"}])
    return JSONResponse({"type": "FeatureCollection", "features": features},
                        media_type=GEOJSON)
