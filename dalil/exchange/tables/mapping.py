"""The column-mapping step: spreadsheet headers matched to dalil's fields, in English or Arabic.

Headers are compared after Arabic normalisation (hamza seats, ta marbuta,
harakat), lower case, and with punctuation and underscores read as spaces, so
"اسم الأب", "اسم الاب" and "Father_Name" all find their field. The archivist
reviews the result (it is printed) and overrides any of it with
--map "Header=field,Other header=-" ("-" leaves a column out).
"""

import re
from dataclasses import dataclass, field

from dalil.lib.arabic import normalize_arabic

NAMES = {
    "full_name": {"name", "full name", "الاسم", "الاسم الكامل", "الاسم الثلاثي", "الاسم الرباعي", "اسم المفقود",
                  "اسم المعتقل", "اسم الضحية", "الاسم والكنية"},
    "first_name": {"first name", "given name", "الاسم الأول", "الاسم الاول"},
    "father_name": {"father", "father name", "father's name", "fathers name", "اسم الأب", "اسم الاب"},
    "grandfather_name": {"grandfather", "grandfather name", "اسم الجد"},
    "family_name": {"family name", "last name", "surname", "الكنية", "اسم العائلة", "الشهرة"},
    "mother_name": {"mother", "mother name", "mother's name", "اسم الأم", "اسم الام"},
}
COMMON = {
    "birth_date": {"birth date", "date of birth", "dob", "تاريخ الميلاد", "تاريخ الولادة", "المواليد"},
    "arrest_date": {"arrest date", "date of arrest", "تاريخ الاعتقال", "تاريخ الاختفاء"},
    "home_town": {"home town", "hometown", "city", "town", "المدينة", "البلدة", "مكان الإقامة", "مكان القيد"},
    "sex": {"sex", "gender", "الجنس"},
}
REPORT_FIELDS = {
    **NAMES, **COMMON,
    "external_id": {"id", "reference", "record id", "file no", "file number", "رقم الملف", "الرقم المرجعي",
                    "رقم الاستمارة", "رقم البلاغ"},
    "age_at_arrest": {"age", "age at arrest", "العمر", "العمر عند الاعتقال"},
    "arrest_place": {"arrest place", "place of arrest", "مكان الاعتقال"},
    "arresting_branch": {"branch", "arresting branch", "الفرع", "الجهة المعتقلة", "الجهة الأمنية", "رقم الفرع"},
    "last_detention_place": {"last detention place", "last seen", "آخر مكان احتجاز", "مكان الاحتجاز"},
    "distinguishing_marks": {"marks", "distinguishing marks", "العلامات الفارقة", "علامات فارقة"},
    "chronic_illnesses": {"illnesses", "chronic illnesses", "الأمراض المزمنة", "الامراض المزمنة"},
    "reporter_name": {"reporter", "reporter name", "اسم المبلغ", "مقدم البلاغ"},
    "reporter_phone": {"phone", "telephone", "reporter phone", "الهاتف", "رقم الهاتف", "هاتف المبلغ", "الجوال"},
    "reporter_email": {"email", "e-mail", "reporter email", "البريد الإلكتروني", "البريد الالكتروني"},
    "reporter_relationship": {"relationship", "relation", "صلة القرابة", "القرابة"},
}
VICTIM_FIELDS = {
    **NAMES, **COMMON,
    "branch": {"branch", "branch no", "branch number", "فرع", "الفرع", "رقم الفرع"},
    "detainee_no": {"detainee", "detainee no", "detainee number", "prisoner no", "رقم المعتقل", "رقم السجين"},
    "exam_no": {"exam", "exam no", "examination", "examination no", "examination number", "forensic no",
                "medical no", "رقم الفحص", "الرقم الطبي", "رقم الطبيب الشرعي"},
    "death_date": {"date", "date of death", "death date", "photo date", "التاريخ", "تاريخ الوفاة", "تاريخ التصوير"},
    "age": {"age", "العمر"},
    "notes": {"notes", "remarks", "ملاحظات", "الملاحظات"},
    "photos": {"photos", "photo count", "عدد الصور"},
}
FIELDS = {"reports": REPORT_FIELDS, "victims": VICTIM_FIELDS}
IGNORE = "-"


class MappingError(Exception):
    """The mapping cannot be used; str() names the column or field to fix."""


def normalize_header(text) -> str:
    text = normalize_arabic(str(text or "")).lower().replace("’", "'")
    text = re.sub(r"[_\-.:/()#]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _index(kind: str) -> dict:
    return {normalize_header(alias): name for name, aliases in FIELDS[kind].items()
            for alias in aliases | {name, name.replace("_", " ")}}


@dataclass
class Mapping:
    kind: str
    columns: dict = field(default_factory=dict)  # column index -> field name
    sources: dict = field(default_factory=dict)  # column index -> "auto" | "--map"
    unknown: list = field(default_factory=list)  # headers left out

    def describe(self, headers: list[str]) -> list[str]:
        lines = []
        for i, header in enumerate(headers):
            name = self.columns.get(i)
            lines.append(f"{header!s:>24} -> {name or '(not imported)'}"
                         + (f"  [{self.sources[i]}]" if name else ""))
        return lines

    def fields(self) -> set:
        return set(self.columns.values())


def parse_overrides(text: str | None, kind: str) -> dict:
    """'Header=field,Other=-' -> {normalised header: field or '-'}."""
    out = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        header, sep, name = part.rpartition("=")
        name = name.strip()
        if not sep or not header.strip():
            raise MappingError(f"--map entry {part.strip()!r} is not Header=field")
        if name != IGNORE and name not in FIELDS[kind]:
            raise MappingError(f"--map: {name!r} is not a field of {kind} (fields: {', '.join(sorted(FIELDS[kind]))};"
                               f" '-' leaves a column out)")
        out[normalize_header(header)] = name
    return out


def build(headers: list[str], kind: str, overrides: str | None = None) -> Mapping:
    """Match headers to fields; --map overrides win; a field claimed by two columns is an error naming both."""
    index, forced = _index(kind), parse_overrides(overrides, kind)
    mapping = Mapping(kind)
    normalized = [normalize_header(h) for h in headers]
    missing = set(forced) - set(normalized)
    if missing:
        raise MappingError(f"--map names columns the file does not have: {', '.join(sorted(missing))} "
                           f"(columns: {', '.join(str(h) for h in headers)})")
    for i, header in enumerate(normalized):
        if header in forced:
            if forced[header] != IGNORE:
                mapping.columns[i], mapping.sources[i] = forced[header], "--map"
        elif header in index:
            mapping.columns[i], mapping.sources[i] = index[header], "auto"
        elif header:
            mapping.unknown.append(headers[i])
    seen = {}
    for i, name in sorted(mapping.columns.items()):
        if name in seen:
            raise MappingError(f"columns {headers[seen[name]]!r} and {headers[i]!r} both map to {name}: leave one "
                               f"out with --map \"{headers[i]}=-\"")
        seen[name] = i
    _check_required(mapping, kind)
    return mapping


def suggest(headers: list[str], kind: str) -> dict:
    """The automatic mapping, column index -> field, never raising: a field two headers name goes to the first."""
    index, out = _index(kind), {}
    for i, header in enumerate(headers):
        name = index.get(normalize_header(header))
        if name and name not in out.values():
            out[i] = name
    return out


def from_columns(headers: list[str], kind: str, columns: dict) -> Mapping:
    """A mapping chosen column by column (the web form): the same checks as build()."""
    mapping = Mapping(kind)
    for i, name in sorted((int(i), name) for i, name in columns.items()):
        if not 0 <= i < len(headers):
            raise MappingError(f"column {i + 1} is not in the file ({len(headers)} columns)")
        if name == IGNORE:
            continue
        if name not in FIELDS[kind]:
            raise MappingError(f"{name!r} is not a field of {kind}")
        if name in mapping.columns.values():
            other = next(j for j, n in mapping.columns.items() if n == name)
            raise MappingError(f"columns {headers[other]!r} and {headers[i]!r} both map to {name}: leave one out")
        mapping.columns[i], mapping.sources[i] = name, "chosen"
    mapping.unknown = [h for i, h in enumerate(headers) if i not in mapping.columns and str(h).strip()]
    _check_required(mapping, kind)
    return mapping


def missing_required(fields: set, kind: str) -> bool:
    """True when `fields` cannot name a row: reports need a name, victims an examination number or two numbers."""
    if kind == "reports":
        return not fields & {"full_name", "first_name"}
    return "exam_no" not in fields and not {"branch", "detainee_no"} <= fields


# Fields that alone or together name a row (flagged "required" on the mapping page).
REQUIRED = {"reports": ("full_name", "first_name"), "victims": ("exam_no", "branch", "detainee_no")}


def _check_required(mapping: Mapping, kind: str) -> None:
    have = mapping.fields()
    if kind == "reports" and not have & {"full_name", "first_name"}:
        raise MappingError("no column maps to the missing person's name (full_name, e.g. 'الاسم', or first_name, "
                           "e.g. 'الاسم الأول'): name it with --map \"Header=full_name\"")
    if kind == "victims" and "exam_no" not in have and not {"branch", "detainee_no"} <= have:
        raise MappingError("no column maps to exam_no (e.g. 'رقم الفحص', 'الرقم الطبي'), nor to both branch "
                           "('الفرع') and detainee_no ('رقم المعتقل'): a victim is found by these numbers; name the "
                           "column with --map \"Header=exam_no\"")
