"""Names as evidence for a body (victim lists), links in PFIF exports, and synthetic reports with known duplicates."""

import csv
import json

import pytest

from dalil.exchange.models import ImportRun, VictimListEntry
from dalil.ingest.synth import synth_reports, write_reports
from dalil.names.duplicates import duplicate_score
from dalil.names.evidence import name_lr
from dalil.names.models import DuplicateCandidate
from tests.identification.personas import make_case
from tests.names.conftest import make_report


def _victim(case, full_name: str, row: int = 2) -> VictimListEntry:
    run = ImportRun.objects.create(kind="victims", file_name="victims.xlsx", file_sha256="0" * 64, file_size=1,
                                   actor="test")
    return VictimListEntry.objects.create(run=run, source_sha256="0" * 64, row_number=row, content_key=str(row) * 64,
                                          full_name=full_name, match="matched", case=case)


@pytest.mark.django_db
def test_it_weighs_a_victim_list_name_that_matches_the_report_strongly_for_the_pair():
    report = make_report()  # محمد أحمد الخطيب
    case = make_case()
    _victim(case, "Mohamed Ahmad El Khateeb")
    lr, reason = name_lr(report, case)
    assert lr > 50
    assert "Mohamed Ahmad El Khateeb" in reason


@pytest.mark.django_db
def test_it_weighs_another_name_against_the_pair_and_says_nothing_without_a_name():
    report = make_report()
    case = make_case()
    assert name_lr(report, case) is None
    _victim(case, "عمر سعيد الحمصي")
    lr, _reason = name_lr(report, case)
    assert lr < 0.1


@pytest.mark.django_db
def test_it_exports_a_link_as_a_pfif_note_naming_the_other_record():
    from dalil.exchange import common
    from dalil.exchange.pfif.exporter import pfif_time, record_for
    from dalil.names.pfif import link_notes

    make_report()
    make_report(first_name_ar="", father_name_ar="", family_name_ar="", first_name_latin="Mhd",
                father_name_latin="Ahmad", family_name_latin="Al-Khatib", reporter_name="أخوه")
    pair = DuplicateCandidate.objects.get()
    assert link_notes(record_for(pair.first), pair.first, pfif_time, common.home_domain()) == []
    DuplicateCandidate.objects.filter(pk=pair.pk).update(state="linked")
    notes = link_notes(record_for(pair.first), pair.first, pfif_time, common.home_domain())
    assert [n["linked_person_record_id"] for n in notes] == [record_for(pair.second).person_record_id]
    back = link_notes(record_for(pair.second), pair.second, pfif_time, common.home_domain())
    assert back[0]["linked_person_record_id"] == record_for(pair.first).person_record_id


@pytest.mark.django_db
def test_a_pfif_export_carries_a_link_only_between_records_that_both_leave(tmp_path):
    from django.core.management import call_command

    from dalil.exchange.pfif.exporter import record_for
    from dalil.exchange.pfif.parse import parse

    first = make_report(consent_prosecutors=True)
    second = make_report(first_name_ar="", father_name_ar="", family_name_ar="", first_name_latin="Mhd",
                         father_name_latin="Ahmad", family_name_latin="Al-Khatib", reporter_name="أخوه",
                         consent_prosecutors=True)
    DuplicateCandidate.objects.update(state="linked")

    def links():
        out = tmp_path / "out.xml"
        out.unlink(missing_ok=True)
        call_command("export", "pfif", str(out), "--profile", "prosecutor", "--actor", "test")
        return {(n.fields["person_record_id"], n.fields["linked_person_record_id"])
                for n in parse(out.read_bytes()).notes if n.fields.get("linked_person_record_id")}

    a, b = record_for(first).person_record_id, record_for(second).person_record_id
    assert links() == {(a, b), (b, a)}
    type(second).objects.filter(pk=second.pk).update(consent_prosecutors=False)
    assert links() == set()  # the other family's report does not leave: nor does a hint that it exists


def test_it_writes_the_same_synthetic_reports_for_the_same_seed_with_duplicates_known():
    one, two = synth_reports(60, seed=3), synth_reports(60, seed=3)
    assert one == two
    assert one["duplicates"]
    by_id = {r["report_id"]: r for r in one["rows"]}
    for a, b in one["duplicates"]:
        assert by_id[a]["person"] == by_id[b]["person"]
    scripts = {("ar" if r["first_name_ar"] else "") + ("latin" if r["first_name_latin"] else "") for r in one["rows"]}
    assert scripts == {"ar", "latin", "arlatin"}


def test_it_writes_a_table_dalil_can_import_and_the_truth_in_the_manifest(tmp_path):
    counts = write_reports(tmp_path, 20, seed=1)
    with open(tmp_path / "reports.csv", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows[0][:3] == ["id", "first name", "father name"]
    assert len(rows) - 1 == counts["reports"]
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["reports"]["duplicates"]) == counts["duplicate_pairs"]


@pytest.mark.django_db
def test_it_finds_the_known_duplicates_of_synthetic_reports_and_few_others():
    """The benchmark's check, small: reports of 120 synthetic people, saved one by one."""
    import datetime
    import hashlib
    import os

    from dalil.identification.models import MissingPersonReport

    data = synth_reports(120, seed=5)
    for row in data["rows"]:
        fields = {k: v for k, v in row.items() if k.endswith(("_ar", "_latin")) and v}
        MissingPersonReport(
            followup_digest=hashlib.sha256(os.urandom(16)).hexdigest(), reference=f"SYN-{row['report_id']}",
            sex=row["sex"], home_town=row["home_town"], **fields,
            birth_date=datetime.date.fromisoformat(row["birth_date"]) if row["birth_date"] else None,
            arrest_date=datetime.date.fromisoformat(row["arrest_date"]) if row["arrest_date"] else None,
            age_at_arrest=int(row["age_at_arrest"]) if row["age_at_arrest"] else None).save()
    found = {tuple(sorted((p.first.reference[4:], p.second.reference[4:])))
             for p in DuplicateCandidate.objects.select_related("first", "second")}
    truth = {tuple(p) for p in data["duplicates"]}
    assert len(found & truth) >= 0.9 * len(truth)
    assert len(found & truth) >= 0.9 * len(found)
    a, b = (MissingPersonReport.objects.get(reference=f"SYN-{x}") for x in sorted(truth)[0])
    assert duplicate_score(a, b)[0] >= 85


@pytest.mark.django_db
def test_it_gives_the_candidate_ranking_the_name_as_one_more_reason(monkeypatch):
    from django.utils import translation

    from dalil.identification import matching
    from dalil.identification.matching import score
    from dalil.names.evidence import finding

    monkeypatch.setattr(matching, "EXTRA_FINDINGS", [finding])

    report = make_report()
    case = make_case()
    without = score(report, case).score
    _victim(case, "محمد أحمد الخطيب")
    with translation.override("en"):
        found = score(report, case)
        reason = next(r for r in found.reasons if r.code == "name_matches")
        assert reason.text.startswith("Name on the victim list: محمد أحمد الخطيب (first name:")
    assert found.score == pytest.approx(without + reason.weight, abs=0.02)
    assert reason.weight > 1.5
