"""Client plumbing: base URL, headers sent, pacing, transport errors."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from geoservice.traces import errors as err
from geoservice.traces.client import TracesClient, _Pacer
from geoservice.traces.protocol import TracesService


class Recorder:
    """A session that records the request and answers with a canned response or error."""

    def __init__(self, status: int = 200, content: bytes = b"", error: Exception | None = None):
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.status, self.content, self.error = status, content, error

    def post(self, url: str, **kwargs: Any) -> Any:
        self.calls.append((url, kwargs))
        if self.error is not None:
            raise self.error
        return type("R", (), {"status_code": self.status, "content": self.content, "headers": {}})()


EMPTY_OVERVIEW = (
    b'<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>'
    b'<d:GetDdsByInternalReferenceResponse xmlns:d="http://ec.europa.eu/tracesnt/certificate/eudr/'
    b'due-diligence-statement/v3"/></S:Body></S:Envelope>'
)


def test_url_headers_and_timeout() -> None:
    session = Recorder(content=EMPTY_OVERVIEW)
    client = TracesClient(
        "https://acceptance.eudr.webcloud.ec.europa.eu/tracesnt",
        "u",
        "k",
        "eudr-test",
        timeout=12,
        session=session,
    )
    assert isinstance(client, TracesService) and client.simulated is False
    assert client.get_dds_by_internal_reference("GS-1") == []
    url, kwargs = session.calls[0]
    assert (
        url
        == "https://acceptance.eudr.webcloud.ec.europa.eu/tracesnt/ws/EUDRDueDiligenceStatementServiceV3"
    )
    assert (
        kwargs["headers"]["SOAPAction"]
        == '"http://ec.europa.eu/tracesnt/certificate/eudr/due-diligence-statement/v3/getDdsByInternalReference"'
    )
    assert kwargs["headers"]["Content-Type"].startswith("text/xml")
    assert kwargs["timeout"] == 12
    assert b"<dds:internalReference>GS-1</dds:internalReference>" in kwargs["data"]
    assert "k" not in repr(client).replace("tracesnt", "")


def test_base_url_must_stop_at_tracesnt() -> None:
    with pytest.raises(ValueError, match="tracesnt"):
        TracesClient(
            "https://x/tracesnt/ws/EUDRDueDiligenceStatementServiceV3",
            "u",
            "k",
            "c",
            session=Recorder(),
        )


@pytest.mark.parametrize(
    ("error", "maybe_applied"),
    [
        (requests.exceptions.ConnectTimeout("connect"), False),
        (requests.exceptions.ReadTimeout("read"), True),
        (requests.exceptions.ConnectionError("reset"), True),
    ],
)
def test_transport_errors_are_retryable(error: Exception, maybe_applied: bool) -> None:
    client = TracesClient("http://x/tracesnt/", "u", "k", "c", session=Recorder(error=error))
    with pytest.raises(err.TracesUnavailable) as caught:
        client.withdraw_dds("071874bd-8c62-4cac-8eb6-b2fbe003410c")
    assert caught.value.retryable and caught.value.maybe_applied is maybe_applied


def test_pacer_spaces_calls() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)

    pacer = _Pacer(4, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        pacer.wait()
    assert slept == [pytest.approx(0.25), pytest.approx(0.5)]
    _Pacer(None, sleep=sleep).wait()
    assert len(slept) == 2
