"""Notification e-mails in the recipient's language, sent over SMTP (smtplib).

Without ``GEOSERVICE_SMTP_HOST`` nothing is sent: the message is logged instead, and the
notification counts as done (a deployment without mail still records what it would have said).

Every message carries the notification's stable ``Message-ID`` (``outbox.message_id``), the same
on every try. ``send`` calls ``on_accepted`` the moment the server has answered 250 to the
message's DATA, before QUIT, so the dispatcher records the handover with no network step between.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from geoservice.settings import SmtpSettings

log = logging.getLogger(__name__)

SUBJECTS = {
    "statement.available": ("Deklarācija {ref} ir pieejama TRACES",
                            "Statement {ref} is available in TRACES"),
    "statement.rejected": ("TRACES noraidīja deklarāciju {ref}",
                           "TRACES rejected statement {ref}"),
    "statement.withdrawn": ("Deklarācija {ref} atsaukta", "Statement {ref} was withdrawn"),
    "finding.confirmed": ("Pārbaudes atzīme apstiprināta", "A check finding was confirmed"),
}


class MailError(Exception):
    """The server refused or could not be reached; worth trying again later. ``maybe_sent``:
    the connection broke after the message was out, so the server may have taken it."""

    def __init__(self, message: str, *, maybe_sent: bool = False) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent


def compose(event: str, language: str, payload: dict[str, Any], sender: str,
            recipient: str, message_id: str | None = None) -> EmailMessage:
    lv = language != "en"
    ref = payload.get("internal_reference") or ""
    subject = SUBJECTS[event][0 if lv else 1].format(ref=ref)
    lines = [subject + "."]
    if payload.get("reference_number"):
        lines.append(("Atsauces numurs: " if lv else "Reference number: ")
                     + str(payload["reference_number"]))
        lines.append(("Verifikācijas numurs: " if lv else "Verification number: ")
                     + str(payload["verification_number"]))
    if payload.get("rejection_reason"):
        lines.append(("TRACES iemesls: " if lv else "TRACES' reason: ")
                     + str(payload["rejection_reason"]))
    if payload.get("ca_number"):
        lines.append(("Apliecinājums: " if lv else "Certificate: ") + str(payload["ca_number"]))
    lines.append("")
    lines.append("Paziņojumus var atslēgt profilā." if lv else
                 "You can turn notifications off in your profile.")
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = formatdate(localtime=False, usegmt=True)
    if message_id:
        message["Message-ID"] = message_id
    message.set_content("\n".join(lines))
    return message


def send(settings: SmtpSettings, message: EmailMessage,
         on_accepted: Callable[[], None] | None = None) -> bool:
    """True when sent, False when only logged (no SMTP host); MailError to retry.

    ``on_accepted`` runs right after the server's 250 to DATA, inside the session; what it
    raises is not a mail error and goes up unchanged (the message is with the server then).
    """
    if not settings.host:
        log.info("no SMTP host: would send to %s: %s", message["To"], message["Subject"])
        return False
    accepted = False
    data_sent = False
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.user:
                smtp.login(settings.user, settings.password.get_secret_value())
            data_sent = True
            smtp.send_message(message)
            accepted = True
            if on_accepted is not None:
                on_accepted()
    except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as exc:
        # The server answered with a refusal: it did not take the message (unless it was QUIT).
        if accepted:
            return True
        raise MailError(f"{type(exc).__name__}: {exc}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        if accepted:  # only QUIT failed after the 250: the message is with the server
            return True
        raise MailError(f"{type(exc).__name__}: {exc}", maybe_sent=data_sent) from exc
    return True
