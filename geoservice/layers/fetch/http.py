"""HTTP for fetching layers: timeouts, retries with backoff on what a retry can fix, validators.

Timeouts, refused connections, 5xx and 429 answers, and pages that arrive truncated or as an
HTML error page are retried (``backoff``, doubling); a 4xx or an OWS exception report is not:
the request itself is wrong. Every message names the source and what was asked of it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests

from geoservice import __version__
from geoservice.errors import GeoserviceError
from geoservice.layers.gml import PageError

log = logging.getLogger(__name__)
T = TypeVar("T")


class FetchFailed(GeoserviceError):
    """A source that did not answer usably; nothing was registered."""

    status, code = 502, "layer_fetch_failed"
    default_message = "The layer source did not answer usably; nothing was registered."


@dataclass
class Client:
    timeout: float = 60.0
    retries: int = 5
    backoff: float = 2.0
    sleep: Callable[[float], None] = time.sleep
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        self.session.headers.setdefault("User-Agent", f"geoservice/{__version__} (layers fetch)")

    def fetch(self, url: str, params: dict[str, Any] | None, *, what: str,
              parse: Callable[[requests.Response], T],
              headers: dict[str, str] | None = None) -> T:
        """GET ``url`` and ``parse`` the answer, retrying what a retry can fix."""
        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                wait = self.backoff * 2 ** (attempt - 1)
                log.warning("%s: %s; retry %d of %d in %.1f s", what, problem, attempt,
                            self.retries, wait)
                self.sleep(wait)
            try:
                response = self.session.get(url, params=params, timeout=self.timeout,
                                            headers=headers)
            except requests.Timeout:
                problem = f"no answer within {self.timeout:g} s"
                continue
            except requests.RequestException as exc:
                problem = f"no answer ({_reason(exc)})"
                continue
            if response.status_code >= 500 or response.status_code == 429:
                problem = f"HTTP {response.status_code} {response.reason}"
                continue
            if response.status_code >= 400 and not _is_xml(response):
                raise FetchFailed(f"{what} was refused: HTTP {response.status_code} "
                                  f"{response.reason}: {_snippet(response)}")
            try:
                return parse(response)
            except PageError as exc:
                if not exc.retry:
                    raise FetchFailed(f"{what}: {exc}", code=exc.code) from exc
                problem = str(exc)
            except requests.RequestException as exc:  # body cut off while reading
                problem = f"the answer was cut off ({_reason(exc)})"
        raise FetchFailed(f"{what}: {problem} (gave up after {self.retries + 1} attempts; "
                          "run the same command again to resume)")


def _reason(exc: BaseException) -> str:
    text = str(exc)
    return (text[:160] + "…") if len(text) > 160 else text or exc.__class__.__name__


def _is_xml(response: requests.Response) -> bool:
    kind = response.headers.get("Content-Type", "")
    return "xml" in kind


def _snippet(response: requests.Response) -> str:
    body = response.text.strip().replace("\n", " ")
    return (body[:200] + "…") if len(body) > 200 else body or "(empty body)"


def validators(response: requests.Response) -> dict[str, str | None]:
    return {"etag": response.headers.get("ETag"),
            "last_modified": response.headers.get("Last-Modified")}
