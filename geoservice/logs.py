"""Logging set-up shared by every process: plain lines, or JSON lines with the request id.

``GEOSERVICE_LOG_FORMAT=json`` gives one JSON object per line (``ts``, ``level``, ``logger``,
``message``, ``pid``, ``request_id`` when inside a request, the record's ``extra={"fields": {…}}``
and ``exc`` for tracebacks), which log
shippers read without parsing rules. The request id travels in a context variable set by the
request-id middleware, so lines logged anywhere during the request carry it.
"""

from __future__ import annotations

import json
import logging
import os
from contextvars import ContextVar
from datetime import UTC, datetime

current_request_id: ContextVar[str | None] = ContextVar("geoservice_request_id", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": os.getpid(),
        }
        rid = getattr(record, "request_id", None) or current_request_id.get()
        if rid:
            entry["request_id"] = rid
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str, fmt: str = "text") -> None:
    """Root logging for this process; repeated calls replace the handler instead of adding one."""
    root = logging.getLogger()
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    for old in [h for h in root.handlers if getattr(h, "_geoservice", False)]:
        root.removeHandler(old)
    handler._geoservice = True  # type: ignore[attr-defined]
    if not any(not getattr(h, "_geoservice", False) for h in root.handlers):
        root.addHandler(handler)
    root.setLevel(level.upper())
