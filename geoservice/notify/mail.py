"""Notification e-mails in the recipient's language, sent over SMTP (smtplib).

Without ``GEOSERVICE_SMTP_HOST`` nothing is sent: the message is logged instead, and the
notification counts as done (a deployment without mail still records what it would have said).
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
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
    """The server refused or could not be reached; worth trying again later."""


def compose(event: str, language: str, payload: dict[str, Any], sender: str,
            recipient: str) -> EmailMessage:
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
    message.set_content("\n".join(lines))
    return message


def send(settings: SmtpSettings, message: EmailMessage) -> bool:
    """True when sent, False when only logged (no SMTP host); MailError to retry."""
    if not settings.host:
        log.info("no SMTP host: would send to %s: %s", message["To"], message["Subject"])
        return False
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.user:
                smtp.login(settings.user, settings.password.get_secret_value())
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}") from exc
    return True
