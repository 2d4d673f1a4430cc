"""Reading a body's numbers (branch / detainee / examination), date and sequence.

Two sources: named groups of the archivist's --pattern, matched against each
file's path, and a sidecar spreadsheet ("files detailing the victims"), joined
to the file by its name or by a number the path carries. When the two disagree
the path wins for the photo and the disagreement is kept as a warning, never
silently merged: an analyst decides.
"""

import csv
import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

from dalil.lib.arabic import ascii_digits
from dalil.lib.dates import parse_date  # noqa: F401 - also imported from here

FIELDS = ("branch", "detainee_no", "exam_no", "photo_date", "sequence")
# Accepted names for each field, in --pattern groups and sidecar headers (Arabic too).
ALIASES = {
    "file": {"file", "filename", "file_name", "path", "photo", "الملف", "اسم الملف"},
    "branch": {"branch", "branch_no", "فرع", "الفرع", "رقم الفرع"},
    "detainee_no": {"detainee", "detainee_no", "detainee_number", "prisoner_no", "رقم المعتقل"},
    "exam_no": {"exam", "exam_no", "examination", "examination_no", "forensic_no", "رقم الفحص", "الرقم الطبي"},
    "photo_date": {"date", "photo_date", "date_of_death", "death_date", "التاريخ", "تاريخ"},
    "sequence": {"seq", "sequence", "photo_no", "التسلسل"},
}
_CANONICAL = {alias: name for name, aliases in ALIASES.items() for alias in aliases}


class NumbersError(Exception):
    """A pattern or sidecar the archivist must fix before the run starts."""


def canonical(name: str) -> str | None:
    return _CANONICAL.get(name.strip().lower().replace(" ", "_")) or _CANONICAL.get(name.strip())


def clean(field_name: str, value) -> str | datetime.date | int | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value if field_name == "photo_date" else None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = ascii_digits(str(value)).strip()
    if not text:
        return None
    if field_name == "photo_date":
        return parse_date(text)
    if field_name == "sequence":
        return int(text) if text.isdigit() else None
    return (text.lstrip("0") or "0") if text.isdigit() else text


def compile_pattern(pattern: str | None) -> re.Pattern | None:
    if not pattern:
        return None
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise NumbersError(f"--pattern is not a valid regular expression: {exc}") from None
    unknown = [g for g in compiled.groupindex if canonical(g) is None and g not in ("month", "year")]
    if unknown:
        raise NumbersError(f"--pattern has groups dalil does not know: {', '.join(unknown)} "
                           f"(use branch, detainee, exam, date, month, seq)")
    return compiled


@dataclass
class Sidecar:
    path: Path
    by_file: dict = field(default_factory=dict)
    by_exam: dict = field(default_factory=dict)
    by_detainee: dict = field(default_factory=dict)
    rows: int = 0

    @classmethod
    def load(cls, path: Path) -> "Sidecar":
        try:
            header, records = _read_table(path)
        except Exception as exc:  # any unreadable spreadsheet: say which and why
            raise NumbersError(f"sidecar {path}: cannot read it as CSV or XLSX ({exc})") from None
        columns = {i: canonical(str(h or "")) for i, h in enumerate(header)}
        if not any(c in ("file", "exam_no", "detainee_no") for c in columns.values()):
            raise NumbersError(f"sidecar {path}: no column names a file, an examination number or a detainee number "
                               f"(headers found: {', '.join(str(h) for h in header)})")
        sidecar = cls(path)
        for line, record in enumerate(records, start=2):
            row = {"_row": line}
            for i, value in enumerate(record):
                name = columns.get(i)
                if name == "file" and value:
                    row["file"] = str(value).strip().replace("\\", "/")
                elif name:
                    row[name] = clean(name, value)
            sidecar.rows += 1
            if row.get("file"):
                sidecar.by_file[row["file"]] = row
                sidecar.by_file.setdefault(row["file"].rsplit("/", 1)[-1], row)
            if row.get("exam_no"):
                sidecar.by_exam[row["exam_no"]] = row
            if row.get("branch") and row.get("detainee_no"):
                sidecar.by_detainee[(row["branch"], row["detainee_no"])] = row
        return sidecar

    def find(self, path: str, from_path: dict) -> dict | None:
        row = self.by_file.get(path) or self.by_file.get(path.rsplit("/", 1)[-1])
        if row is None and from_path.get("exam_no"):
            row = self.by_exam.get(from_path["exam_no"])
        if row is None and from_path.get("branch") and from_path.get("detainee_no"):
            row = self.by_detainee.get((from_path["branch"], from_path["detainee_no"]))
        return row


def _read_table(path: Path):
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        rows = list(book.worksheets[0].iter_rows(values_only=True))
        book.close()
    else:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig") if _is_utf8(raw) else raw.decode("cp1256")  # Windows Arabic
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t") if text.strip() else csv.excel
        rows = list(csv.reader(text.splitlines(), dialect))
    rows = [r for r in rows if r and any(c not in (None, "") for c in r)]
    if not rows:
        raise ValueError("it is empty")
    return rows[0], rows[1:]


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def read_numbers(path: str, pattern: re.Pattern | None, sidecar: Sidecar | None) -> tuple[dict, dict, list[str]]:
    """(values, where each came from, warnings) for one file's path."""
    from_path = {}
    if pattern and (match := pattern.search(path)):
        for group, value in match.groupdict().items():
            name = canonical(group)
            if name and value is not None:
                from_path[name] = clean(name, value)
            elif group == "month" and value:
                from_path["month"] = ascii_digits(value)
    values, source, warnings = {}, {}, []
    for name in FIELDS:
        if from_path.get(name) is not None:
            values[name], source[name] = from_path[name], "path"
    row = sidecar.find(path, from_path) if sidecar else None
    if row:
        for name in FIELDS:
            theirs = row.get(name)
            if theirs is None:
                continue
            if name not in values:
                values[name], source[name] = theirs, f"sidecar row {row['_row']}"
            elif values[name] != theirs:
                warnings.append(f"{name.replace('_', ' ')} is {values[name]} in the path but {theirs} in "
                                f"{sidecar.path.name} row {row['_row']}: kept the path's, check by hand")
                source.setdefault("conflicts", []).append({"field": name, "sidecar": str(theirs), "row": row["_row"]})
    if "month" in from_path and values.get("photo_date") and not str(values["photo_date"]).startswith(from_path["month"]):
        warnings.append(f"photo date {values['photo_date']} is not in the month {from_path['month']} of its folder")
    return values, source, warnings
