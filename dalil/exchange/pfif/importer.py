"""Importing a PFIF file: every record validated, stored once, and turned into a report caseworkers see.

Safe to run again: a record already here with the same source_date and content
is "unchanged"; a later source_date updates the fields dalil has not edited; an
older one is skipped. A note never changes once stored (PFIF notes are
immutable): the same id with other content is refused. A bad record is refused
with its reason and kept (encrypted) with the run; the run goes on.
"""

from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from dalil.exchange import common
from dalil.exchange.models import ImportRun, PfifNote, PfifRecord, Rejection, encrypt_json
from dalil.exchange.pfif import fields as F
from dalil.exchange.pfif import report as mapping
from dalil.exchange.pfif import validate
from dalil.exchange.pfif.parse import Document, Record, Refused, parse
from dalil.identification.models import MissingPersonReport as Report
from dalil.lib import crypto

FIRST = 20  # problems listed in a summary


class ImportError_(Exception):
    """The file cannot be imported at all; str() says why."""


@dataclass
class Options:
    actor: str
    domain: str = ""
    consents: dict = field(default_factory=dict)  # report consent field -> bool (the sharing agreement)
    dry_run: bool = False


@dataclass
class Summary:
    file: str = ""
    sha256: str = ""
    version: str = ""
    domain: str = ""
    run: int | None = None
    dry_run: bool = False
    persons: int = 0
    notes: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    notes_created: int = 0
    notes_unchanged: int = 0
    notes_waiting: int = 0  # about a person not (yet) here
    rejected: list = field(default_factory=list)  # {"what", "field", "reason"}
    skipped: list = field(default_factory=list)  # {"what", "reason"}: valid, deliberately not applied
    warnings: list = field(default_factory=list)
    believed_dead: list = field(default_factory=list)  # note ids: for caseworkers, never shown to families
    references: list = field(default_factory=list)  # reports created

    def as_dict(self) -> dict:
        return asdict(self)


class _Rollback(Exception):
    pass


def _public(record: Record, private: tuple) -> dict:
    out = {k: v for k, v in record.fields.items() if v and k not in private and k != "entry_date"}
    out.update({f"x:{k}": v for k, v in record.extension.items() if v and k in mapping.EXTENSION})
    return out


def _private(record: Record, private: tuple) -> dict:
    return {k: record.fields[k] for k in private if record.fields.get(k)}


class _Import:
    def __init__(self, doc: Document, options: Options, summary: Summary, run: ImportRun):
        self.doc, self.options, self.summary, self.run = doc, options, summary, run
        self.domains = authorized_domains(doc, options.domain)
        self.rejected_persons: set[str] = set()

    def reject(self, record: Record, problem: validate.Problem) -> None:
        self.summary.rejected.append({"what": record.label(), "field": problem.field, "reason": problem.reason})
        Rejection.objects.create(run=self.run, what=record.label()[:200], field=problem.field,
                                 reason=problem.reason, original_encrypted=crypto.encrypt(record.original))

    def skip(self, record: Record, reason: str) -> None:
        self.summary.skipped.append({"what": record.label(), "reason": reason})

    # ---------------------------------------------------------------- persons

    def person(self, record: Record) -> None:
        problem = validate.person_problem(record, self.doc.version, self.domains)
        if problem:
            self.rejected_persons.add(record.record_id)
            return self.reject(record, problem)
        self.summary.warnings += validate.warnings(record)
        rid = record.record_id
        existing = PfifRecord.objects.select_related("report").filter(person_record_id=rid).first()
        expiry = record.fields.get("expiry_date", "")
        if expiry and expiry < timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"):
            note = f"; report {existing.report.reference} stays: a caseworker decides whether to close it" \
                if existing and existing.report else ""
            return self.skip(record, f"expired on {expiry}: PFIF asks that its details be kept no longer{note}")
        if existing is None:
            return self.create(record)
        if existing.origin == PfifRecord.Origin.HOME:
            return self.skip(record, "this instance is the record's home repository: the version here is "
                                     "authoritative")
        return self.update(existing, record)

    def _scratch(self, record: Record) -> Report:
        return mapping.apply(Report(), record.fields, record.extension, self.options.consents,
                             _private(record, F.PERSON_PRIVATE))

    def create(self, record: Record) -> None:
        report = self._scratch(record)
        _, report.followup_digest = Report.issue_followup_token()  # the token is issued when a caseworker gives it
        report.save()
        PfifRecord.objects.create(
            person_record_id=record.record_id, origin=PfifRecord.Origin.IMPORTED, report=report,
            version=self.doc.version, fields=_public(record, F.PERSON_PRIVATE), derived=mapping.derive(report),
            source_date=record.fields.get("source_date", ""), original_encrypted=crypto.encrypt(record.original),
            first_run=self.run, last_run=self.run)
        self.summary.created += 1
        self.summary.references.append(report.reference)
        common.record_audit(common.IMPORTED, f"report:{report.reference}", self.options.actor, run=self.run.pk,
                            person_record_id=record.record_id)

    def update(self, rec: PfifRecord, record: Record) -> None:
        incoming, date = _public(record, F.PERSON_PRIVATE), record.fields.get("source_date", "")
        report = rec.report
        contact = _private(record, F.PERSON_PRIVATE)
        same_contact = report is None or (report.reporter_name, report.reporter_phone, report.reporter_email) == (
            contact.get("author_name", ""), contact.get("author_phone", ""), contact.get("author_email", ""))
        if incoming == rec.fields and same_contact:
            self.summary.unchanged += 1
            return
        if date < rec.source_date:
            return self.skip(record, f"older than the version here (source_date {date} < {rec.source_date})")
        if date == rec.source_date:
            return self.reject(record, validate.Problem(
                "source_date", f"differs from the version imported before but has the same source_date {date}: "
                               f"PFIF gives a changed record a later source_date; not applied"))
        scratch = self._scratch(record)
        if report is not None:
            now, fresh = mapping.derive(report), mapping.derive(scratch)
            kept = []
            for name in mapping.EXT_TEXT + mapping.EXT_DATES + ("age_at_arrest",) + mapping.EXT_CONTACT:
                key = f"x:{name}"
                if now.get(key, "") == rec.derived.get(key, ""):
                    setattr(report, name, getattr(scratch, name))
                elif now.get(key, "") != fresh.get(key, ""):
                    kept.append(name)
            for name in mapping.EXT_CONSENTS:
                setattr(report, name, getattr(scratch, name))
            if not same_contact:
                report.set_private(name=contact.get("author_name", ""), phone=contact.get("author_phone", ""),
                                   email=contact.get("author_email", ""))
            report.save()
            if kept:
                self.summary.warnings.append(f"{record.label()}: kept dalil's edited {', '.join(kept)}")
            rec.derived = fresh
        rec.fields, rec.source_date, rec.version, rec.last_run = incoming, date, self.doc.version, self.run
        rec.original_encrypted = crypto.encrypt(record.original)
        rec.save()
        self.summary.updated += 1

    # ---------------------------------------------------------------- notes

    def note(self, record: Record) -> None:
        problem = validate.note_problem(record, self.domains, self.rejected_persons)
        if problem:
            return self.reject(record, problem)
        self.summary.warnings += validate.warnings(record)
        public, private = _public(record, F.NOTE_PRIVATE), _private(record, F.NOTE_PRIVATE)
        existing = PfifNote.objects.filter(note_record_id=record.record_id).first()
        if existing is not None:
            if existing.fields == public and existing.private == private:
                self.summary.notes_unchanged += 1
                return
            return self.reject(record, validate.Problem(
                "note_record_id", "was imported before with other content: PFIF notes never change, so this "
                                  "one is refused"))
        person = PfifRecord.objects.filter(person_record_id=public["person_record_id"]).first()
        PfifNote.objects.create(
            note_record_id=record.record_id, person_record_id=public["person_record_id"], record=person,
            status=public.get("status", ""), fields=public, private_encrypted=encrypt_json(private),
            source_date=public.get("source_date", ""), original_encrypted=crypto.encrypt(record.original),
            run=self.run, **self.options.consents)
        self.summary.notes_created += 1
        if person is None:
            self.summary.notes_waiting += 1
        if public.get("status") == "believed_dead":
            self.summary.believed_dead.append(record.record_id)

    def run_all(self) -> None:
        for record in self.doc.persons:
            self.person(record)
        for record in self.doc.notes:
            self.note(record)
        # notes that arrived before their person (in an earlier file) now find it
        for rec in PfifRecord.objects.filter(person_record_id__in=[p.record_id for p in self.doc.persons]):
            PfifNote.objects.filter(record__isnull=True, person_record_id=rec.person_record_id).update(record=rec)


def authorized_domains(doc, chosen: str) -> frozenset:
    """The domains whose records this import may write.

    Given (--domain, comma-separated): those. Else, as Person Finder's importer: the first record's domain, one
    source per file, so a feed cannot write records in another source's name. A file that a dalil instance
    exported mixes domains by design (its own reports and the records it imported): each record is taken under
    its own domain, so dalil re-imports its own export in one run.
    """
    if chosen:
        return frozenset(d.strip().lower() for d in chosen.split(",") if d.strip())
    records = doc.persons + doc.notes
    if doc.dalil_export:
        return frozenset(d for r in records if (d := F.domain_of(r.record_id)))
    return frozenset([F.domain_of(records[0].record_id)]) - {""} if records else frozenset()


def import_pfif(path: Path | str, options: Options) -> Summary:
    """Import one PFIF file (1.1-1.4); raises ImportError_ when the file as a whole cannot be read."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportError_(f"{path}: cannot read it ({exc.strerror or exc})") from None
    summary = Summary(file=str(path), sha256=common.sha256_bytes(data), dry_run=options.dry_run)
    try:
        doc = parse(data)
    except Refused as exc:
        raise ImportError_(f"{path.name}: {exc}") from None
    domains = authorized_domains(doc, options.domain)
    domain = ", ".join(sorted(domains))
    summary.version, summary.domain = doc.version, domain
    if doc.dalil_export and not options.domain and len(domains) > 1:
        summary.warnings.append(f"a dalil export: each record taken under its own domain ({domain})")
    summary.persons, summary.notes = len(doc.persons), len(doc.notes)
    summary.warnings += doc.warnings
    try:
        with transaction.atomic():
            run = ImportRun.objects.create(
                kind=ImportRun.Kind.PFIF, file_name=path.name[:500], file_sha256=summary.sha256,
                file_size=len(data), actor=options.actor,
                options={"version": doc.version, "domain": domain, "consents": options.consents})
            summary.run = run.pk
            _Import(doc, options, summary, run).run_all()
            run.summary = _short(summary)
            run.save(update_fields=["summary"])
            common.record_audit(common.IMPORTED, f"import:{run.pk}", options.actor, kind="pfif",
                                file=path.name, sha256=summary.sha256, **_counts(summary))
            if options.dry_run:
                raise _Rollback
    except _Rollback:
        summary.run = None
    return summary


def _counts(s: Summary) -> dict:
    return {"created": s.created, "updated": s.updated, "unchanged": s.unchanged, "rejected": len(s.rejected),
            "skipped": len(s.skipped), "notes_created": s.notes_created, "notes_unchanged": s.notes_unchanged}


def _short(s: Summary) -> dict:
    return {**_counts(s), "version": s.version, "domain": s.domain, "rejections": s.rejected[:FIRST],
            "skips": s.skipped[:FIRST], "believed_dead": s.believed_dead[:FIRST]}
