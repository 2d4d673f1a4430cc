"""Reading a CSV or XLSX sheet: its header and rows, each row with its number as the file shows it."""

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

MAX_ROWS = 200_000
# An XLSX workbook is a zip: its declared sizes are checked before anything is inflated (zipfile never inflates an
# entry past its declared size, and a wrong CRC fails), so a zip bomb is refused, not unpacked.
MAX_XLSX_ENTRIES = 5_000
MAX_XLSX_INFLATED = 512 * 1024 * 1024
MAX_XLSX_RATIO = 200
XLSX_SUFFIXES, CSV_SUFFIXES = (".xlsx", ".xlsm"), (".csv", ".tsv", ".txt")


class TableError(Exception):
    """The file cannot be read as a table; str() says why."""


@dataclass
class Table:
    sheet: str
    headers: list
    rows: list = field(default_factory=list)  # (row number, [cell text...])


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1256")  # Windows Arabic, as Excel saves CSV on Arabic systems


def _csv_rows(raw: bytes):
    text = _decode(raw)
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return enumerate(csv.reader(io.StringIO(text, newline=""), dialect), start=1)


def check_xlsx_zip(raw: bytes) -> None:
    """Refuse a workbook whose zip declares too many entries, too many bytes, or a bomb's compression ratio."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise TableError(f"cannot read it as an XLSX workbook ({exc})") from None
    if len(infos) > MAX_XLSX_ENTRIES:
        raise TableError(f"the workbook holds {len(infos):,} parts (at most {MAX_XLSX_ENTRIES:,}): not a spreadsheet "
                         "dalil can read safely")
    total = sum(i.file_size for i in infos)
    if total > MAX_XLSX_INFLATED:
        raise TableError(f"the workbook would unpack to {total:,} bytes (at most {MAX_XLSX_INFLATED:,}): possible zip "
                         "bomb, or split the file")
    for info in infos:
        if info.file_size > 10 * 1024**2 and info.file_size / max(1, info.compress_size) > MAX_XLSX_RATIO:
            raise TableError(f"part {info.filename!r} declares {info.file_size:,} bytes compressed "
                             f"{info.file_size / max(1, info.compress_size):,.0f}:1: possible zip bomb, not unpacked")


def sniff_format(raw: bytes) -> str:
    """"xlsx" or "csv", from the bytes alone (never the name); TableError says what the file is instead."""
    if raw.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise TableError(f"a damaged zip or XLSX file ({exc})") from None
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "content.xml" in names:
            raise TableError("an OpenDocument spreadsheet (.ods): save it as .xlsx or CSV")
        raise TableError("a zip file, not an XLSX workbook")
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise TableError("an old Excel .xls workbook: save it as .xlsx or CSV (UTF-8)")
    for magic, what in ((b"%PDF", "a PDF document"), (b"\xff\xd8\xff", "a JPEG image"), (b"\x89PNG", "a PNG image"),
                        (b"GIF8", "a GIF image"), (b"\x1f\x8b", "a gzip file"), (b"Rar!", "a RAR archive"),
                        (b"7z\xbc\xaf", "a 7-Zip archive")):
        if raw.startswith(magic):
            raise TableError(f"{what}, not a CSV or XLSX table")
    head = raw[:65536]
    if b"\x00" in head:
        raise TableError("binary data (NUL bytes), not CSV text: save the sheet as CSV (UTF-8) or .xlsx")
    text = _decode(head[:-4] if len(raw) > len(head) else head)  # a cut multi-byte letter at the end is fine
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\r\n\t")
    if text and controls > len(text) / 100:
        raise TableError("binary data, not CSV text: save the sheet as CSV (UTF-8) or .xlsx")
    return "csv"


def sheet_names(raw: bytes) -> list[str]:
    import openpyxl

    check_xlsx_zip(raw)
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise TableError(f"cannot read it as an XLSX workbook ({exc})") from None
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def _xlsx_rows(raw: bytes, sheet: str | None):
    import openpyxl

    check_xlsx_zip(raw)
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise TableError(f"cannot read it as an XLSX workbook ({exc})") from None
    names = book.sheetnames
    if sheet is not None and sheet not in names:
        raise TableError(f"no sheet named {sheet!r} (sheets: {', '.join(names)})")
    ws = book[sheet] if sheet is not None else book.worksheets[0]
    return ws.title, enumerate(ws.iter_rows(values_only=True), start=1)


def read_table(path: Path, raw: bytes, sheet: str | None = None) -> Table:
    """The first non-empty row is the header; empty rows are skipped but keep the numbering."""
    if path.suffix.lower() in XLSX_SUFFIXES:
        title, rows = _xlsx_rows(raw, sheet)
    elif path.suffix.lower() in CSV_SUFFIXES:
        if sheet:
            raise TableError("--sheet is for XLSX workbooks; a CSV file has one table")
        title, rows = "", _csv_rows(raw)
    else:
        raise TableError(f"{path.suffix or 'no extension'}: give a .csv or .xlsx file")
    table = None
    for number, cells in rows:
        cells = [_cell(c) for c in cells]
        if not any(cells):
            continue
        if table is None:
            table = Table(title, cells)
            continue
        if len(table.rows) >= MAX_ROWS:
            raise TableError(f"more than {MAX_ROWS:,} rows: split the file")
        table.rows.append((number, cells))
    if table is None:
        raise TableError("it is empty")
    return table
