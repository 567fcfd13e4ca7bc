"""HTTP-only behaviour of VmdHttpClient: retries, timeouts, credentials, broken answers."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geoservice.vmd.client import VmdHttpClient
from geoservice.vmd.errors import CertificateNotFound, VmdBadAnswer, VmdUnavailable
from geoservice.vmd.simulator import VmdSimulator
from geoservice.vmd.stub_server import serve
from geoservice.vmd.wire import certificate_to_geojson

NUMBER = "2622530058"


def test_http_answer_equals_the_simulator_certificate() -> None:
    simulator = VmdSimulator()
    with serve(simulator, credentials=("geoservice", "s3cret")) as url:
        client = VmdHttpClient(url, "geoservice", "s3cret", timeout=2, retries=0)
        assert client.fetch(NUMBER) == simulator.fetch(NUMBER)
    assert client.simulated is False


def test_transient_failures_are_retried_until_success() -> None:
    simulator = VmdSimulator(fail_with=VmdUnavailable("busy"), fail_times=2)
    with serve(simulator) as url:
        certificate = VmdHttpClient(url, retries=3, backoff=0.01).fetch(NUMBER)
    assert certificate.ca_number == NUMBER
    assert simulator.calls == 3


def test_retries_give_up_with_a_clear_reason() -> None:
    simulator = VmdSimulator(fail_with=VmdUnavailable("database down"))
    with serve(simulator) as url, pytest.raises(VmdUnavailable) as caught:
        VmdHttpClient(url, retries=2, backoff=0.01).fetch(NUMBER)
    assert simulator.calls == 3
    assert "HTTP 503" in str(caught.value) and "database down" in str(caught.value)
    assert "tried 3 times" in str(caught.value)
    assert caught.value.retryable


def test_slow_vmd_times_out_and_is_retried() -> None:
    simulator = VmdSimulator(delay=0.6)
    started = time.monotonic()
    with serve(simulator) as url, pytest.raises(VmdUnavailable) as caught:
        VmdHttpClient(url, timeout=0.15, retries=1, backoff=0.01).fetch(NUMBER)
    assert "no answer within 0.15 s" in str(caught.value)
    assert simulator.calls == 2
    assert time.monotonic() - started < 3


def test_wrong_credentials_are_not_retried() -> None:
    simulator = VmdSimulator()
    with (
        serve(simulator, credentials=("geoservice", "right")) as url,
        pytest.raises(VmdUnavailable) as caught,
    ):
        VmdHttpClient(url, "geoservice", "wrong", retries=3, backoff=0.01).fetch(NUMBER)
    assert not caught.value.retryable
    assert "credentials" in str(caught.value)
    assert simulator.calls == 0


def test_nobody_listening_is_unavailable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(VmdUnavailable) as caught:
        VmdHttpClient(f"http://127.0.0.1:{port}", retries=1, backoff=0.01).fetch(NUMBER)
    assert "cannot connect" in str(caught.value)


def test_unsafe_numbers_never_reach_the_network() -> None:
    client = VmdHttpClient("http://127.0.0.1:9", retries=0)
    with pytest.raises(CertificateNotFound, match="not a felling certificate number"):
        client.fetch("../../admin")


def test_base_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="http"):
        VmdHttpClient("ftp://vmd.example")


@contextmanager
def canned(status: int, body: bytes, headers: dict[str, str] | None = None) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 that always answers the same bytes."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            self.send_response(status)
            for key, value in (headers or {"Content-Type": "application/json"}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _answer(**changes: Any) -> bytes:
    doc = certificate_to_geojson(VmdSimulator().fetch(NUMBER))
    doc.update(changes)
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (200, b"<html>maintenance</html>", "not JSON"),
        (200, b'{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
        (200, _answer(certificate={"izsn_dat": "2026-02-03"}), "certificate.ca_nr is missing"),
        (200, _answer(certificate={"ca_nr": "2622530059"}), "got '2622530059'"),
        (200, _answer(features=[]), "no felling areas"),
        (200, _answer(crs={"type": "name", "properties": {"name": "EPSG:3857"}}), "EPSG:3857"),
        (418, b'{"error": {"code": "teapot", "message": "I am a teapot"}}', "I am a teapot"),
    ],
)
def test_broken_answers_are_bad_answers(status: int, body: bytes, message: str) -> None:
    with canned(status, body) as url, pytest.raises(VmdBadAnswer) as caught:
        VmdHttpClient(url, retries=0).fetch(NUMBER)
    assert message in str(caught.value)
    assert caught.value.message_lv


def test_bad_felling_type_is_named() -> None:
    doc = certificate_to_geojson(VmdSimulator().fetch(NUMBER))
    doc["features"][1]["properties"]["cirtes_veids"] = "kailcirte"
    with canned(200, json.dumps(doc).encode()) as url, pytest.raises(VmdBadAnswer) as caught:
        VmdHttpClient(url, retries=0).fetch(NUMBER)
    assert "features[1].properties.cirtes_veids 'kailcirte'" in str(caught.value)


def test_retry_after_is_honoured_within_max_wait() -> None:
    with canned(503, b"{}", {"Retry-After": "120"}) as url:
        started = time.monotonic()
        with pytest.raises(VmdUnavailable):
            VmdHttpClient(url, retries=1, max_wait=0.2).fetch(NUMBER)
    assert 0.2 <= time.monotonic() - started < 2


def test_wgs84_answers_are_reprojected_to_lks92() -> None:
    expected = VmdSimulator().fetch(NUMBER)
    doc = certificate_to_geojson(expected)
    del doc["crs"]
    to_wgs84 = Transformer.from_crs(3059, 4326, always_xy=True)
    for feature in doc["features"]:
        geometry = shapely.geometry.shape(feature["geometry"])
        lonlat = shapely.transform(
            geometry, lambda xy: np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1]))
        )
        assert 25 < lonlat.bounds[0] < 26 and 56 < lonlat.bounds[1] < 58
        feature["geometry"] = shapely.geometry.mapping(lonlat)
    with canned(200, json.dumps(doc).encode()) as url:
        got = VmdHttpClient(url, retries=0).fetch(NUMBER)
    for a, b in zip(got.areas, expected.areas, strict=True):
        assert shapely.hausdorff_distance(a.geometry, b.geometry) < 0.01
