"""Between a PFIF person record and a MissingPersonReport, both ways.

`apply()` fills a report from a record (PFIF fields, and dalil's extension
elements when the record came from another dalil). `derive()` writes a report as
PFIF fields plus "x:" extension fields; the exporter compares it with what
`derive()` gave right after import to tell the fields dalil has edited since.
"""

import datetime
import re

from dalil.identification.models import MissingPersonReport as Report
from dalil.lib.dates import partial_date, written

NAME_PARTS = ("first", "father", "grandfather", "family", "mother")
EXT_TEXT = tuple(f"{part}_name_{script}" for script in ("ar", "latin") for part in NAME_PARTS) + (
    "sex", "home_town", "arrest_place", "arresting_branch", "last_detention_place", "distinguishing_marks",
    "chronic_illnesses", "language")
EXT_DATES = ("birth_date", "arrest_date")
EXT_CONSENTS = ("consent_contact", "consent_prosecutors", "consent_other_bodies")
# Extension fields about the reporter: they leave only with the contact details.
EXT_CONTACT = ("reporter_relationship", "would_testify")
EXTENSION = EXT_TEXT + EXT_DATES + ("age_at_arrest",) + EXT_CONSENTS + EXT_CONTACT
_ARABIC = re.compile("[\u0600-\u06ff]")


def is_arabic(text: str) -> bool:
    return bool(_ARABIC.search(text or ""))


def _fit(name: str, value: str) -> str:
    limit = Report._meta.get_field(name).max_length
    return (value or "")[:limit] if limit else (value or "")


def _date(text: str) -> tuple[datetime.date | None, str]:
    """PFIF's yyyy, yyyy-mm or yyyy-mm-dd as (first day, precision); (None, "day") for anything else."""
    found = partial_date(text or "")
    return found if found else (None, "day")


def _written(report: Report, name: str) -> str:
    """A report's date as PFIF writes a partial date: yyyy, yyyy-mm or yyyy-mm-dd, at what the family knew."""
    return written(getattr(report, name), getattr(report, f"{name}_precision", "day"))


def _split_name(full: str, script: str) -> dict:
    """'محمد أحمد حسن الخطيب' -> first, father, grandfather, family (the Arabic four-part name); Latin: first, family."""
    words = full.split()
    if not words:
        return {}
    parts = {"first": words[0]}
    if len(words) > 1:
        parts["family"] = words[-1]
    if script == "ar" and len(words) in (3, 4):
        parts["father"] = words[1]
        if len(words) == 4:
            parts["grandfather"] = words[2]
    return parts


def _names(fields: dict) -> dict:
    """Report name fields from PFIF given/family/full names (a full name per line in 1.4)."""
    out = {}
    given, family = fields.get("given_name", ""), fields.get("family_name", "")
    for value, part in ((given, "first"), (family, "family")):
        if value:
            out[f"{part}_name_{'ar' if is_arabic(value) else 'latin'}"] = value
    for line in (fields.get("full_name") or "").splitlines():
        script = "ar" if is_arabic(line) else "latin"
        if out.get(f"first_name_{script}") or out.get(f"family_name_{script}"):
            continue
        for part, value in _split_name(line, script).items():
            out[f"{part}_name_{script}"] = value
    return out


def apply(report: Report, fields: dict, extension: dict, consents: dict, contact: dict) -> Report:
    """Fill `report` from a record's PFIF fields and dalil extension; `consents` caps what the record may claim."""
    values = dict(_names(fields))
    if fields.get("sex") in ("male", "female"):
        values["sex"] = fields["sex"]
    values["birth_date"], values["birth_date_precision"] = _date(fields.get("date_of_birth", ""))
    age = fields.get("age", "")
    values["age_at_arrest"] = int(age) if age.isdigit() else None
    values["home_town"] = ", ".join(fields[k] for k in ("home_neighborhood", "home_city", "home_state",
                                                        "home_country") if fields.get(k))
    values["distinguishing_marks"] = fields.get("description", "")
    names = " ".join(v for k, v in values.items() if k.endswith("_ar") and v)
    values["language"] = "ar" if names or not any(k.endswith("_latin") for k in values) else "en"
    if extension:  # a dalil record: its own fields are exact, so they win
        for name in EXT_TEXT + EXT_CONTACT:
            if name in extension:
                values[name] = extension[name]
        for name in EXT_DATES:
            if name in extension:
                values[name], values[f"{name}_precision"] = _date(extension[name])
            if f"{name}_approximate" in extension:
                values[f"{name}_approximate"] = extension[f"{name}_approximate"] == "true"
        if "age_at_arrest" in extension:
            values["age_at_arrest"] = int(extension["age_at_arrest"]) if extension["age_at_arrest"].isdigit() else None
    for name, value in values.items():
        if name == "would_testify" and value not in Report.Testify.values:
            value = ""
        setattr(report, name, _fit(name, value) if isinstance(value, str) else value)
    for name in EXT_CONSENTS:
        claimed = extension.get(name, "true") == "true" if extension else True
        setattr(report, name, bool(consents.get(name)) and claimed)
    report.set_private(name=contact.get("author_name", ""), phone=contact.get("author_phone", ""),
                       email=contact.get("author_email", ""))
    return report


def _description(report: Report) -> str:
    lines = []
    mother = report.mother_name_ar or report.mother_name_latin
    if mother:
        lines.append(f"Mother: {mother}")
    arrest = []
    if report.arrest_date:
        arrest.append(f"on {report.arrest_date.isoformat()}")
    if report.arrest_place:
        arrest.append(f"in {report.arrest_place}")
    if report.arresting_branch:
        arrest.append(f"by branch {report.arresting_branch}")
    if arrest:
        lines.append("Arrested " + " ".join(arrest))
    if report.age_at_arrest is not None:
        lines.append(f"Age at arrest: {report.age_at_arrest}")
    if report.last_detention_place:
        lines.append(f"Last known place of detention: {report.last_detention_place}")
    if report.distinguishing_marks:
        lines.append(f"Distinguishing marks: {report.distinguishing_marks}")
    if report.chronic_illnesses:
        lines.append(f"Chronic illnesses: {report.chronic_illnesses}")
    return "\n".join(lines)


def derive(report: Report) -> dict:
    """The report as PFIF 1.4 person fields (no contact details) plus 'x:'-prefixed extension fields."""
    out = {
        "full_name": "\n".join(n for n in (report.full_name_ar(), report.full_name_latin()) if n),
        "given_name": report.first_name_ar or report.first_name_latin,
        "family_name": report.family_name_ar or report.family_name_latin,
        "description": _description(report),
        "sex": report.sex,
        "date_of_birth": _written(report, "birth_date"),
        "home_city": report.home_town,
    }
    for name in EXT_TEXT + EXT_CONTACT:
        out[f"x:{name}"] = getattr(report, name) or ""
    for name in EXT_DATES:
        out[f"x:{name}"] = _written(report, name)
        out[f"x:{name}_approximate"] = "true" if getattr(report, f"{name}_approximate", False) else ""
    out["x:age_at_arrest"] = "" if report.age_at_arrest is None else str(report.age_at_arrest)
    for name in EXT_CONSENTS:
        out[f"x:{name}"] = "true" if getattr(report, name) else "false"
    return {k: v for k, v in out.items() if v}
