"""The interface every source of felling certificates from VMD implements."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from geoservice.certificates.model import Certificate


@runtime_checkable
class VmdSource(Protocol):
    """Where certificates come from: the VMD interface or the built-in simulator.

    ``fetch`` returns a certificate the caller owns (changing it never changes the source) with
    ``source="vmd"`` and geometries as MultiPolygons in EPSG:3059. It raises
    ``CertificateNotFound`` for an unknown number, ``VmdUnavailable`` when VMD cannot answer now
    and ``VmdBadAnswer`` when the answer breaks the contract. ``simulated`` is true for the
    simulator, so screens and statements can say the data is not real.
    """

    simulated: bool

    def fetch(self, ca_number: str) -> Certificate: ...
