"""Route tables that produce both Starlette routes and the OpenAPI document.

An API operation is declared once, with its summary, parameters and pydantic models; the
OpenAPI document is derived from the same declarations, so it cannot drift from the routes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Param:
    """A query or path parameter of an API operation."""

    name: str
    where: str = "query"
    description: str = ""
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = False


@dataclass
class Operation:
    method: str
    path: str
    endpoint: Endpoint
    summary: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    params: tuple[Param, ...] = ()
    body: type[BaseModel] | dict[str, Any] | None = None
    body_content_type: str = "application/json"
    response: type[BaseModel] | dict[str, Any] | None = None
    response_content_types: tuple[str, ...] = ("application/json",)
    status: int = 200
    public: bool = False
    in_openapi: bool = True


class RouteTable:
    """Collects the operations of one module."""

    def __init__(self) -> None:
        self.operations: list[Operation] = []
        self.mounts: list[BaseRoute] = []

    def api(self, method: str, path: str, **meta: Any) -> Callable[[Endpoint], Endpoint]:
        def register(endpoint: Endpoint) -> Endpoint:
            self.operations.append(Operation(method.upper(), path, endpoint, **meta))
            return endpoint

        return register

    def page(self, method: str, path: str) -> Callable[[Endpoint], Endpoint]:
        """An HTML page or other route that is not part of the public JSON API."""
        return self.api(method, path, in_openapi=False)

    def mount(self, route: BaseRoute) -> None:
        self.mounts.append(route)

    def starlette_routes(self) -> list[BaseRoute]:
        by_path: dict[str, dict[str, Endpoint]] = defaultdict(dict)
        for op in self.operations:
            by_path[op.path][op.method] = op.endpoint
        routes: list[BaseRoute] = []
        for path, methods in by_path.items():
            routes.append(Route(path, _dispatch(methods), methods=list(methods)))
        return routes + self.mounts


def _dispatch(methods: dict[str, Endpoint]) -> Endpoint:
    if len(methods) == 1:
        return next(iter(methods.values()))

    async def endpoint(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        return await methods[method](request)

    return endpoint


def combine(tables: list[RouteTable]) -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for table in tables:
        routes.extend(table.starlette_routes())
    return routes


def _schema(model: type[BaseModel] | dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    if isinstance(model, dict):
        return model
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in schema.pop("$defs", {}).items():
        components[name] = sub
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string", "description": "Stable snake_case code."},
                "message": {"type": "string", "description": "For a person, in the caller's "
                            "language (session, user setting, Accept-Language, else lv)."},
                "messages": {"type": "object", "description": "The message in both languages.",
                             "properties": {"lv": {"type": "string"}, "en": {"type": "string"}}},
                "details": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}


def openapi_document(tables: list[RouteTable], *, title: str, version: str) -> dict[str, Any]:
    components: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, dict[str, Any]] = defaultdict(dict)
    for table in tables:
        for op in table.operations:
            if not op.in_openapi:
                continue
            entry: dict[str, Any] = {
                "summary": op.summary,
                "operationId": op.endpoint.__name__,
                "tags": list(op.tags),
                "parameters": [
                    {"name": p.name, "in": p.where, "description": p.description,
                     "required": p.required or p.where == "path", "schema": p.schema}
                    for p in op.params
                ],
                "responses": {
                    str(op.status): {
                        "description": "Success",
                        **(
                            {"content": {ct: {"schema": _schema(op.response, components)}
                                         for ct in op.response_content_types}}
                            if op.response is not None else {}
                        ),
                    },
                    "4XX": {"description": "Client error",
                            "content": {"application/json": {
                                "schema": {"$ref": "#/components/schemas/Error"}}}},
                },
            }
            if op.description:
                entry["description"] = op.description
            if op.body is not None:
                entry["requestBody"] = {
                    "required": True,
                    "content": {op.body_content_type: {"schema": _schema(op.body, components)}},
                }
            if not op.public:
                entry["security"] = [{"bearer": []}, {"session": []}]
            paths[op.path][op.method.lower()] = entry
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "version": version},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "geoservice_session"},
            },
        },
    }
