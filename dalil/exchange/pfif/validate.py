"""Deciding whether a parsed PFIF record may be imported: the reason (and the field) when it may not.

What PFIF demands and a missing-person report cannot do without rejects a
record: a record id that is not "domain/identifier", a record from outside the
domain this import is authorised for (one file carries one source's records, as
Person Finder's importer enforces), a value in the wrong format, no name, no
source_date where the version requires one. Gaps PFIF lists as mandatory but
that harm nothing here (a note without author_name, as in Person Finder's own
test files) are warnings: the record is kept.
"""

from dataclasses import dataclass

from dalil.exchange.pfif import fields as F
from dalil.exchange.pfif.parse import Record


@dataclass
class Problem:
    field: str
    reason: str


def _id_problem(record: Record, name: str, domains: frozenset) -> Problem | None:
    value = record.fields.get(name, "")
    if not value:
        return Problem(name, f"has no {name}, which PFIF requires")
    if reason := F.check_record_id(value, name):
        return Problem(name, reason)
    if domains and F.domain_of(value) not in domains:
        allowed = ", ".join(repr(d) for d in sorted(domains))
        return Problem(name, f"{value!r} is not in the authorized domain {allowed}: an import takes the records "
                             f"of the sources it is told to (pass --domain to choose others)")
    return None


def _value_problem(record: Record) -> Problem | None:
    for name, value in record.fields.items():
        if reason := F.check_value(name, value):
            return Problem(name, reason)
    return None


def person_problem(record: Record, version: str, domains: frozenset) -> Problem | None:
    problem = _id_problem(record, "person_record_id", domains) or _value_problem(record)
    if problem:
        return problem
    f = record.fields
    if not (f.get("full_name") or f.get("given_name") or f.get("family_name")):
        return Problem("full_name", "has no name (full_name, given_name or family_name): a report needs one")
    if version in ("1.3", "1.4") and not f.get("source_date"):
        return Problem("source_date", f"has no source_date, which PFIF {version} requires")
    return None


def note_problem(record: Record, domains: frozenset, rejected_persons: set) -> Problem | None:
    problem = _id_problem(record, "note_record_id", domains)
    if problem:
        return problem
    own = record.fields.get("person_record_id", "")
    if record.enclosing_person and own != record.enclosing_person:
        return Problem("person_record_id", f"{own!r} differs from the person record {record.enclosing_person!r} "
                                           f"the note is inside")
    if not own:
        return Problem("person_record_id", "has no person_record_id, so it is about no one")
    if reason := F.check_record_id(own, "person_record_id"):
        return Problem("person_record_id", reason)
    if own in rejected_persons:
        return Problem("person_record_id", f"its person record {own!r} was rejected")
    if not record.fields.get("source_date"):
        return Problem("source_date", "has no source_date, which PFIF requires of every note")
    return _value_problem(record)


def warnings(record: Record) -> list[str]:
    out = [f"{record.label()}: ignored element {name}" for name in record.ignored]
    if record.kind == "note" and not record.fields.get("author_name"):
        out.append(f"{record.label()}: no author_name (PFIF lists it as required); kept")
    return out
