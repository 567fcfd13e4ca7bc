"""Which TRACES endpoint and account a statement goes through, and the client for it.

``GEOSERVICE_TRACES_URL`` unset means the built-in simulator on ``simulator_port`` (statements
are marked simulated). An organisation with its own stored credentials submits as OPERATOR;
otherwise the service acts as REPRESENTATIVE_OPERATOR with the client as represented operator.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection

from geoservice.settings import Settings
from geoservice.statements import credentials
from geoservice.traces.client import TracesClient
from geoservice.traces.protocol import TracesService
from geoservice.traces.simulator import DEFAULT_ACCOUNTS

# TRACES allows 5 calls/s per IP; pacing a little below keeps network jitter from bunching
# six calls into one second of the server's window.
TRACES_CALLS_PER_SECOND = 4.8


@dataclass(frozen=True)
class Account:
    base_url: str
    username: str
    auth_key: str
    client_id: str
    simulated: bool
    own: bool

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.base_url, self.username, self.client_id)


def base_url(settings: Settings) -> tuple[str, bool]:
    """The endpoint and whether it is the simulator."""
    if settings.traces.url:
        return settings.traces.url, False
    return f"http://127.0.0.1:{settings.traces.simulator_port}/tracesnt/", True


def service_account(settings: Settings) -> Account:
    url, simulated = base_url(settings)
    username = settings.traces.username
    key = settings.traces.auth_key.get_secret_value()
    if simulated and not username:
        username, key = next(iter(DEFAULT_ACCOUNTS.items()))
    return Account(url, username, key, settings.traces.client_id, simulated, own=False)


def account_for(conn: Connection, settings: Settings, org_id: str) -> Account:
    own = credentials.load(conn, settings, org_id)
    if own is None:
        return service_account(settings)
    url, simulated = base_url(settings)
    return Account(url, own.username, own.auth_key, own.client_id, simulated, own=True)


def operator_role(kind: str, account: Account) -> str:
    if kind == "simplified":
        return "MICRO_OPERATOR" if account.own else "REPRESENTATIVE_MSPO"
    return "OPERATOR" if account.own else "REPRESENTATIVE_OPERATOR"


ClientFactory = Callable[[Account], TracesService]


class ClientPool:
    """One client per account, so client-side pacing is shared by every thread of a worker."""

    def __init__(self, settings: Settings, factory: ClientFactory | None = None) -> None:
        self.settings = settings
        self._factory = factory or self._default
        self._clients: dict[tuple[str, str, str], TracesService] = {}
        self._lock = threading.Lock()

    def _default(self, account: Account) -> TracesService:
        return TracesClient(account.base_url, account.username, account.auth_key,
                            account.client_id, timeout=self.settings.traces.timeout_seconds,
                            simulated=account.simulated,
                            max_calls_per_second=TRACES_CALLS_PER_SECOND)

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                close = getattr(client, "close", None)
                if callable(close):
                    close()
            self._clients.clear()

    def client(self, account: Account) -> TracesService:
        with self._lock:
            if account.key not in self._clients:
                self._clients[account.key] = self._factory(account)
            return self._clients[account.key]
