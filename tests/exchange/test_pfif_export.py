"""Exporting PFIF 1.4 under a profile, and the round trip export -> import into an empty database -> export."""

import pytest
from django.core.management import CommandError, call_command

from dalil.audit.models import AuditEvent
from dalil.exchange.pfif.parse import parse
from dalil.exports.models import ExportJob
from dalil.identification import workflow
from tests.exchange.conftest import load, pfif_samples, wipe
from tests.identification.personas import make_case, make_report

pytestmark = pytest.mark.django_db


def export(tmp_path, profile="prosecutor", name="out.xml", *extra) -> bytes:
    out = tmp_path / f"{profile}-{name}"
    call_command("export", "pfif", str(out), "--profile", profile, "--actor", "test", *extra)
    return out.read_bytes()


def records(data: bytes) -> list[dict]:
    """Every record of a PFIF document, field by field, export timestamps (entry_date) left out."""
    doc = parse(data)
    out = []
    for record in doc.persons + doc.notes:
        fields = {k: v for k, v in record.fields.items() if k != "entry_date"}
        out.append({"kind": record.kind, **fields, **{f"x:{k}": v for k, v in record.extension.items()}})
    return out


@pytest.mark.parametrize("name", pfif_samples())
def test_it_round_trips_every_sample_without_loss(tmp_path, pfif_dir, name):
    imported = load(pfif_dir / name)
    first = export(tmp_path, name="first.xml")
    wipe()
    again = load(tmp_path / "prosecutor-first.xml")
    assert again.rejected == [] and again.created == imported.created
    assert again.notes_created == imported.notes_created
    second = export(tmp_path, name="second.xml")
    assert records(first) == records(second)
    assert len(records(first)) == imported.created + imported.notes_created
    # the sample's own values all came through (entry_date is set by the repository storing a record)
    sample = {r.record_id: r.fields for r in parse((pfif_dir / name).read_bytes()).persons +
              parse((pfif_dir / name).read_bytes()).notes}
    for record in records(second):
        ident = record.get("person_record_id") if record["kind"] == "person" else record["note_record_id"]
        if ident in sample:
            expected = {k: v for k, v in sample[ident].items() if v and k != "entry_date"}
            assert expected.items() <= record.items(), ident


def _identified(reviewer, second_reviewer, caseworker, **fields):
    report = make_report(consent_prosecutors=True, consent_other_bodies=True, **fields)
    case = make_case()
    ident = workflow.propose(report, case, caseworker)
    workflow.corroborate(ident, reviewer, "الندبة والأرقام متطابقة")
    workflow.confirm(ident, second_reviewer)
    return report, case


def test_it_states_believed_dead_only_under_the_prosecutor_profile(tmp_path, reviewer, second_reviewer, caseworker):
    report, case = _identified(reviewer, second_reviewer, caseworker)
    prosecutor = export(tmp_path, "prosecutor")
    notes = parse(prosecutor).notes
    dead = [n for n in notes if n.fields.get("status") == "believed_dead"]
    assert len(dead) == 1 and "examination number 1001" in dead[0].fields["text"]
    partner = export(tmp_path, "partner")
    assert b"believed_dead" not in partner and b"1001" not in partner and b"Identified" not in partner
    assert len(parse(partner).persons) == 1
    assert ExportJob.objects.get(profile="partner").summary["death_notes_withheld"] == 1


def test_it_withdraws_a_believed_dead_note_when_the_identification_is_rejected(tmp_path, reviewer, second_reviewer,
                                                                              caseworker):
    report, case = _identified(reviewer, second_reviewer, caseworker)
    workflow.reject(report.identifications.get(), reviewer, "تبين خطأ في رقم الفحص")
    notes = parse(export(tmp_path)).notes
    assert sorted(n.fields.get("status") for n in notes) == ["believed_dead", "information_sought",
                                                              "information_sought"]
    [dead] = [n for n in notes if n.fields["status"] == "believed_dead"]
    assert any(dead.record_id in n.fields["text"] and "withdrawn" in n.fields["text"] for n in notes)


def test_it_withholds_death_notes_from_others_under_the_partner_profile(tmp_path, pfif_dir):
    load(pfif_dir / "test.pfif-1.2-believed-dead.xml")
    assert b"believed_dead" in export(tmp_path, "prosecutor")
    assert b"believed_dead" not in export(tmp_path, "partner")


def test_it_sends_no_contact_details_to_a_partner(tmp_path, report):
    report.consent_other_bodies = report.consent_prosecutors = True
    report.save()
    partner = export(tmp_path, "partner")
    for secret in ("944 123 456", "um.mohammad", "أم محمد", "الأم", "would_testify"):
        assert secret.encode() not in partner
    person = parse(partner).persons[0]
    assert "author_name" not in person.fields and person.extension["first_name_ar"] == "محمد"
    prosecutor = export(tmp_path, "prosecutor")
    assert "+963 944 123 456".encode() in prosecutor and "أم محمد".encode() in prosecutor


def test_it_sends_contact_details_to_prosecutors_only_with_the_familys_consent(tmp_path):
    make_report(consent_prosecutors=True, consent_contact=False)
    assert b"944 123 456" not in export(tmp_path, "prosecutor")


def test_it_exports_only_the_reports_the_family_agreed_to_share(tmp_path):
    make_report(first_name_ar="سعاد", consent_prosecutors=True)
    make_report(first_name_ar="هالة", consent_other_bodies=True)
    make_report(first_name_ar="ريم")
    prosecutor, partner = export(tmp_path, "prosecutor"), export(tmp_path, "partner")
    assert "سعاد".encode() in prosecutor and "هالة".encode() not in prosecutor and "ريم".encode() not in prosecutor
    assert "هالة".encode() in partner and "سعاد".encode() not in partner
    assert ExportJob.objects.get(profile="prosecutor").summary["not_consented"] == 2


def test_it_refuses_the_public_profile(tmp_path):
    with pytest.raises(CommandError, match="aggregates only"):
        export(tmp_path, "public")
    assert not (tmp_path / "public-out.xml").exists()


def test_it_keeps_a_reports_pfif_id_and_never_shows_its_reference(tmp_path, report):
    report.consent_prosecutors = True
    report.save()
    first, second = parse(export(tmp_path, name="1.xml")), parse(export(tmp_path, name="2.xml"))
    assert first.persons[0].record_id == second.persons[0].record_id
    assert first.persons[0].record_id.startswith("dalil.local/person.")
    assert report.reference.encode() not in export(tmp_path, name="3.xml")


def test_it_records_the_export_as_a_job_and_in_the_audit_log(tmp_path, report):
    report.consent_prosecutors = True
    report.save()
    export(tmp_path)
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE and job.kind == "pfif" and job.summary["persons"] == 1
    event = AuditEvent.objects.get(action="data_exported")
    assert event.target == f"export:{job.pk}" and event.details["profile"] == "prosecutor"
    with pytest.raises(CommandError, match="already exists"):
        call_command("export", "pfif", job.output, "--profile", "prosecutor")


def test_it_round_trips_a_dalil_report_with_its_identification(tmp_path, reviewer, second_reviewer, caseworker):
    report, _ = _identified(reviewer, second_reviewer, caseworker, mother_name_ar="فاطمة", chronic_illnesses="سكري")
    first = export(tmp_path, name="first.xml")
    wipe()
    load(tmp_path / "prosecutor-first.xml")
    from dalil.identification.models import MissingPersonReport

    copy = MissingPersonReport.objects.get()
    assert (copy.first_name_ar, copy.mother_name_ar, copy.chronic_illnesses, copy.arresting_branch) == (
        "محمد", "فاطمة", "سكري", "215")
    assert copy.arrest_date.isoformat() == "2012-03-10" and copy.reporter_phone == "+963 944 123 456"
    assert records(first) == records(export(tmp_path, name="second.xml"))


def test_it_re_imports_its_own_export_of_several_domains_in_one_run(tmp_path, pfif_dir, reviewer, second_reviewer,
                                                                    caseworker):
    """The examiner's case: an export mixing dalil's own reports and two sources' records came back 3 of 6."""
    load(pfif_dir / "test.pfif-1.2-badrecord.xml")
    load(pfif_dir / "test.pfif-1.2-badrecord.xml", domain="foo.google.com")
    _identified(reviewer, second_reviewer, caseworker)
    first = export(tmp_path, name="first.xml")
    domains = {r["person_record_id"].split("/")[0] for r in records(first) if r["kind"] == "person"}
    assert len(domains) >= 3, domains
    persons = sum(1 for r in records(first) if r["kind"] == "person")
    wipe()
    again = load(tmp_path / "prosecutor-first.xml")
    assert again.rejected == [] and again.created == persons
    assert any("each record taken under its own domain" in w for w in again.warnings)
    assert records(first) == records(export(tmp_path, name="second.xml"))


def test_a_file_from_elsewhere_still_takes_one_domain_unless_told(tmp_path, pfif_dir):
    mixed = tmp_path / "mixed.xml"
    mixed.write_bytes((pfif_dir / "test.pfif-1.2-badrecord.xml").read_bytes())
    s = load(mixed)
    assert len(s.rejected) == 1 and "not in the authorized domain" in s.rejected[0]["reason"]
    wipe()
    both = load(mixed, domain="test.google.com,foo.google.com")
    assert both.rejected == []


def test_a_year_or_month_of_birth_comes_in_and_goes_out_at_its_precision(tmp_path, pfif_dir):
    text = (pfif_dir / "test.pfif-1.4.xml").read_text()
    assert "<pfif:date_of_birth>1970-01</pfif:date_of_birth>" in text
    path = tmp_path / "year.xml"
    path.write_text(text.replace("<pfif:date_of_birth>1970-01</pfif:date_of_birth>",
                                 "<pfif:date_of_birth>1970</pfif:date_of_birth>", 1))
    s = load(path, domain="test.google.com")
    assert s.rejected == []
    from dalil.identification.models import MissingPersonReport

    report = MissingPersonReport.objects.get(birth_date__isnull=False)
    assert (report.birth_date.isoformat(), report.birth_date_precision) == ("1970-01-01", "year")
    out = export(tmp_path, name="year-out.xml")
    assert b"<pfif:date_of_birth>1970</pfif:date_of_birth>" in out
