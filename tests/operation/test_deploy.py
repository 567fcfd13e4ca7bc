"""docker-compose.yml and the systemd units: every service restarts and has a health check."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import yaml

from geoservice.cli.main import build_parser
from geoservice.settings import ROOT

UNITS = ("geoservice-web.service", "geoservice-worker.service")


def test_every_compose_service_restarts_and_has_a_health_check() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name, service in services.items():
        assert service.get("restart") in ("always", "unless-stopped"), name
        check = service.get("healthcheck", {})
        assert check.get("test") and check.get("retries"), name
    assert "/readyz" in " ".join(services["app"]["healthcheck"]["test"])
    worker = services["worker"]
    heartbeat = worker["command"][worker["command"].index("--heartbeat") + 1]
    assert heartbeat in worker["healthcheck"]["test"][1]
    assert services["worker"]["depends_on"]["app"]["condition"] == "service_healthy"
    # The option the health check relies on exists.
    args = build_parser().parse_args(worker["command"][1:])
    assert args.heartbeat == heartbeat


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(ROOT / "deploy" / name)
    return parser


def test_systemd_units_restart_forever() -> None:
    for name in UNITS:
        unit = _unit(name)
        assert unit["Service"]["Restart"] == "always", name
        assert unit["Unit"]["StartLimitIntervalSec"] == "0", name
        assert unit["Service"]["ExecStart"].split()[1] in ("serve", "worker"), name
        assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    """systemd's own checker, with the install folder pointed at this checkout."""
    for name in UNITS:
        text = (ROOT / "deploy" / name).read_text().replace("/opt/geoservice", str(ROOT))
        (tmp_path / name).write_text(text)
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is part of systemd (scripts/system-deps.sh)"
    done = subprocess.run([analyze, "verify", "--man=no", *(str(tmp_path / n) for n in UNITS)],
                          capture_output=True, text=True, timeout=60,
                          env={"SYSTEMD_LOG_LEVEL": "notice", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0 and "Unknown" not in done.stderr, done.stderr
