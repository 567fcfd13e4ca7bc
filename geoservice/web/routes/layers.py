"""The land-use layer registry with every version (older versions stay for audit)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, RootModel
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from geoservice.layers.registry import list_layers
from geoservice.web import auth
from geoservice.web.context import db, settings_of
from geoservice.web.routing import RouteTable

routes = RouteTable()


class LayerVersionOut(BaseModel):
    version: int
    reference_date: str | None
    source_crs: str | None
    feature_count: int
    checksum: str | None
    imported_at: str
    imported_by: str | None
    bbox: list[float] | None
    state: str
    source_url: str | None
    fetched_at: str | None
    content_hash: str | None
    http_etag: str | None
    http_last_modified: str | None
    raster_size: list[int] | None
    coverage_source: str | None


class LayerOut(BaseModel):
    id: str
    title: str
    role: str
    kind: str
    source: str
    licence: str
    rules: list[str]
    current_version: int | None
    versions: list[LayerVersionOut]


class LayerList(RootModel[list[LayerOut]]):
    """Every layer with its versions, newest version first."""


def _public(layer: dict[str, Any]) -> dict[str, Any]:
    versions = [{
        "version": v["version"],
        "reference_date": v["reference_date"].isoformat() if v["reference_date"] else None,
        "source_crs": v["source_crs"], "feature_count": v["feature_count"],
        "checksum": v["checksum"], "imported_at": v["imported_at"].isoformat(),
        "imported_by": v["imported_by"], "bbox": v["bbox"], "state": v["state"],
        "source_url": v["source_url"],
        "fetched_at": v["fetched_at"].isoformat() if v["fetched_at"] else None,
        "content_hash": v["content_hash"], "http_etag": v["http_etag"],
        "http_last_modified": v["http_last_modified"],
        "raster_size": [v["raster_width"], v["raster_height"]] if v["raster_width"] else None,
        "coverage_source": v["coverage_source"],
    } for v in layer["versions"]]
    return {k: layer[k] for k in ("id", "title", "role", "kind", "source", "licence", "rules",
                                  "current_version")} | {"versions": versions}


@routes.api("GET", "/api/v1/layers", tags=("layers",), summary="Land-use layers and versions",
            response=LayerList,
            description="Roles: forest_2020, agriculture, deforestation_permit, "
            "land_use_cadastre, protected_area, forest_compartments.")
async def layers(request: Request) -> Response:
    if not settings_of(request).web.layers_public:
        await auth.require(request)

    def query(conn: Connection) -> list[dict[str, Any]]:
        return [_public(layer) for layer in list_layers(conn)]

    return JSONResponse(await db(request, query))
