"""Sharing a pair the way people do: a QR code (segno) of the verification URL and the numbers.

The URL is this service's verification page with both numbers in it, so whoever scans it (and
logs in) sees the state of the statement; the numbers are printed beside the code for copying.
segno writes the code as inline SVG: no image files, nothing for the content policy to block.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import segno
from starlette.requests import Request

from geoservice.web.context import settings_of


@dataclass(frozen=True)
class PairCode:
    reference_number: str
    verification_number: str
    url: str
    svg: str


def verification_url(request: Request, reference: str, verification: str) -> str:
    base = settings_of(request).web.base_url.rstrip("/") or str(request.base_url).rstrip("/")
    return f"{base}/verify?{urlencode({'reference': reference, 'verification': verification})}"


def pair_code(request: Request, reference: str | None, verification: str | None
              ) -> PairCode | None:
    """The QR block of a pair, or None while the statement has no numbers."""
    if not reference or not verification:
        return None
    url = verification_url(request, reference, verification)
    code = segno.make(url, error="m")
    # The quiet zone of 4 modules the QR standard asks for, on white whatever the page colour.
    svg = code.svg_inline(scale=4, border=4, light="#fff",
                          title=f"{reference} / {verification}")
    return PairCode(reference, verification, url, svg)
