"""Where certificates come from: the VMD source chosen by settings, and its errors as HTTP errors.

``GEOSERVICE_VMD_URL`` unset → the built-in simulator; set → the HTTP client with the configured
credentials, timeout and retries. A VMD failure never leaves anything half-saved: the fetch
happens before the transaction that stores the certificate.
"""

from __future__ import annotations

import asyncio

from geoservice.certificates.model import Certificate
from geoservice.errors import GeoserviceError, NotFound, UpstreamTimeout, UpstreamUnavailable
from geoservice.settings import VmdSettings
from geoservice.vmd import CertificateNotFound, VmdBadAnswer, VmdError, VmdSource, VmdUnavailable


class UpstreamBadGateway(GeoserviceError):
    status, code = 502, "vmd_bad_answer"
    default_message = "The State Forest Service sent an answer that cannot be read."


def make_vmd_source(settings: VmdSettings) -> VmdSource:
    """The simulator when no URL is configured, else the HTTP client."""
    if not settings.url:
        from geoservice.vmd.simulator import VmdSimulator

        return VmdSimulator()
    from geoservice.vmd.client import VmdHttpClient

    return VmdHttpClient(
        settings.url, username=settings.username or None,
        password=settings.password.get_secret_value() or None,
        timeout=settings.timeout_seconds, retries=settings.retries,
    )


def deadline_seconds(settings: VmdSettings) -> float:
    """The longest a request waits for VMD: every attempt's timeout plus the backoff waits."""
    attempts = settings.retries + 1
    return float(settings.timeout_seconds * attempts + 0.5 * (2**attempts))


def http_error(error: VmdError) -> GeoserviceError:
    """The HTTP answer for a VMD failure, with the source's message for a person."""
    if isinstance(error, CertificateNotFound):
        return NotFound(error.message, code="vmd_certificate_not_found",
                        details=[{"ca_number": error.ca_number, "message_lv": error.message_lv}])
    details = [{"message_lv": error.message_lv}]
    if isinstance(error, VmdUnavailable):
        if error.reason.startswith("no answer within"):
            return UpstreamTimeout(error.message, code="vmd_timeout", details=details)
        if not error.retryable:
            return UpstreamBadGateway(error.message, code="vmd_unavailable", details=details)
        return UpstreamUnavailable(error.message, code="vmd_unavailable", details=details,
                                   headers={"Retry-After": "30"})
    if isinstance(error, VmdBadAnswer):
        return UpstreamBadGateway(error.message, details=details)
    return UpstreamBadGateway(error.message, code=error.code, details=details)


async def fetch(source: VmdSource, ca_number: str, settings: VmdSettings) -> Certificate:
    """``source.fetch`` off the event loop, within the deadline; VMD errors become HTTP errors."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(source.fetch, ca_number),
                                      timeout=deadline_seconds(settings))
    except TimeoutError:
        raise UpstreamTimeout(
            f"The State Forest Service (VMD) did not answer within "
            f"{deadline_seconds(settings):g} s; nothing was saved. Try again later.",
            code="vmd_timeout") from None
    except VmdError as e:
        raise http_error(e) from None
