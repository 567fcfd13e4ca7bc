"""State Forest Service (VMD) felling certificates: interface, simulator, HTTP client, files."""

from geoservice.vmd.errors import (
    CertificateNotFound,
    VmdBadAnswer,
    VmdError,
    VmdFileError,
    VmdUnavailable,
)
from geoservice.vmd.protocol import VmdSource

__all__ = [
    "CertificateNotFound",
    "VmdBadAnswer",
    "VmdError",
    "VmdFileError",
    "VmdSource",
    "VmdUnavailable",
]
