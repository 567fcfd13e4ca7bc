"""Errors a VMD source raises, each with an English and a Latvian message for a person."""

from __future__ import annotations


class VmdError(Exception):
    """Base of every VMD source error; ``str(e)`` is English, ``e.message_lv`` Latvian."""

    code = "vmd_error"

    def __init__(self, message: str, message_lv: str) -> None:
        super().__init__(message)
        self.message = message
        self.message_lv = message_lv


class CertificateNotFound(VmdError):
    """VMD knows no certificate with this number (or the number cannot be one)."""

    code = "certificate_not_found"

    def __init__(self, ca_number: str, reason: str | None = None) -> None:
        self.ca_number = ca_number
        if reason is None:
            en = f"The State Forest Service has no felling certificate number {ca_number!r}."
            lv = f"Valsts meža dienestā nav ciršanas apliecinājuma ar numuru {ca_number!r}."
        else:
            en = f"{ca_number!r} is not a felling certificate number: {reason}."
            lv = f"{ca_number!r} nav ciršanas apliecinājuma numurs: {reason}."
        super().__init__(en, lv)


class VmdUnavailable(VmdError):
    """VMD could not answer now; ``retryable`` says whether trying later may help."""

    code = "vmd_unavailable"

    def __init__(self, reason: str, retryable: bool = True) -> None:
        self.reason = reason
        self.retryable = retryable
        later = " Please try again later." if retryable else ""
        later_lv = " Lūdzu, mēģiniet vēlreiz vēlāk." if retryable else ""
        super().__init__(
            f"The State Forest Service (VMD) is not available: {reason}.{later}",
            f"Valsts meža dienests (VMD) nav pieejams: {reason}.{later_lv}",
        )


class VmdBadAnswer(VmdError):
    """VMD answered, but not in the agreed contract; ``detail`` names what was wrong."""

    code = "vmd_bad_answer"

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(
            f"The State Forest Service (VMD) sent an answer the service cannot read: {detail}.",
            f"Valsts meža dienesta (VMD) atbildi nevar nolasīt: {detail}.",
        )


class VmdFileError(VmdError):
    """A Forest State Register extract (file) cannot be read; the message says why."""

    code = "vmd_file_invalid"

    def __init__(self, message: str, message_lv: str | None = None) -> None:
        lv = message_lv or f"Meža valsts reģistra datni nevar nolasīt: {message}"
        super().__init__(message, lv)
