"""Importing PFIF 1.1-1.4: every sample file, the bad record, safety, idempotence, updates, privacy."""

import pytest
from django.db import connection

from dalil.audit.models import AuditEvent
from dalil.exchange.models import ImportRun, PfifNote, PfifRecord, Rejection
from dalil.exchange.pfif.importer import ImportError_
from dalil.exchange.pfif.parse import Refused, parse
from dalil.identification.models import MissingPersonReport
from tests.conftest import corpus
from tests.exchange.conftest import load, pfif_samples

pytestmark = pytest.mark.django_db

# What each sample holds: (persons imported, notes imported, records refused)
EXPECTED = {
    "global-test.pfif-1.2-source.xml": (1, 0, 0),
    "test.pfif-1.1.xml": (1, 2, 0),
    "test.pfif-1.2-badrecord.xml": (1, 4, 1),
    "test.pfif-1.2-believed-dead.xml": (0, 1, 0),
    "test.pfif-1.2-note.xml": (0, 2, 0),
    "test.pfif-1.2-notification.xml": (0, 1, 0),
    "test.pfif-1.2-source.xml": (1, 0, 0),
    "test.pfif-1.2.xml": (1, 4, 0),
    "test.pfif-1.4.xml": (1, 4, 0),
}


def test_it_has_the_pfif_corpus_and_knows_every_sample():
    names = sorted(p.name for p in corpus("pfif").glob("*.xml"))
    assert names == sorted(EXPECTED)


@pytest.mark.parametrize("name", pfif_samples())
def test_it_imports_every_sample_file(pfif_dir, name):
    persons, notes, refused = EXPECTED[name]
    s = load(pfif_dir / name)
    assert (s.created, s.notes_created, len(s.rejected)) == (persons, notes, refused)
    assert PfifRecord.objects.count() == persons == MissingPersonReport.objects.count()
    assert PfifNote.objects.count() == notes
    assert Rejection.objects.count() == refused
    run = ImportRun.objects.get()
    assert run.file_sha256 == s.sha256 and run.summary["created"] == persons
    assert AuditEvent.objects.filter(action="data_imported", target=f"import:{run.pk}").exists()


def test_it_refuses_the_bad_record_with_the_reason_pfif_gives_and_imports_the_rest(pfif_dir):
    s = load(pfif_dir / "test.pfif-1.2-badrecord.xml")
    assert s.domain == "test.google.com"
    [bad] = s.rejected
    assert bad["what"] == "person record foo.google.com/person.666"
    assert bad["field"] == "person_record_id"
    assert "not in the authorized domain 'test.google.com'" in bad["reason"]
    stored = Rejection.objects.get()
    assert stored.what == bad["what"] and "authorized domain" in stored.reason
    assert b"foo.google.com/person.666" not in bytes(stored.original_encrypted)  # kept, but encrypted
    assert list(PfifRecord.objects.values_list("person_record_id", flat=True)) == ["test.google.com/person.21009"]
    assert PfifNote.objects.filter(record__person_record_id="test.google.com/person.21009").count() == 4


def test_it_takes_the_other_domain_only_when_told(pfif_dir):
    s = load(pfif_dir / "test.pfif-1.2-badrecord.xml", domain="foo.google.com")
    assert s.created == 1 and PfifRecord.objects.get().person_record_id == "foo.google.com/person.666"
    assert len(s.rejected) == 5  # the test.google.com person and its four notes


def test_it_turns_pfif_1_1_names_into_1_4_ones(pfif_dir):
    load(pfif_dir / "test.pfif-1.1.xml")
    rec = PfifRecord.objects.get()
    assert rec.version == "1.1"
    assert rec.fields["given_name"] == "_test_first_name" and rec.fields["family_name"] == "_test_last_name"
    assert rec.fields["home_postal_code"] == "_test_home_zip"
    assert rec.fields["description"] == "_test_description"  # "other: description:" unwrapped
    assert rec.fields["home_city"] == "_test_home_city"  # whitespace stripped
    assert rec.fields["full_name"] == "_test_first_name _test_last_name"
    found = PfifNote.objects.get(note_record_id="test.google.com/note.27009")
    assert found.fields["author_made_contact"] == "true" and "found" not in found.fields


def test_it_makes_a_report_for_the_casework_queue_with_contacts_encrypted(pfif_dir):
    s = load(pfif_dir / "test.pfif-1.4.xml")
    report = MissingPersonReport.objects.get()
    assert s.references == [report.reference] and report.status == MissingPersonReport.Status.RECEIVED
    assert report.followup_digest and len(report.followup_digest) == 64
    assert (report.first_name_latin, report.family_name_latin, report.sex) == (
        "_test_given_name", "_test_family_name", "female")
    assert report.reporter_email == "_test_author_email" and report.reporter_phone == "_test_author_phone"
    assert report.consent_prosecutors and report.consent_contact
    rec = report.pfif_record
    assert not {"author_name", "author_email", "author_phone"} & set(rec.fields)
    note = PfifNote.objects.get(note_record_id="test.google.com/note.27009")
    assert note.private["phone_of_found_person"] == "_test_phone_of_found_person"
    assert "phone_of_found_person" not in note.fields
    with connection.cursor() as cursor:  # nothing in clear anywhere in the tables
        for table in ("exchange_pfifrecord", "exchange_pfifnote", "identification_missingpersonreport"):
            cursor.execute(f"SELECT * FROM {table}")
            assert "_test_author_phone" not in repr(cursor.fetchall())


def test_it_gives_no_consent_the_source_was_not_given(pfif_dir):
    load(pfif_dir / "test.pfif-1.4.xml", consents=[])
    report = MissingPersonReport.objects.get()
    assert not (report.consent_contact or report.consent_prosecutors or report.consent_other_bodies)


def test_it_imports_the_same_file_twice_without_creating_anything(pfif_dir):
    load(pfif_dir / "test.pfif-1.2.xml")
    again = load(pfif_dir / "test.pfif-1.2.xml")
    assert (again.created, again.updated, again.unchanged, again.notes_created, again.notes_unchanged) == (
        0, 0, 1, 0, 4)
    assert again.rejected == []
    assert MissingPersonReport.objects.count() == 1 and PfifNote.objects.count() == 4


def test_it_writes_nothing_on_a_dry_run(pfif_dir):
    s = load(pfif_dir / "test.pfif-1.2.xml", dry_run=True)
    assert s.created == 1 and s.notes_created == 4 and s.run is None
    assert not MissingPersonReport.objects.exists() and not PfifRecord.objects.exists()
    assert not ImportRun.objects.exists() and not AuditEvent.objects.filter(action="data_imported").exists()


def test_it_links_notes_that_came_before_their_person(pfif_dir):
    first = load(pfif_dir / "test.pfif-1.2-believed-dead.xml")
    assert first.notes_waiting == 1 and first.believed_dead == ["test.google.com/note.218"]
    load(pfif_dir / "test.pfif-1.2-source.xml", domain="mytestdomain.com")
    assert PfifNote.objects.get().record is None
    load(pfif_dir / "test.pfif-1.1.xml")
    note = PfifNote.objects.get(note_record_id="test.google.com/note.218")
    assert note.record.person_record_id == "test.google.com/person.21009"
    assert note.record.report.status == MissingPersonReport.Status.RECEIVED  # a death note tells families nothing


def _variant(tmp_path, pfif_dir, source_date, **replace):
    text = (pfif_dir / "test.pfif-1.4.xml").read_text()
    text = text.replace("<pfif:source_date>2000-01-01T00:00:00Z", f"<pfif:source_date>{source_date}")
    for old, new in replace.items():
        text = text.replace(old, new)
    path = tmp_path / f"variant-{source_date[:4]}.xml"
    path.write_text(text)
    return path


def test_it_updates_a_record_given_a_later_source_date_keeping_dalils_edits(tmp_path, pfif_dir):
    load(pfif_dir / "test.pfif-1.4.xml")
    report = MissingPersonReport.objects.get()
    report.family_name_latin = "Corrected by a caseworker"
    report.save()
    later = _variant(tmp_path, pfif_dir, "2001-01-01T00:00:00Z", _test_given_name="Newer given name",
                     _test_family_name="Newer family name")
    s = load(later)
    assert s.updated == 1 and "family_name_latin" in " ".join(s.warnings)
    report.refresh_from_db()
    assert report.first_name_latin == "Newer given name"
    assert report.family_name_latin == "Corrected by a caseworker"
    assert report.pfif_record.source_date == "2001-01-01T00:00:00Z"


def test_it_skips_an_older_version_and_refuses_a_changed_one_with_the_same_date(tmp_path, pfif_dir):
    load(pfif_dir / "test.pfif-1.4.xml")
    older = load(_variant(tmp_path, pfif_dir, "1999-01-01T00:00:00Z", _test_given_name="Old"))
    assert older.updated == 0 and "older than the version here" in older.skipped[0]["reason"]
    same = load(_variant(tmp_path, pfif_dir, "2000-01-01T00:00:00Z", _test_given_name="Same date"))
    assert same.rejected[0]["field"] == "source_date"
    assert MissingPersonReport.objects.get().first_name_latin == "_test_given_name"


def test_it_refuses_a_changed_note_because_pfif_notes_never_change(pfif_dir):
    load(pfif_dir / "test.pfif-1.2.xml")
    s = load(pfif_dir / "test.pfif-1.2-note.xml")  # both note ids again: another source_date, another person
    assert [r["what"] for r in s.rejected] == ["note record test.google.com/note.27009",
                                               "note record test.google.com/note.31095"]
    assert "never change" in s.rejected[0]["reason"]


FORMAT_BREAKS = {"sex": "unknown", "date_of_birth": "January 1970", "age": "45-35", "source_date": "2000-01-01",
                 "person_record_id": "no-slash-here"}
# Right syntax, impossible values: the examiner's 1234-56-78T90:12:34Z was stored.
IMPOSSIBLE = {"source_date": "1234-56-78T90:12:34Z", "date_of_birth": "1970-13"}


@pytest.fixture(params=["format", "impossible"])
def bad_values(request):
    return FORMAT_BREAKS if request.param == "format" else {**FORMAT_BREAKS, **IMPOSSIBLE}


@pytest.mark.parametrize("snippet, field, reason", [
    ("<pfif:sex>female</pfif:sex>", "sex", "sex 'unknown' is not one of"),
    ("<pfif:date_of_birth>1970-01</pfif:date_of_birth>", "date_of_birth", "is not written yyyy"),
    ("<pfif:age>35-45</pfif:age>", "age", "is not a number or a range"),
    ("<pfif:source_date>2000-01-01T00:00:00Z</pfif:source_date>", "source_date", "is not a UTC date"),
    ("<pfif:person_record_id>test.google.com/person.21009</pfif:person_record_id>", "person_record_id",
     "is not a domain name"),
])
def test_it_refuses_a_person_whose_value_breaks_the_format(tmp_path, pfif_dir, snippet, field, reason, bad_values):
    text = (pfif_dir / "test.pfif-1.4.xml").read_text()
    tag = snippet.split(">")[0] + ">"
    text = text.replace(snippet, f"{tag}{bad_values[field]}</{tag[1:]}", 1)
    path = tmp_path / "bad.xml"
    path.write_text(text)
    s = load(path, domain="test.google.com")
    person = [r for r in s.rejected if r["what"].startswith("person record")]
    assert person and person[0]["field"] == field and reason in person[0]["reason"]
    assert MissingPersonReport.objects.count() == 0
    assert len(s.rejected) == 5  # its four notes go with it


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE pfif [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4"><pfif:person>
<pfif:person_record_id>evil.example/p.1</pfif:person_record_id><pfif:full_name>&secret;</pfif:full_name>
</pfif:person></pfif:pfif>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4"><pfif:person><pfif:full_name>&lol3;</pfif:full_name>
</pfif:person></pfif:pfif>"""
UNDECLARED = b"""<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4"><pfif:person>
<pfif:full_name>&secret;</pfif:full_name></pfif:person></pfif:pfif>"""


@pytest.mark.parametrize("data, words", [(XXE, "DTD"), (LAUGHS, "DTD"), (UNDECLARED, "undefined entity"),
                                         (b"<html><body/></html>", "not <pfif>"), (b"<pfif:pfif", "well-formed"),
                                         (b"", "empty")])
def test_it_refuses_unsafe_or_foreign_xml(tmp_path, data, words):
    with pytest.raises(Refused, match=words):
        parse(data)
    path = tmp_path / "evil.xml"
    path.write_bytes(data)
    with pytest.raises(ImportError_, match=words):
        load(path)
    assert not MissingPersonReport.objects.exists() and not ImportRun.objects.exists()


def test_it_reads_pfif_written_in_another_encoding():
    text = ('<?xml version="1.0" encoding="UTF-16"?><pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4"><pfif:person>'
            "<pfif:person_record_id>x.org/p.1</pfif:person_record_id><pfif:full_name>سعاد</pfif:full_name>"
            "</pfif:person></pfif:pfif>")
    doc = parse(text.encode("utf-16"))
    assert doc.persons[0].fields["full_name"] == "سعاد"


def test_it_takes_arabic_names_into_the_arabic_fields(tmp_path):
    path = tmp_path / "arabic.xml"
    path.write_text('<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4"><pfif:person>'
                    "<pfif:person_record_id>syria.example/p.7</pfif:person_record_id>"
                    "<pfif:source_date>2013-05-01T00:00:00Z</pfif:source_date>"
                    "<pfif:full_name>محمد أحمد حسن الخطيب\nMohammad al-Khatib</pfif:full_name>"
                    "<pfif:age>24</pfif:age></pfif:person></pfif:pfif>", encoding="utf-8")
    load(path)
    r = MissingPersonReport.objects.get()
    assert (r.first_name_ar, r.father_name_ar, r.grandfather_name_ar, r.family_name_ar) == (
        "محمد", "أحمد", "حسن", "الخطيب")
    assert (r.first_name_latin, r.family_name_latin, r.age_at_arrest, r.language) == (
        "Mohammad", "al-Khatib", 24, "ar")
