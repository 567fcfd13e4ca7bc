"""Reference numbers for buyers: CSV export and lookup, XML enrichment, verify, buyer lists."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from geoservice.accounts.principal import Principal
from geoservice.errors import BadRequest, GeoserviceError
from geoservice.references import (
    auto,
    buyers,
    csvio,
    doc_mappings,
    enrich,
    lookup,
    mapping,
    pairs,
    pairs_csv,
    params,
    say,
    splice,
    store,
    throttle,
    verify,
    xmlsafe,
)
from geoservice.references.model import EXPORT_COLUMNS, ExportFilter, Resolution
from geoservice.web import auth, query
from geoservice.web.body import parse_json, upload_form
from geoservice.web.context import db, engine_of, in_thread, settings_of
from geoservice.web.error_text import error_body
from geoservice.web.routing import Param, RouteTable
from geoservice.web.templates import language, render

routes = RouteTable()
TAGS = ("references",)
EDITORS = ("owner", "analyst", "admin")
FILTERS = (
    Param("ca", description="CA number(s): repeat the parameter or separate with commas"),
    Param("from", description="Available/submitted on or after (YYYY-MM-DD)",
          schema={"type": "string", "format": "date"}),
    Param("to", description="Available/submitted on or before (YYYY-MM-DD)",
          schema={"type": "string", "format": "date"}),
    Param("status", description="Statement status(es), or 'none' for no statement yet"),
)
ROW_SCHEMA: dict[str, Any] = {"type": "object", "properties": {
    c: {"type": "string", "nullable": True} for c in EXPORT_COLUMNS}}


class BuyerList(BaseModel):
    model_config = ConfigDict(extra="forbid")
    buyers: list[str] = Field(max_length=buyers.MAX_BUYERS,
                              description="Registration numbers of buyer organisations")


def _filter(request: Request) -> ExportFilter:
    q = request.query_params
    return params.export_filter(q, {k: q.getlist(k) for k in ("ca", "status")})


def _stream_csv(request: Request, principal: Principal, flt: ExportFilter, sep: str,
                bom: bool) -> StreamingResponse:
    """The export streams from a server-side cursor in its own read-only transaction."""
    engine = engine_of(request)

    def rows() -> Iterator[Sequence[object]]:
        yield EXPORT_COLUMNS
        with engine.connect() as conn, conn.begin():
            yield from store.export_rows(conn, principal, flt)

    name = f"eudr-references-{date.today().isoformat()}.csv"
    return StreamingResponse(csvio.write_rows(rows(), sep, bom=bom),
                             media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


@routes.api("GET", "/api/v1/references.csv", summary="Reference and verification numbers as CSV",
            tags=TAGS, params=(*FILTERS, Param("sep", description="';' (default), ',' or tab"),
                               Param("bom", description="true: start with a UTF-8 BOM (Excel)")),
            response={"type": "string"}, response_content_types=("text/csv",))
async def references_csv(request: Request) -> Response:
    principal = await auth.require(request)
    say.use(principal)
    flt = _filter(request)
    sep = csvio.separator_param(request.query_params.get("sep"))
    return _stream_csv(request, principal, flt, sep, params.flag(request.query_params, "bom"))


@routes.api("GET", "/api/v1/references", summary="Reference and verification numbers as JSON",
            tags=TAGS, params=(*FILTERS, Param("limit", schema={"type": "integer"}),
                               Param("offset", schema={"type": "integer"})),
            response={"type": "object", "properties": {
                "items": {"type": "array", "items": ROW_SCHEMA},
                "next_offset": {"type": "integer", "nullable": True}}})
async def references_json(request: Request) -> Response:
    principal = await auth.require(request)
    say.use(principal)
    flt = _filter(request)
    limit = query.integer(request.query_params, "limit", 1000, 1, 10_000)
    offset = query.integer(request.query_params, "offset", 0, 0, 10_000_000)

    def fetch(conn: Connection) -> list[tuple[Any, ...]]:
        return list(store.export_rows(conn, principal, flt, limit=limit + 1, offset=offset))

    rows = await db(request, fetch)
    items = [{c: (v.isoformat() if isinstance(v, date) else v)
              for c, v in zip(EXPORT_COLUMNS, row, strict=True)} for row in rows[:limit]]
    return JSONResponse({"items": items,
                         "next_offset": offset + limit if len(rows) > limit else None})


async def _resolver(request: Request, principal: Principal, cas: Sequence[str]
                    ) -> dict[str, Resolution]:
    return await db(request, store.resolve, principal, cas)


async def _lookup_response(request: Request, principal: Principal, raw: bytes,
                           encoding: str | None) -> Response:
    table = lookup.parse(raw, encoding)
    answers = await _resolver(request, principal, lookup.wanted(table))
    out, counts = lookup.answer(table, answers)
    summary = ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
    return StreamingResponse(csvio.write_rows(out, table.separator),
                             media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition":
                                      'attachment; filename="eudr-lookup.csv"',
                                      "X-Lookup-Summary": summary})


async def _upload(request: Request, field: str = "file") -> bytes:
    """The raw body, or the file of a multipart body (``curl -F file=@list.csv``)."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        return await request.body()
    async with upload_form(request, max_files=1000, max_fields=1000) as form:
        upload = form.get(field)
        if not isinstance(upload, UploadFile):
            raise BadRequest(f"Attach the file in the form field '{field}'.", code="no_file")
        return await upload.read()


@routes.api("POST", "/api/v1/references/lookup",
            summary="CSV of CA numbers in, the same CSV with the number pair and a status out",
            tags=TAGS, params=(Param("encoding", description="utf-8 (default) or windows-1257"),),
            body={"type": "string"}, body_content_type="text/csv",
            response={"type": "string"}, response_content_types=("text/csv",))
async def references_lookup(request: Request) -> Response:
    principal = await auth.require(request)
    say.use(principal)
    raw = await _upload(request)
    return await _lookup_response(request, principal, raw, request.query_params.get("encoding"))


async def _enrich_response(request: Request, principal: Principal, raw: bytes,
                           mapping_name: str, report: bool) -> Response:
    tree = await in_thread(xmlsafe.parse, raw)
    where = await in_thread(splice.layout, tree, raw)
    if mapping_name == doc_mappings.AUTO:
        chosen = auto.MAPPING
        candidates = await in_thread(auto.candidates, tree)
        answers = await _resolver(request, principal, candidates)
        found = await in_thread(auto.scan, tree, answers)
    else:
        chosen = await db(request, doc_mappings.resolve, principal, mapping_name)
        found = await in_thread(enrich.scan, tree, chosen)
        answers = await _resolver(request, principal, found.wanted)
    edits, results = enrich.apply(found, chosen, where, answers)
    headers = {"X-Unresolved": enrich.summary(results)}
    if report:
        return JSONResponse({"mapping": chosen.name, "summary": headers["X-Unresolved"],
                             "items": [r.as_json() for r in results]}, headers=headers)
    headers["Content-Disposition"] = 'attachment; filename="enriched.xml"'
    return Response(splice.apply_edits(raw, edits), media_type="application/xml",
                    headers=headers)


@routes.api("POST", "/api/v1/documents/enrich",
            summary="XML business document in, the same document with the number pairs added",
            tags=TAGS, params=(
                Param("mapping", description=f"XML mapping: built-in (default "
                      f"{mapping.DEFAULT_MAPPING}), your own uploaded one, or auto (any text "
                      "or attribute equal to one of your CA numbers)"),
                Param("report", description="json: a per-item JSON report instead of the XML")),
            body={"type": "string"}, body_content_type="application/xml",
            response={"type": "string"}, response_content_types=("application/xml",))
async def documents_enrich(request: Request) -> Response:
    principal = await auth.require(request)
    say.use(principal)
    raw = await _upload(request)
    q = request.query_params
    return await _enrich_response(request, principal, raw,
                                  q.get("mapping") or mapping.DEFAULT_MAPPING,
                                  q.get("report") == "json")


VERIFY_ANSWER: dict[str, Any] = {"type": "object", "properties": {
    "result": {"type": "string",
               "enum": ["EXISTING_USABLE", "EXISTING_NON_USABLE", "NON_EXISTENT"]},
    "status": {"type": "string", "nullable": True},
    "date_time": {"type": "string", "format": "date-time"},
    "source": {"type": "string"}}}


@routes.api("GET", "/api/v1/verify", summary="Is a reference/verification pair usable?",
            tags=TAGS, params=(Param("reference", required=True),
                               Param("verification", required=True),
                               Param("source", description="records (default) or traces")),
            response=VERIFY_ANSWER)
async def verify_pair(request: Request) -> Response:
    """Whoever presents both numbers learns the state; throttled per token and IP, logged."""
    principal = await auth.require(request)
    say.use(principal)
    q = request.query_params
    reference, verification = verify.check_pair(q.get("reference"), q.get("verification"))
    source = q.get("source") or "records"
    caller = throttle.caller_of(request, principal)
    limits = settings_of(request).verify
    if source == "records":
        found = await db(request, pairs.verify_pairs, caller, limits, "get",
                         [(reference, verification)])
        return JSONResponse(verify.answer_of(found[0].found))
    if source == "traces":
        service = verify.traces_service(request.app.state)
        await db(request, throttle.check, caller, limits)
        answer = await in_thread(verify.from_traces, service, reference, verification)
        await db(request, throttle.record, caller, "get", "traces", [throttle.Logged(
            reference, str(answer["result"]), _text_or_none(answer["status"]), None)])
        return JSONResponse(answer)
    raise BadRequest(f"source={source!r} is not known; use records or traces.",
                     code="invalid_source")


@routes.page("GET", "/verify")
async def verify_page(request: Request) -> Response:
    """The page a pair's QR code opens: the same answer, throttle and log as the API."""
    principal = await auth.require(request)
    say.use(principal)
    q = request.query_params
    answer = None
    if q.get("reference") or q.get("verification"):
        reference, verification = verify.check_pair(q.get("reference"), q.get("verification"))
        found = await db(request, pairs.verify_pairs, throttle.caller_of(request, principal),
                         settings_of(request).verify, "get", [(reference, verification)])
        answer = verify.answer_of(found[0].found)
    return render(request, "verify.html", {"principal": principal, "answer": answer,
                                           "reference": q.get("reference", ""),
                                           "verification": q.get("verification", "")})


def _text_or_none(value: object) -> str | None:
    return None if value is None else str(value)


@routes.api("POST", "/api/v1/verify",
            summary="CSV of reference/verification pairs in, one verification result per row",
            tags=TAGS, params=(Param("encoding", description="utf-8 (default) or windows-1257"),
                               Param("f", description="csv (default) or json")),
            body={"type": "string"}, body_content_type="text/csv",
            response={"type": "string"}, response_content_types=("text/csv",
                                                                 "application/json"))
async def verify_csv(request: Request) -> Response:
    principal = await auth.require(request)
    say.use(principal)
    q = request.query_params
    if (q.get("source") or "records") != "records":
        raise BadRequest("A CSV of pairs is verified against our records only; ask TRACES one "
                         "pair at a time with GET /api/v1/verify?source=traces.",
                         code="invalid_source")
    fmt = q.get("f") or "csv"
    if fmt not in ("csv", "json"):
        raise BadRequest(f"f={fmt!r} is not known; use csv or json.", code="invalid_format")
    raw = await _upload(request)
    table = await in_thread(pairs_csv.parse, raw, q.get("encoding"), principal.language)
    results = await db(request, pairs.verify_pairs, throttle.caller_of(request, principal),
                       settings_of(request).verify, "csv", table.pairs())
    counts: dict[str, int] = {}
    for r in results:
        counts[r.result] = counts.get(r.result, 0) + 1
    summary = ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
    if fmt == "json":
        return JSONResponse({"summary": counts, "items": [
            {"row": i + 1, **r.as_json()} for i, r in enumerate(results)]},
            headers={"X-Verify-Summary": summary})
    return StreamingResponse(csvio.write_rows(pairs_csv.answer(table, results), table.separator),
                             media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition":
                                      'attachment; filename="eudr-verify.csv"',
                                      "X-Verify-Summary": summary})


STATEMENT = Param("id", "path", "Statement id")
BUYERS_SCHEMA: dict[str, Any] = {"type": "object", "properties": {
    "statement_id": {"type": "string"}, "buyers": {"type": "array", "items": {"type": "string"}}}}


@routes.api("GET", "/api/v1/statements/{id}/buyers", summary="Buyers a statement is shared with",
            tags=TAGS, params=(STATEMENT,), response=BUYERS_SCHEMA)
async def get_buyers(request: Request) -> Response:
    principal = await auth.require(request)
    say.use(principal)
    sid = request.path_params["id"]
    listed = await db(request, buyers.buyers_of, principal, sid)
    return JSONResponse({"statement_id": sid, "buyers": listed})


@routes.api("PUT", "/api/v1/statements/{id}/buyers", summary="Replace a statement's buyers",
            tags=TAGS, params=(STATEMENT,), body=BuyerList, response=BUYERS_SCHEMA)
async def put_buyers(request: Request) -> Response:
    principal = await auth.require(request, roles=EDITORS)
    say.use(principal)
    body = await parse_json(request, BuyerList)
    sid = request.path_params["id"]
    listed = await db(request, buyers.replace_buyers, principal, sid, body.buyers)
    return JSONResponse({"statement_id": sid, "buyers": listed})


SCREEN_ROWS = 200


async def _page(request: Request, principal: Principal, *, errors: dict[str, str] | None = None,
                status: int = 200) -> Response:
    """The page with the first pairs on screen; a refused upload's message beside its form."""

    def fetch(conn: Connection) -> list[tuple[Any, ...]]:
        return list(store.export_rows(conn, principal, ExportFilter(), limit=SCREEN_ROWS + 1))

    rows = await db(request, fetch)
    pairs = [dict(zip(EXPORT_COLUMNS, row, strict=True)) for row in rows[:SCREEN_ROWS]]
    own = [m["name"] for m in await db(request, doc_mappings.listing, principal)]
    return render(request, "references.html", {
        "principal": principal, "mappings": [*mapping.available(), doc_mappings.AUTO, *own],
        "statuses": params.EXPORT_STATUSES, "max_rows": csvio.MAX_ROWS, "pairs": pairs,
        "more_pairs": len(rows) > SCREEN_ROWS, "errors": errors or {}}, status=status)


def _refused(request: Request, error: GeoserviceError) -> str:
    return str(error_body(error, language(request))["error"]["message"])


@routes.page("GET", "/references")
async def references_page(request: Request) -> Response:
    principal = await auth.require(request)
    say.use(principal)
    return await _page(request, principal)


@dataclass
class _Submitted:
    """A page form read and closed: its text fields and the uploaded file, if any."""

    fields: dict[str, list[str]]
    file: bytes | None

    def text(self, name: str) -> str:
        return (self.fields.get(name) or [""])[0].strip()

    def upload(self) -> bytes:
        if not self.file:
            raise BadRequest("Choose a file to upload.", code="no_file")
        return self.file


async def _form(request: Request) -> tuple[Principal, _Submitted]:
    async with upload_form(request, max_files=1000, max_fields=1000) as form:
        fields: dict[str, list[str]] = {}
        upload: bytes | None = None
        for key, value in form.multi_items():
            if isinstance(value, str):
                fields.setdefault(key, []).append(value)
            elif key == "file" and value.filename:
                upload = await value.read()
    token = (fields.get("csrf_token") or [""])[0] or None
    principal = await auth.require(request, form_token=token)
    say.use(principal)
    return principal, _Submitted(fields, upload)


@routes.page("POST", "/references/download")
async def references_download(request: Request) -> Response:
    principal, form = await _form(request)
    say.use(principal)
    flt = params.export_filter({k: form.text(k) for k in ("from", "to")},
                               {k: form.fields.get(k, []) for k in ("ca", "status")})
    sep = csvio.separator_param(form.text("sep") or None)
    return _stream_csv(request, principal, flt, sep, bom=True)


@routes.page("POST", "/references/lookup")
async def references_lookup_form(request: Request) -> Response:
    principal, form = await _form(request)
    try:
        return await _lookup_response(request, principal, form.upload(),
                                      form.text("encoding") or None)
    except GeoserviceError as exc:  # the page again, the message beside the form
        if exc.status >= 500:
            raise
        return await _page(request, principal, errors={"lookup": _refused(request, exc)},
                           status=exc.status)


@routes.page("POST", "/references/enrich")
async def references_enrich_form(request: Request) -> Response:
    principal, form = await _form(request)
    try:
        return await _enrich_response(request, principal, form.upload(),
                                      form.text("mapping") or mapping.DEFAULT_MAPPING, False)
    except GeoserviceError as exc:
        if exc.status >= 500:
            raise
        return await _page(request, principal, errors={"enrich": _refused(request, exc)},
                           status=exc.status)
