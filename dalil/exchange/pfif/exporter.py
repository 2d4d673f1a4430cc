"""Exporting missing-person reports as PFIF 1.4 under an export profile.

What leaves, and why:
- a report only when the profile allows it (the family's consent to share with
  prosecutors, or with other bodies);
- the reporter's name, phone and email (and relationship, and whether they would
  testify) only when the profile carries contact details and the family agreed
  to be contacted; otherwise author_name is written empty, as PFIF requires it;
- a confirmed identification becomes a note with status believed_dead, naming the
  body's three numbers, only under a profile that allows it (prosecutor). Under
  any other profile the note is left out entirely, and so are believed_dead notes
  received from others: any note about a match would tell the recipient the
  person died, before the family may have been told in person;
- a dalil report also carries one information_sought note (reported missing, when).
An imported record is written back as it arrived, except the fields dalil has
edited since; a dalil report gets a stable opaque id (never its reference, which
the family uses with the association).
"""

import secrets
from dataclasses import asdict, dataclass

from dalil.exchange import common
from dalil.exchange.models import PfifNote, PfifRecord
from dalil.exchange.pfif import report as mapping
from dalil.identification.models import Identification, IdentificationStep
from dalil.identification.models import MissingPersonReport as Report

State = Identification.State


@dataclass
class ExportSummary:
    persons: int = 0
    notes: int = 0
    loose_notes: int = 0
    not_consented: int = 0  # reports the profile does not allow
    without_contact: int = 0  # reports written without contact details
    death_notes_withheld: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def pfif_time(value) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def record_for(report: Report) -> PfifRecord:
    """The report's PFIF record: the imported one, else a home record made on first export (its id never changes)."""
    rec = PfifRecord.objects.filter(report=report).first()
    if rec is None:
        rec = PfifRecord.objects.create(
            person_record_id=f"{common.home_domain()}/person.{secrets.token_hex(8)}",
            origin=PfifRecord.Origin.HOME, report=report, version="1.4")
    return rec


def person_fields(rec: PfifRecord, report: Report, contact: bool) -> dict:
    now = mapping.derive(report)
    imported = rec.origin == PfifRecord.Origin.IMPORTED
    out = dict(rec.fields) if imported else {}
    for key in set(now) | set(rec.derived if imported else {}):
        if key.startswith("x:consent_"):
            continue
        if imported and now.get(key, "") == rec.derived.get(key, ""):
            continue  # not edited here since import: the record as received
        out[key] = now.get(key, "")
    for name in mapping.EXT_CONSENTS:  # what the family agreed to, always as it stands now
        out[f"x:{name}"] = now[f"x:{name}"] if f"x:{name}" in now else "false"
    out["person_record_id"] = rec.person_record_id
    out["entry_date"] = pfif_time(rec.entry_date if imported else report.created_at)
    if not imported:
        out["source_name"] = common.home_domain()
        out["source_date"] = pfif_time(report.updated_at)
    for name in ("author_name", "author_email", "author_phone"):
        out.pop(name, None)
    if contact:
        out.update(author_name=report.reporter_name, author_email=report.reporter_email,
                   author_phone=report.reporter_phone)
    else:
        for name in mapping.EXT_CONTACT:
            out.pop(f"x:{name}", None)
    return {k: v for k, v in out.items() if v}


def _stored_note(note: PfifNote, contact: bool) -> dict:
    out = dict(note.fields)
    if contact:
        out.update(note.private)
    out["entry_date"] = pfif_time(note.entry_date)
    return out


def _home_notes(rec: PfifRecord, report: Report, profile, contact: bool, summary: ExportSummary) -> list[dict]:
    """Notes dalil itself states: reported missing (dalil reports), identified (and withdrawn) under prosecutor."""
    domain, local = common.home_domain(), rec.person_record_id.split("/", 1)[1]
    organisation = common.home_domain()
    notes = []
    if rec.origin == PfifRecord.Origin.HOME:
        notes.append({"note_record_id": f"{domain}/note.{local}.reported", "person_record_id": rec.person_record_id,
                      "author_name": report.reporter_name if contact else "", "status": "information_sought",
                      "author_email": report.reporter_email if contact else "",
                      "author_phone": report.reporter_phone if contact else "",
                      "source_date": pfif_time(report.created_at), "entry_date": pfif_time(report.created_at),
                      "text": f"Reported missing to {organisation}."})
    steps = IdentificationStep.objects.filter(identification__report=report, to_state=State.CONFIRMED)
    for step in steps.select_related("identification__case").order_by("at", "pk"):
        if not profile.believed_dead:
            summary.death_notes_withheld += 1
            continue
        ident, case = step.identification, step.identification.case
        numbers = (f"branch {case.branch or '?'}, detainee number {case.detainee_no or '?'}, "
                   f"examination number {case.exam_no or '?'}")
        confirmed = {"note_record_id": f"{domain}/note.identification-{ident.pk}-{step.pk}",
                     "person_record_id": rec.person_record_id, "author_name": organisation,
                     "source_date": pfif_time(step.at), "entry_date": pfif_time(step.at), "status": "believed_dead",
                     "text": f"Identified after review by two different reviewers as the body recorded under "
                             f"{numbers}."}
        notes.append(confirmed)
        withdrawn = IdentificationStep.objects.filter(identification=ident, to_state=State.REJECTED,
                                                      at__gte=step.at).exclude(pk=step.pk).order_by("at", "pk").first()
        if withdrawn is not None:
            notes.append({"note_record_id": f"{domain}/note.identification-{ident.pk}-{withdrawn.pk}",
                          "person_record_id": rec.person_record_id, "author_name": organisation,
                          "source_date": pfif_time(withdrawn.at), "entry_date": pfif_time(withdrawn.at),
                          "status": "information_sought",
                          "text": f"The identification in note {confirmed['note_record_id']} was withdrawn after "
                                  f"further review; the search goes on."})
    return notes


# Notes from apps above exchange, which it cannot import: callables (rec, report, pfif_time, home_domain) ->
# notes. dalil.names registers the caseworkers' "same person" links (linked_person_record_id).
NOTE_SOURCES: list = []


def build(profile, references: list[str] | None = None) -> tuple[list, list, ExportSummary]:
    """(person, notes) pairs and loose notes for a profile; `references` limits it to those reports."""
    summary = ExportSummary()
    reports = Report.objects.order_by("pk")
    if references:
        reports = reports.filter(reference__in=references)
    persons = []
    for report in reports:
        if not profile.allows_report(report):
            summary.not_consented += 1
            continue
        contact = profile.allows_contact(report)
        summary.without_contact += not contact
        rec = record_for(report)
        notes = _home_notes(rec, report, profile, contact, summary)
        for note in rec.notes.all():
            if note.status == "believed_dead" and not profile.believed_dead:
                summary.death_notes_withheld += 1
                continue
            notes.append(_stored_note(note, contact and note.consent_contact))
        linked = [n for source in NOTE_SOURCES for n in source(rec, report, pfif_time, common.home_domain())]
        persons.append((person_fields(rec, report, contact), notes, linked))
    # A link dalil states to a record that does not leave in this export would tell the recipient that another
    # report exists: such links are kept only between records both exported (stored notes travel as they came).
    exported = {fields["person_record_id"] for fields, _, _ in persons}
    for _, notes, linked in persons:
        notes.extend(n for n in linked if n.get("linked_person_record_id") in exported)
        notes[:] = [{k: v for k, v in n.items() if v} for n in notes]
        notes.sort(key=lambda n: (n.get("source_date", ""), n["note_record_id"]))
        summary.notes += len(notes)
    persons = [(fields, notes) for fields, notes, _ in persons]
    persons.sort(key=lambda pair: pair[0]["person_record_id"])
    loose = []
    if not references:
        for note in PfifNote.objects.filter(record__isnull=True).order_by("note_record_id"):
            if not profile.allows_report(note):
                continue
            if note.status == "believed_dead" and not profile.believed_dead:
                summary.death_notes_withheld += 1
                continue
            loose.append({k: v for k, v in _stored_note(note, profile.allows_contact(note)).items() if v})
    summary.persons, summary.loose_notes = len(persons), len(loose)
    return persons, loose, summary
