"""docker-compose.yml cannot run here (no Docker engine): keep it correct by parsing it."""

from __future__ import annotations

import yaml

from geoservice.settings import ROOT


def test_compose_pins_postgis_and_wires_services() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) >= {"db", "app", "worker"}
    image = services["db"]["image"]
    assert image.startswith("postgis/postgis:15-3") and image.count(":") == 1
    assert "latest" not in image
    for name in ("app", "worker"):
        env = services[name]["environment"]
        assert env["GEOSERVICE_DATABASE_URL"].endswith("@db:5432/geoservice")
        assert "db" in services[name]["depends_on"]
    assert services["app"]["ports"] == ["8000:8000"]
    assert "healthcheck" in services["db"]
    assert services["worker"]["command"][:2] == ["geoservice", "worker"]
