"""Reading a CSV or XLSX sheet: its header and rows, each row with its number as the file shows it."""

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

MAX_ROWS = 200_000


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


def _xlsx_rows(raw: bytes, sheet: str | None):
    import openpyxl

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
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        title, rows = _xlsx_rows(raw, sheet)
    elif path.suffix.lower() in (".csv", ".tsv", ".txt"):
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
