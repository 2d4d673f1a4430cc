"""Possible duplicates: found on arrival from any source, linked or told apart by a caseworker, audited."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from dalil.audit.models import AuditEvent
from dalil.identification.models import MissingPersonReport
from dalil.names.duplicates import duplicate_score, linked_reports
from dalil.names.models import DuplicateCandidate
from tests.conftest import corpus
from tests.names.conftest import make_report

pytestmark = pytest.mark.django_db
D = datetime.date


def _pfif(tmp_path, given: str, family: str, full: str, city: str, born: str):
    """The PFIF 1.4 sample of the corpus, carrying this person instead of its placeholders."""
    xml = (corpus("pfif") / "test.pfif-1.4.xml").read_text(encoding="utf-8")
    xml = (xml.replace("_test_given_name", given).replace("_test_family_name", family)
           .replace("_test_full_name1\n_test_full_name2", full).replace("_test_home_city", city)
           .replace("<pfif:sex>female</pfif:sex>", "<pfif:sex>male</pfif:sex>")
           .replace("<pfif:date_of_birth>1970-01</pfif:date_of_birth>", f"<pfif:date_of_birth>{born}</pfif:date_of_birth>")
           .replace("<pfif:age>35-45</pfif:age>", ""))
    path = tmp_path / "brother-abroad.xml"
    path.write_text(xml, encoding="utf-8")
    return path


@pytest.mark.corpus
def test_it_finds_a_pfif_record_of_a_person_already_reported_on_the_portal(tmp_path):
    from tests.exchange.conftest import load

    mother = make_report(first_name_ar="عبد الرحمن", father_name_ar="خالد", family_name_ar="الحلبي",
                         first_name_latin="", family_name_latin="", home_town="Aleppo", birth_date=D(1988, 4, 2),
                         age_at_arrest=None)
    load(_pfif(tmp_path, "Abdulrahman", "Al-Halaby", "Abdulrahman Khaled Al-Halaby", "Aleppo", "1988"))
    from_pfif = MissingPersonReport.objects.exclude(pk=mother.pk).get()
    pair = DuplicateCandidate.objects.get()
    assert {pair.first, pair.second} == {mother, from_pfif}
    assert pair.state == DuplicateCandidate.State.OPEN
    assert from_pfif.name_record.source == "pfif"
    assert any(r["kind"] == "part" and r["role"] == "first" for r in pair.reasons)


def test_it_finds_a_report_in_latin_letters_of_a_person_reported_in_arabic():
    arabic = make_report(first_name_latin="", family_name_latin="", mother_name_ar="فاطمة", home_town="داريا")
    latin = make_report(first_name_ar="", father_name_ar="", family_name_ar="", first_name_latin="Mhd",
                        father_name_latin="Ahmed", family_name_latin="El Khateeb", mother_name_latin="Fatmeh",
                        home_town="Darayya", reporter_name="Ahmad")
    pair = DuplicateCandidate.objects.get()
    assert (pair.first, pair.second) == (arabic, latin)
    assert pair.score >= 85
    kinds = {(r["kind"], r.get("role")) for r in pair.reasons}
    assert ("part", "mother") in kinds and ("town", None) in kinds


def test_it_never_proposes_two_brothers():
    make_report(first_name_ar="محمد", first_name_latin="")
    make_report(first_name_ar="عمر", first_name_latin="Omar", reporter_name="أم عمر")
    assert not DuplicateCandidate.objects.exists()


def test_it_does_not_propose_namesakes_born_years_apart():
    a = make_report(birth_date=D(1970, 1, 1), age_at_arrest=None)
    b = make_report(father_name_ar="", birth_date=D(1990, 1, 1), age_at_arrest=None, arrest_date=D(2013, 9, 1))
    assert duplicate_score(a, b)[0] < 85
    assert not DuplicateCandidate.objects.exists()


@pytest.fixture
def pair():
    make_report()
    make_report(first_name_ar="", father_name_ar="", family_name_ar="", first_name_latin="Muhammad",
                father_name_latin="Ahmad", family_name_latin="Alkhatib", reporter_name="أخوه")
    return DuplicateCandidate.objects.get()


def test_it_shows_the_pair_with_its_reasons_to_a_caseworker_only(client, caseworker, reviewer, pair):
    client.cookies["django_language"] = "en"
    client.force_login(caseworker)
    page = client.get(reverse("names:duplicates")).content.decode()
    assert pair.first.reference in page and pair.second.reference in page
    assert "first name:" in page
    detail = client.get(reverse("names:duplicate", args=[pair.pk])).content.decode()
    assert "+963" not in detail and "um.mohammad" not in detail  # contact details stay on each report's page
    client.force_login(reviewer)
    assert client.get(reverse("names:duplicates")).status_code == 403
    assert client.post(reverse("names:decide", args=[pair.pk]), {"decision": "link"}).status_code == 403


def test_it_links_unlinks_and_tells_apart_with_an_audit_row_each(client, caseworker, pair):
    client.force_login(caseworker)
    url = reverse("names:decide", args=[pair.pk])
    client.post(url, {"decision": "link", "note": "same mother and arrest"})
    pair.refresh_from_db()
    assert pair.state == "linked" and pair.decided_by == caseworker
    assert linked_reports(pair.first) == [pair.second]
    client.post(url, {"decision": "reopen"})
    pair.refresh_from_db()
    assert pair.state == "open" and linked_reports(pair.first) == []
    client.post(url, {"decision": "distinct"})
    pair.refresh_from_db()
    assert pair.state == "distinct"
    actions = list(AuditEvent.objects.filter(target=f"duplicate:{pair.pk}").order_by("pk").values_list("action", flat=True))
    assert actions == ["duplicate_linked", "duplicate_unlinked", "duplicate_distinct"]
    assert client.post(url, {"decision": "merge"}).status_code == 400


def test_it_keeps_both_reports_whole_and_tells_neither_family(client, caseworker, pair):
    from dalil.names.duplicates import decide

    class Request:
        user = caseworker
        META = {}

    decide(Request(), pair, DuplicateCandidate.State.LINKED)
    assert MissingPersonReport.objects.count() == 2
    assert pair.first.reporter_name == "أم محمد" and pair.second.reporter_name == "أخوه"
    token, digest = MissingPersonReport.issue_followup_token()
    MissingPersonReport.objects.filter(pk=pair.first.pk).update(followup_digest=digest)
    family = client.get(reverse("portal:followup", args=[token])).content.decode()
    assert pair.second.reference not in family and "Muhammad" not in family


def test_it_keeps_a_decided_pair_decided_when_a_report_changes(pair, caseworker):
    DuplicateCandidate.objects.filter(pk=pair.pk).update(state="distinct")
    second = pair.second
    second.home_town = "Darayya"
    second.save()
    assert DuplicateCandidate.objects.get(pk=pair.pk).state == "distinct"


def test_it_lists_open_pairs_from_the_command_line(pair):
    out = StringIO()
    call_command("names", "duplicates", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert [(p["first"], p["second"]) for p in data["pairs"]] == [(pair.first.reference, pair.second.reference)]
    assert any(r.startswith("first name: ") for r in data["pairs"][0]["reasons"])
