"""Reading request bodies into pydantic models with clear 4xx answers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from geoservice.errors import BadRequest, UnsupportedMediaType, ValidationFailed

M = TypeVar("M", bound=BaseModel)


def validation_details(exc: ValidationError) -> list[dict[str, object]]:
    """Pydantic's errors as ``{"field": "a.b", "message": …}`` a person can act on."""
    details: list[dict[str, object]] = []
    for err in exc.errors(include_url=False, include_context=False):
        field = ".".join(str(p) for p in err["loc"])
        details.append({"field": field, "message": err["msg"], "type": err["type"]})
    return details


def model_from(data: object, model: type[M]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = validation_details(exc)
        first = details[0]
        error = ValidationFailed(
            f"{first['field'] or 'body'}: {first['message']}"
            + (f" (and {len(details) - 1} more)" if len(details) > 1 else ""),
            details=details,
        )
        # translated when answered (geoservice.web.error_text), in the caller's language
        error.validation_errors = [dict(e) for e in exc.errors(include_url=False)]
        raise error from None


async def read_json(request: Request) -> object:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("application/json", "application/geo+json", ""):
        raise UnsupportedMediaType(
            f"Send JSON (Content-Type: application/json), not {content_type}.")
    raw = await request.body()
    if not raw.strip():
        raise BadRequest("The request body is empty; send a JSON object.", code="empty_body")
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        raise BadRequest("The body is not UTF-8 text.", code="malformed_json") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"The body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.",
            code="malformed_json",
        ) from None


async def parse_json(request: Request, model: type[M]) -> M:
    return model_from(await read_json(request), model)


class _ClosingMultiPartParser(MultiPartParser):
    """Starlette's parser, which closes the files it spooled when the input is malformed, made to
    close them on any failure: a full disk while spooling must not leave a half-written file
    holding space until the garbage collector finds it."""

    async def parse(self) -> FormData:
        try:
            return await super().parse()
        except BaseException:
            for file in getattr(self, "_files_to_close_on_error", ()):
                file.close()
            raise


@asynccontextmanager
async def upload_form(request: Request, *, max_files: int = 1,
                      max_fields: int = 5) -> AsyncIterator[FormData]:
    """``request.form()`` for file uploads (parts over 1 MB are spooled to TMPDIR): the form's
    files are closed afterwards, and also when reading the upload fails half-way."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        async with request.form(max_files=max_files, max_fields=max_fields) as form:
            yield form
        return
    parser = _ClosingMultiPartParser(request.headers, request.stream(), max_files=max_files,
                                     max_fields=max_fields)
    try:
        form = await parser.parse()
    except MultiPartException as exc:  # as Starlette answers it
        raise HTTPException(status_code=400, detail=exc.message) from None
    try:
        yield form
    finally:
        await form.close()
