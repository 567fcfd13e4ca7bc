"""CSV in, CSV out: the caller's rows kept as they are, with the number pair and a status added.

The CA number column is the one whose header reads like a CA number (``ca_number``, ``ca``,
``CA numurs``, ``ciršanas apliecinājums`` …, compared without case, accents and punctuation), or
the only column. A single column whose first cell is itself a CA number has no header; the
answer then gets the header ``ca_number``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from geoservice.errors import ValidationFailed
from geoservice.references import csvio
from geoservice.references.model import INVALID, Resolution, clean_ca_number

ADDED_COLUMNS = ("eudr_reference_number", "eudr_verification_number", "lookup_status")
_HEADER_NAMES = frozenset({
    "ca", "canumber", "canr", "canumurs", "canum", "canrs", "cirsanasapliecinajums",
    "cirsanasapliecinajumanumurs", "apliecinajums", "apliecinajumanumurs", "apliecinajumanr",
    "fellingcertificate", "fellingcertificatenumber", "certificate", "certificatenumber",
})

def _folded(header: str) -> str:
    text = unicodedata.normalize("NFKD", header.strip().lstrip("\ufeff").lower())
    return "".join(ch for ch in text if ch.isalnum() and not unicodedata.combining(ch))


@dataclass(frozen=True)
class Table:
    """A parsed upload: its header (given or made up), data rows, CA column and separator."""

    header: list[str]
    rows: list[list[str]]
    column: int
    separator: str
    had_header: bool
    cas: list[str | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        column = self.column
        self.cas[:] = [clean_ca_number(row[column] if column < len(row) else "")
                       for row in self.rows]


def parse(raw: bytes, encoding: str | None = None) -> Table:
    text = csvio.decode(raw, encoding)
    separator = csvio.sniff_separator(text)
    rows = csvio.read_rows(text, separator)
    if not rows:
        raise ValidationFailed("The file has no rows; send one CA number per row.",
                               code="empty_csv")
    first = rows[0]
    for index, cell in enumerate(first):
        if _folded(cell) in _HEADER_NAMES:
            return Table(first, rows[1:], index, separator, True)
    if max(len(row) for row in rows) == 1:
        if clean_ca_number(first[0]) is not None:
            return Table(["ca_number"], rows, 0, separator, False)
        return Table(first, rows[1:], 0, separator, True)
    raise ValidationFailed(
        "No column of CA numbers was found. Name it ca_number (or 'CA numurs'), or send a "
        f"single column. The header row reads: {', '.join(first)[:200]}.",
        code="no_ca_column", details=[{"header": first[:50]}])


def wanted(table: Table) -> list[str]:
    """The distinct valid CA numbers of the table."""
    return sorted({ca for ca in table.cas if ca})


def answer(table: Table, answers: dict[str, Resolution]
           ) -> tuple[list[list[str]], dict[str, int]]:
    """Output rows (header first) and a count per status."""
    width = len(table.header)
    out: list[list[str]] = [[*table.header, *ADDED_COLUMNS]]
    counts: dict[str, int] = {}
    for row, ca in zip(table.rows, table.cas, strict=True):
        cells = row + [""] * (width - len(row)) if len(row) < width else row
        result = answers.get(ca) if ca else None
        status = result.status if result else INVALID
        counts[status] = counts.get(status, 0) + 1
        out.append([*cells, (result and result.reference_number) or "",
                    (result and result.verification_number) or "", status])
    return out, counts


def render(rows: list[list[str]], separator: str) -> Iterator[str]:
    return csvio.write_rows(rows, separator)
