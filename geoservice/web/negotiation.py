"""Format negotiation in one place: ``?f=`` wins over the Accept header."""

from __future__ import annotations

from starlette.requests import Request

from geoservice.errors import NotAcceptable

MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "geojson": "application/geo+json",
    "html": "text/html",
    "csv": "text/csv",
    "gml": "application/gml+xml",
    "xml": "application/xml",
    "mvt": "application/vnd.mapbox-vector-tile",
}
_ALIASES = {"application/json": "json", "application/geo+json": "geojson", "text/html": "html",
            "text/csv": "csv", "application/gml+xml": "gml", "application/xml": "xml",
            "text/xml": "xml", "application/vnd.mapbox-vector-tile": "mvt"}


def _accept(header: str) -> list[tuple[float, str]]:
    ranked: list[tuple[float, str]] = []
    for index, part in enumerate(header.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        ranked.append((q - index * 1e-6, media.lower()))
    return sorted(ranked, reverse=True)


def negotiate(request: Request, available: tuple[str, ...], default: str | None = None) -> str:
    """The format to answer in, among ``available`` (names like 'json', 'html', 'geojson')."""
    wanted = request.query_params.get("f")
    if wanted:
        wanted = wanted.lower()
        if wanted in available:
            return wanted
        raise NotAcceptable(
            f"Format f={wanted!r} is not available here; choose one of: {', '.join(available)}.",
            code="format_not_available",
        )
    header = request.headers.get("accept", "")
    for q, media in _accept(header):
        if q <= 0:
            continue
        name = _ALIASES.get(media)
        if name in available:
            return name
        if media in ("*/*", "application/*") or (media == "text/*" and "html" in available):
            break
    return default or available[0]


def asks_for_json(request: Request) -> bool:
    """The client named JSON before HTML (``?f=json`` too); ``*/*`` alone is not asking."""
    if request.query_params.get("f") in ("json", "geojson"):
        return True
    for q, media in _accept(request.headers.get("accept", "")):
        if q <= 0:
            continue
        if media in ("application/json", "application/geo+json"):
            return True
        if media == "text/html":
            return False
    return False


def prefers_html(request: Request) -> bool:
    """A browser navigating (Accept lists text/html before JSON)."""
    for q, media in _accept(request.headers.get("accept", "")):
        if q <= 0:
            continue
        if media == "text/html":
            return True
        if media in ("application/json", "application/geo+json"):
            return False
    return False
