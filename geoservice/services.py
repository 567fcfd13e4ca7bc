"""Which background services `make run` starts beside the web server, and its banner.

``python -m geoservice.services`` prints the commands (one per line); ``--banner`` prints how
to log in; ``--ports`` the ports that must be free (host, port, the setting that names it).
Services appear here as their commands land (the worker, the TRACES simulator).
"""

from __future__ import annotations

import sys

from geoservice.accounts.demo import DEMO_ORGS, DEMO_PASSWORD, demo_email
from geoservice.certificates.demo import TRY_ADDING
from geoservice.cli.main import build_parser
from geoservice.settings import load_settings


def background_commands() -> list[str]:
    settings = load_settings()
    parser = build_parser()
    action = parser._subparsers._group_actions[0] if parser._subparsers else None
    commands = set(getattr(action, "choices", None) or ())
    wanted = []
    if not settings.traces.url and "traces-sim" in commands:
        wanted.append("traces-sim")
    if "worker" in commands:
        wanted.append("worker")
    return wanted


def ports() -> list[tuple[str, int, str]]:
    """(host, port, what) that `make run` listens on: they must be free when it starts."""
    settings = load_settings()
    any_address = ("0.0.0.0", "::", "")  # noqa: S104 - compared with, not bound to
    host = "127.0.0.1" if settings.web.host in any_address else settings.web.host
    wanted = [(host, settings.web.port, "GEOSERVICE_PORT")]
    if "traces-sim" in background_commands():
        wanted.append(("127.0.0.1", settings.traces.simulator_port,
                       "GEOSERVICE_TRACES_SIMULATOR_PORT"))
    return wanted


def banner() -> str:
    settings = load_settings()
    lines = [
        "",
        f"  geoservice is starting on http://{settings.web.host}:{settings.web.port}",
        f"  API documentation: http://{settings.web.host}:{settings.web.port}/api/v1/docs",
        f"  Demo logins (password for all: {DEMO_PASSWORD}):",
    ]
    for org in DEMO_ORGS:
        lines.append(f"    {org.name}:")
        for role in org.roles:
            lines.append(f"      {demo_email(role, org):38} {role}")
    lines.append("  Try adding a certificate by CA number (Pievienot jaunu apliecinājumu): "
                 + ", ".join(TRY_ADDING) + "; `geoservice vmd-sim list` shows every designed case")
    if not settings.traces.url:
        lines.append("  TRACES: built-in simulator (results are labelled simulated)")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if "--banner" in sys.argv:
        print(banner())
    elif "--ports" in sys.argv:
        print("\n".join(f"{host} {port} {what}" for host, port, what in ports()))
    else:
        print("\n".join(background_commands()))
