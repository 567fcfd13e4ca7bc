"""The buyer's register: receive pairs (EUDR-X, CSV, enriched XML, typed in), list, re-verify."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from geoservice.accounts.principal import Principal
from geoservice.errors import BadRequest
from geoservice.references import (
    auto,
    csvio,
    doc_mappings,
    mapping,
    received,
    received_in,
    say,
    throttle,
    verify,
)
from geoservice.references.mapping import Mapping
from geoservice.references.received import Incoming
from geoservice.web import auth, query
from geoservice.web.body import parse_json, upload_form
from geoservice.web.context import db, engine_of, in_thread, settings_of
from geoservice.web.routing import Param, RouteTable
from geoservice.web.templates import render

routes = RouteTable()
TAGS = ("received",)
EDITORS = ("owner", "analyst", "admin")
RESULTS = ("EXISTING_USABLE", "EXISTING_NON_USABLE", "NON_EXISTENT", "INVALID")
FILTERS = (
    Param("supplier", description="Part of the supplier's name"),
    Param("q", description="Part of a reference number, order, item or production reference"),
    Param("result", description="Last verification result: " + ", ".join(RESULTS)),
    Param("from", description="Received on or after (YYYY-MM-DD)",
          schema={"type": "string", "format": "date"}),
    Param("to", description="Received on or before (YYYY-MM-DD)",
          schema={"type": "string", "format": "date"}),
)
ROW_SCHEMA: dict[str, Any] = {"type": "object", "properties": {
    c: {"type": "string", "nullable": True} for c in received.COLUMNS}}


class Reverify(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[str] | None = Field(default=None, max_length=20000,
                                  description="Register rows; all of yours when omitted")
    source: str = Field(default="records", pattern="^(records|traces)$")


def _filters(values: Any) -> dict[str, Any]:
    picked: dict[str, Any] = {k: (values.get(k) or "").strip() for k in
                              ("supplier", "q", "result", "from", "to")}
    for key in ("from", "to"):
        if picked[key]:
            try:
                date.fromisoformat(picked[key])
            except ValueError:
                raise BadRequest(f"{key}={picked[key]!r} is not a date (YYYY-MM-DD).",
                                 code="invalid_date") from None
    if picked["result"] and picked["result"] not in RESULTS:
        raise BadRequest(f"result={picked['result']!r} is not known; use one of "
                         f"{', '.join(RESULTS)}.", code="invalid_result")
    return picked


async def _body(request: Request) -> tuple[bytes, dict[str, str]]:
    """The raw body (or the multipart file) and the form's text fields."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        return await request.body(), {}
    async with upload_form(request, max_files=1000, max_fields=1000) as form:
        fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise BadRequest("Attach the file in the form field 'file'.", code="no_file")
        return await upload.read(), fields


def _parse(raw: bytes, options: dict[str, str], language: str, chosen: Mapping | None
           ) -> tuple[str, list[Incoming]]:
    form = received_in.kind(raw)
    if form == "json":
        return received_in.from_json(raw)
    if form == "xml":
        assert chosen is not None
        return received_in.from_xml(raw, chosen, options.get("supplier", ""),
                                    options.get("order", ""))
    return received_in.from_csv(raw, options.get("encoding") or None, language)


async def _receive(request: Request, principal: Principal, raw: bytes,
                   options: dict[str, str]) -> dict[str, Any]:
    if not raw.strip():
        raise BadRequest(say.say("empty_body"), code="empty_body")
    chosen: Mapping | None = None
    if received_in.kind(raw) == "xml":
        name = options.get("mapping") or mapping.DEFAULT_MAPPING
        chosen = auto.MAPPING if name == doc_mappings.AUTO else await db(
            request, doc_mappings.resolve, principal, name)
    source, incoming = await in_thread(_parse, raw, options, principal.language, chosen)
    return await db(request, received.receive, principal, throttle.caller_of(request, principal),
                    settings_of(request).verify, source, incoming)


@routes.api("POST", "/api/v1/received",
            summary="Receive pairs: EUDR-X (JSON, XML, CSV), a CSV of pairs, an enriched XML "
                    "document, or typed-in pairs ({\"pairs\": […]}); stored and verified",
            tags=TAGS, params=(
                Param("encoding", description="CSV: utf-8 (default) or windows-1257"),
                Param("mapping", description="Enriched XML: the mapping that added the pairs"),
                Param("supplier", description="Enriched XML: the supplier's name"),
                Param("order", description="Enriched XML: the order reference")),
            body={"type": "string"}, body_content_type="application/json", status=201,
            response={"type": "object", "properties": {
                "stored": {"type": "integer"}, "already_registered": {"type": "integer"},
                "items": {"type": "array", "items": {"type": "object"}}}})
async def receive(request: Request) -> Response:
    principal = await auth.require(request, roles=EDITORS)
    say.use(principal)
    raw, fields = await _body(request)
    options = {**fields, **{k: v for k, v in request.query_params.items()}}
    return JSONResponse(await _receive(request, principal, raw, options), status_code=201)


def _csv_response(request: Request, principal: Principal, flt: dict[str, Any]) -> Response:
    engine = engine_of(request)

    def rows() -> Iterator[Sequence[object]]:
        yield received.COLUMNS
        with engine.connect() as conn, conn.begin():
            for row in received.listing(conn, principal, flt, limit=None):
                yield [row[c] for c in received.COLUMNS]

    name = f"eudr-received-{date.today().isoformat()}.csv"
    return StreamingResponse(csvio.write_rows(rows(), ";", bom=True),
                             media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


@routes.api("GET", "/api/v1/received", summary="The buyer's register of received pairs",
            tags=TAGS, params=(*FILTERS, Param("f", description="json (default) or csv"),
                               Param("limit", schema={"type": "integer"}),
                               Param("offset", schema={"type": "integer"})),
            response={"type": "object", "properties": {
                "items": {"type": "array", "items": ROW_SCHEMA},
                "next_offset": {"type": "integer", "nullable": True}}},
            response_content_types=("application/json", "text/csv"))
async def list_received(request: Request) -> Response:
    principal = await auth.require(request)
    say.use(principal)
    q = request.query_params
    flt = _filters(q)
    fmt = q.get("f") or "json"
    if fmt == "csv":
        return _csv_response(request, principal, flt)
    if fmt != "json":
        raise BadRequest(f"f={fmt!r} is not known; use json or csv.", code="invalid_format")
    limit = query.integer(q, "limit", 500, 1, 10_000)
    offset = query.integer(q, "offset", 0, 0, 10_000_000)

    def fetch(conn: Any) -> list[dict[str, Any]]:
        return list(received.listing(conn, principal, flt, limit=limit + 1, offset=offset))

    rows = await db(request, fetch)
    return JSONResponse({"items": rows[:limit],
                         "next_offset": offset + limit if len(rows) > limit else None})


async def _reverify(request: Request, principal: Principal, ids: list[str] | None,
                    source: str) -> dict[str, int]:
    chosen = None if ids is None else [i for i in ids if _uuid(i)]
    where, params = received.scope(principal, chosen)
    caller = throttle.caller_of(request, principal)
    if source == "traces":
        service = verify.traces_service(request.app.state)

        def ask(ref: str, ver: str) -> dict[str, object]:
            if not (verify.plausible(ref) and verify.plausible(ver)):
                return {"result": "INVALID", "status": None}
            return verify.from_traces(service, ref, ver)

        return await db(request, received.reverify_traces, caller, where, params, ask)
    return await db(request, received.reverify, caller, settings_of(request).verify, where,
                    params)


def _uuid(value: str) -> bool:
    from geoservice.ids import canonical
    return canonical(value) is not None


@routes.api("POST", "/api/v1/received/reverify",
            summary="Verify register rows again (all of yours, or the ids given)", tags=TAGS,
            body=Reverify, response={"type": "object", "properties": {
                "verified": {"type": "object", "additionalProperties": {"type": "integer"}}}})
async def reverify_received(request: Request) -> Response:
    principal = await auth.require(request, roles=EDITORS)
    say.use(principal)
    body = await parse_json(request, Reverify)
    counts = await _reverify(request, principal, body.ids, body.source)
    return JSONResponse({"verified": counts})


@routes.page("GET", "/received")
async def received_page(request: Request) -> Response:
    principal = await auth.require(request)
    say.use(principal)
    flt = _filters(request.query_params)

    def fetch(conn: Any) -> list[dict[str, Any]]:
        return list(received.listing(conn, principal, flt, limit=501))

    rows = await db(request, fetch)
    return render(request, "received.html", {
        "principal": principal, "rows": rows[:500], "more": len(rows) > 500, "filters": flt,
        "results": RESULTS,
        "mappings": [*mapping.available(), doc_mappings.AUTO,
                     *[m["name"] for m in await db(request, doc_mappings.listing, principal)]],
        "done": request.query_params.get("done", "")})


async def _page_form(request: Request) -> tuple[Principal, dict[str, str], bytes | None]:
    async with upload_form(request, max_files=1000, max_fields=1000) as form:
        fields: dict[str, str] = {}
        upload: bytes | None = None
        for key, value in form.multi_items():
            if isinstance(value, str):
                fields[key] = value.strip()
            elif key == "file" and value.filename:
                upload = await value.read()
    principal = await auth.require(request, roles=EDITORS,
                                   form_token=fields.get("csrf_token") or None)
    say.use(principal)
    return principal, fields, upload


@routes.page("POST", "/received/upload")
async def received_upload(request: Request) -> Response:
    principal, fields, upload = await _page_form(request)
    if not upload:
        raise BadRequest("Choose a file to upload.", code="no_file")
    answer = await _receive(request, principal, upload, fields)
    return RedirectResponse(f"/received?done=stored-{answer['stored']}", status_code=303)


@routes.page("POST", "/received/add")
async def received_add(request: Request) -> Response:
    principal, fields, _ = await _page_form(request)
    entry = Incoming(fields.get("reference_number", ""), fields.get("verification_number", ""),
                     supplier_name=fields.get("supplier_name", ""),
                     order_reference=fields.get("order_reference", ""),
                     item_reference=fields.get("item_reference", ""))
    answer = await db(request, received.receive, principal,
                      throttle.caller_of(request, principal), settings_of(request).verify,
                      "manual", [entry])
    return RedirectResponse(f"/received?done=stored-{answer['stored']}", status_code=303)


@routes.page("POST", "/received/reverify")
async def received_reverify_form(request: Request) -> Response:
    principal, _, _ = await _page_form(request)
    await _reverify(request, principal, None, "records")
    return RedirectResponse("/received?done=reverified", status_code=303)
