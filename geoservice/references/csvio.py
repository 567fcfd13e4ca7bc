"""Reading spreadsheet CSV files people send, and writing CSV a spreadsheet will not execute.

Reading: UTF-8 with or without BOM, or UTF-16 with BOM (Excel's "Unicode text"). Other
encodings are refused with a clear 400 unless the caller names one (``windows-1257``, the
Baltic code page older Latvian Excel installations save in): guessing a code page from bytes is
unreliable, and a wrong guess would silently corrupt CA numbers. The separator is sniffed among
``;``, ``,`` and tab from the first non-empty line (outside quotes). Blank lines are dropped.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from geoservice.errors import BadRequest, PayloadTooLarge

MAX_ROWS = 200_000
SEPARATORS = (";", ",", "\t")
ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "windows-1257": "cp1257", "cp1257": "cp1257"}
_RISKY_FIRST = ("=", "+", "-", "@", "\t", "\r")
_RISKY = frozenset(_RISKY_FIRST)


def decode(raw: bytes, encoding: str | None = None) -> str:
    """The text of an uploaded file; see the module docstring for what is accepted."""
    if encoding:
        codec = ENCODINGS.get(encoding.strip().lower())
        if codec is None:
            raise BadRequest(
                f"Encoding {encoding!r} is not supported; use utf-8 or windows-1257.",
                code="unsupported_encoding")
        try:
            return raw.decode(codec).lstrip("\ufeff")
        except UnicodeDecodeError as exc:
            raise BadRequest(f"The file is not valid {encoding} (byte {exc.start + 1}).",
                             code="csv_encoding") from None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise BadRequest("The file starts like UTF-16 but is not valid UTF-16.",
                             code="csv_encoding") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadRequest(
            f"The file is not UTF-8 text (first bad byte at position {exc.start + 1}). Save it "
            "as 'CSV UTF-8' in your spreadsheet, or send ?encoding=windows-1257 if it was saved "
            "with the Baltic code page.", code="csv_encoding") from None


def sniff_separator(text: str) -> str:
    """The most frequent of ``;``, ``,`` and tab outside quotes on the first non-empty line."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = dict.fromkeys(SEPARATORS, 0)
    quoted = False
    for char in first:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else ";"


def read_rows(text: str, separator: str) -> list[list[str]]:
    """Non-blank rows; 413 beyond ``MAX_ROWS`` data rows, 400 on broken quoting."""
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            rows.append(row)
            if len(rows) > MAX_ROWS + 1:
                raise PayloadTooLarge(
                    f"The file has more than {MAX_ROWS:,} rows; split it into smaller files."
                    .replace(",", " "), code="too_many_rows",
                    details=[{"limit_rows": MAX_ROWS}])
    except csv.Error as exc:
        raise BadRequest(f"The CSV file is malformed at line {reader.line_num}: {exc}.",
                         code="malformed_csv") from None
    return rows


def neutralise(value: object) -> str:
    """A cell as text, prefixed with an apostrophe when a spreadsheet would execute it."""
    cell = "" if value is None else str(value)
    return "'" + cell if cell.startswith(_RISKY_FIRST) else cell


def write_rows(rows: Iterable[Sequence[object]], separator: str, *, bom: bool = False,
               chunk_rows: int = 2000) -> Iterator[str]:
    """CSV text in chunks of about ``chunk_rows`` rows, every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    if bom:
        buffer.write("\ufeff")
    count = 0
    for row in rows:
        cells = ["" if c is None else c if isinstance(c, str) else str(c) for c in row]
        writer.writerow([("'" + c) if c and c[0] in _RISKY else c for c in cells])
        count += 1
        if count >= chunk_rows:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            count = 0
    tail = buffer.getvalue()
    if tail:
        yield tail


def separator_param(value: str | None) -> str:
    """``?sep=`` of an export: ``;`` (default), ``,`` or ``tab``."""
    if value in (None, "", ";"):
        return ";"
    if value == ",":
        return ","
    if value in ("tab", "\t"):
        return "\t"
    raise BadRequest(f"sep={value!r} is not supported; use ';', ',' or 'tab'.",
                     code="invalid_separator")
