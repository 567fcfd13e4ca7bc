"""HTTP client for a future VMD certificate interface (contract in ``geoservice.vmd.wire``).

``GET {base_url}/certificates/{ca_number}`` with HTTP Basic authentication and
``Accept: application/geo+json``. 200 carries the certificate as a GeoJSON FeatureCollection;
404 means the number is unknown; 401/403 mean the service's credentials are wrong (retrying will
not help); 429, 5xx, timeouts and connection failures are retried with exponential backoff
(``backoff`` × 2^attempt seconds, or the server's ``Retry-After`` up to ``max_wait``), then
reported as ``VmdUnavailable``. Anything else is ``VmdBadAnswer``.
"""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import quote

import requests

from geoservice.certificates.model import Certificate
from geoservice.vmd.errors import CertificateNotFound, VmdBadAnswer, VmdUnavailable
from geoservice.vmd.wire import certificate_from_geojson

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
# Not the (unpublished) VMD format, only what can travel safely in a URL path segment.
CA_NUMBER_SYNTAX = re.compile(r"^[0-9A-Za-z][0-9A-Za-z./-]{0,39}$")


class VmdHttpClient:
    """A :class:`~geoservice.vmd.protocol.VmdSource` over HTTP."""

    simulated = False

    def __init__(
        self,
        base_url: str,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_wait: float = 30.0,
        session: requests.Session | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"VMD base URL must start with http:// or https://, got {base_url!r}")
        if retries < 0:
            raise ValueError(f"retries must be 0 or more, got {retries}")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.session = session or requests.Session()
        if username is not None:
            self.session.auth = (username, password or "")

    def fetch(self, ca_number: str) -> Certificate:
        number = ca_number.strip()
        if not CA_NUMBER_SYNTAX.match(number):
            raise CertificateNotFound(ca_number, "only letters, digits, '.', '/' and '-' fit")
        url = f"{self.base_url}/certificates/{quote(number, safe='')}"
        response = self._get(url)
        if response.status_code == 404:
            raise CertificateNotFound(number)
        if response.status_code in (401, 403):
            raise VmdUnavailable(
                f"VMD refused the service's credentials (HTTP {response.status_code})",
                retryable=False,
            )
        if response.status_code != 200:
            raise VmdBadAnswer(f"unexpected HTTP {response.status_code}: {_snippet(response)}")
        try:
            doc: Any = response.json()
        except ValueError:
            raise VmdBadAnswer(f"the answer is not JSON: {_snippet(response)}") from None
        return certificate_from_geojson(doc, number)

    def _get(self, url: str) -> requests.Response:
        """GET with retries; returns the first answer that is not worth retrying."""
        reason = ""
        for attempt in range(self.retries + 1):
            wait = self.backoff * 2**attempt
            try:
                response = self.session.get(
                    url, timeout=self.timeout, headers={"Accept": "application/geo+json"}
                )
            except requests.Timeout:
                reason = f"no answer within {self.timeout:g} s"
            except requests.ConnectionError as e:
                reason = f"cannot connect to {self.base_url} ({type(e).__name__})"
            except requests.RequestException as e:
                raise VmdUnavailable(f"request failed ({e})", retryable=False) from None
            else:
                if response.status_code not in RETRY_STATUS:
                    return response
                reason = f"HTTP {response.status_code}: {_snippet(response)}"
                wait = _retry_after(response, wait)
            if attempt < self.retries:
                time.sleep(min(wait, self.max_wait))
        raise VmdUnavailable(f"{reason} (tried {self.retries + 1} times)")


def _retry_after(response: requests.Response, default: float) -> float:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else default


def _snippet(response: requests.Response) -> str:
    """The server's error message if it sent the contract's error shape, else the body start."""
    try:
        body = response.json()
        message = body["error"]["message"]
        if isinstance(message, str):
            return message
    except (ValueError, KeyError, TypeError):
        pass
    return response.text[:200].strip() or "(empty body)"
