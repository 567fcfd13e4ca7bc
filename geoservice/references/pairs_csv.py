"""A CSV of reference/verification pairs in, the same rows with the verification result out.

The reference column is headed like ``reference_number``, ``eudr_reference_number``, ``DDR``,
``atsauces numurs`` …; the verification column like ``verification_number``, ``DDV``,
``verifikācijas numurs`` … (case, accents and punctuation ignored; EUDR-X CSV headers such as
``referenced_eudr_statements.reference_number`` work too). A file without a header has the
reference in its first column and the verification in its second. Encodings and separators are
those of ``csvio``; a leading apostrophe (our own formula guard) is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

from geoservice.errors import ValidationFailed
from geoservice.i18n import both
from geoservice.references import csvio, verify
from geoservice.references.lookup import _folded
from geoservice.references.pairs import PairResult

ADDED_COLUMNS = ("verify_result", "verify_status", "verify_date_time")
REFERENCE_HEADERS = frozenset({
    "reference", "referencenumber", "eudrreferencenumber", "ddr", "ddsreferencenumber",
    "referencedeudrstatementsreferencenumber", "atsaucesnumurs", "references", "refnr",
})
VERIFICATION_HEADERS = frozenset({
    "verification", "verificationnumber", "eudrverificationnumber", "ddv",
    "ddsverificationnumber", "referencedeudrstatementsverificationnumber",
    "verifikacijasnumurs", "parbaudesnumurs", "verifikacija",
})


@dataclass(frozen=True)
class PairTable:
    header: list[str]
    rows: list[list[str]]
    reference: int
    verification: int
    separator: str

    def pairs(self) -> list[tuple[str, str]]:
        def cell(row: list[str], i: int) -> str:
            return row[i] if i < len(row) else ""
        return [(cell(r, self.reference), cell(r, self.verification)) for r in self.rows]


def parse(raw: bytes, encoding: str | None, language: str = "lv") -> PairTable:
    text = csvio.decode(raw, encoding)
    separator = csvio.sniff_separator(text)
    rows = csvio.read_rows(text, separator)
    if not rows:
        raise ValidationFailed(both("verify.empty_csv", language), code="empty_csv")
    first = rows[0]
    folded = [_folded(c) for c in first]
    ref = next((i for i, c in enumerate(folded) if c in REFERENCE_HEADERS), None)
    ver = next((i for i, c in enumerate(folded) if c in VERIFICATION_HEADERS), None)
    if ref is not None and ver is not None:
        return PairTable(first, rows[1:], ref, ver, separator)
    cleaned = [c.strip().lstrip("'") for c in first[:2]]
    if len(first) >= 2 and all(verify.plausible(c) for c in cleaned):
        header = ["reference_number", "verification_number"] + [
            f"column_{i + 1}" for i in range(2, max(len(r) for r in rows))]
        return PairTable(header, rows, 0, 1, separator)
    raise ValidationFailed(
        both("verify.no_pair_columns", language, header=", ".join(first)[:200]),
        code="no_pair_columns", details=[{"header": first[:50]}])


def answer(table: PairTable, results: list[PairResult]) -> list[list[str]]:
    """Output rows, header first: the caller's cells and the three result columns."""
    width = len(table.header)
    out = [[*table.header, *ADDED_COLUMNS]]
    for row, res in zip(table.rows, results, strict=True):
        cells = row + [""] * (width - len(row)) if len(row) < width else row
        at = res.found.at.isoformat() if res.found else ""
        out.append([*cells, res.result, res.status or "", at])
    return out
