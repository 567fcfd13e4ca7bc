"""A real SMTP server (aiosmtpd) and a real HTTP webhook receiver, both on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import Engine, text

from geoservice.settings import Settings, SmtpSettings, TracesSettings
from tests.statements.conftest import (  # noqa: F401 - fixtures shared with the statement tests
    _no_leftover_jobs,
    client_org,
    pool,
    sim,
    worker,
)
from tests.web.conftest import free_port


@dataclass
class Mailbox:
    """What the SMTP server received; ``refuse`` answers the next N messages with 451."""

    messages: list[Message] = field(default_factory=list)
    refuse: int = 0
    port: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        self.messages.append(message_from_bytes(envelope.content or b""))  # type: ignore[arg-type]
        return "250 OK"

    def to(self) -> list[str]:
        return sorted(str(m["To"]) for m in self.messages)


@pytest.fixture()
def smtp_server() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers with the queued status codes (then 200), or hangs when told to."""

    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    hang_seconds: float = 0.0


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    port = free_port()
    state = Receiver(f"http://127.0.0.1:{port}/hook")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server name
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.requests.append(Received(dict(self.headers.items()), body))
            if state.hang_seconds:
                time.sleep(state.hang_seconds)  # never answers in the client's time
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture()
def worker_settings(settings: Settings, smtp_server: Mailbox) -> Settings:
    """Polls at once; mail to the test's SMTP server, without TLS (it is 127.0.0.1)."""
    return settings.model_copy(update={
        "traces": TracesSettings(poll_seconds=0),
        "smtp": SmtpSettings(host="127.0.0.1", port=smtp_server.port, starttls=False,
                             GEOSERVICE_SMTP_FROM="eudr@geoservice.example", timeout_seconds=5)})


@pytest.fixture()
def silent_smtp() -> Iterator[int]:
    """A port that accepts connections and never says a word (a hung mail server)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    stop.set()
    thread.join(timeout=5)
    for conn in held:
        conn.close()
    listener.close()


@pytest.fixture(autouse=True)
def _no_leftover_notifications(engine: Engine) -> Iterator[None]:
    """Notifications other tests left unsent must not reach this test's servers."""
    def settle() -> None:
        with engine.begin() as conn:
            conn.execute(text("UPDATE notifications SET state = 'failed', last_error = "
                              "'test ended' WHERE state = 'pending'"))

    settle()
    yield
    settle()
