"""Staff name search: the page, `dalil names search`, and every source of names (portal, PFIF, tables, victims)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from dalil.audit.models import AuditEvent
from dalil.names.index import search
from dalil.names.models import NameKey, NameRecord
from tests.names.conftest import make_report

pytestmark = pytest.mark.django_db


def test_it_indexes_a_report_when_it_is_saved_and_again_when_its_names_change():
    report = make_report(first_name_ar="سامر", father_name_ar="خالد", family_name_ar="الحمصي", first_name_latin="",
                         family_name_latin="")
    record = NameRecord.objects.get(report=report)
    assert record.source == NameRecord.Source.PORTAL
    assert NameKey.objects.filter(record=record).exists()
    assert search("Samer Homsi")[0].record == record
    report.family_name_ar = "الحلبي"
    report.save()
    assert not search("Samer Homsi")
    assert search("Samer Halabi")[0].record.report == report


def test_it_searches_names_in_either_script_with_reasons():
    mohammad = make_report()  # محمد أحمد الخطيب / Mohammad al-Khatib
    make_report(first_name_ar="محمود", first_name_latin="Mahmoud", family_name_ar="الخطيب", reporter_name="أم محمود")
    hits = search("Mhd El Khateeb")
    assert hits[0].record.report == mohammad
    assert all(h.record.report != mohammad or h.match.score >= 90 for h in hits)
    assert "محمد" in " ".join(hits[0].match.sentences) or "Mohammad" in " ".join(hits[0].match.sentences)
    assert search("محمد الخطيب")[0].record.report == mohammad


def test_it_searches_the_lists_detailing_the_victims():
    from dalil.exchange.models import ImportRun, VictimListEntry

    run = ImportRun.objects.create(kind="victims", file_name="victims.xlsx", file_sha256="0" * 64, file_size=1,
                                   actor="test")
    entry = VictimListEntry.objects.create(run=run, source_sha256="0" * 64, row_number=2, content_key="1" * 64,
                                           full_name="عبد الرحمن محمد الزعبي", match="unmatched")
    hits = search("Abdulrahman Zoubi")
    assert hits and hits[0].record.victim == entry
    assert hits[0].record.source == NameRecord.Source.VICTIMS


def test_it_shows_the_caseworker_ranked_hits_with_source_and_reasons(client, caseworker):
    report = make_report()
    client.force_login(caseworker)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("names:search"), {"q": "Muhammad Ahmad Khatib"})
    assert page.status_code == 200
    html = page.content.decode()
    assert report.reference in html and "report from the portal" in html
    assert "first name: Muhammad ~ محمد" in html
    assert AuditEvent.objects.filter(action=AuditEvent.Action.NAME_SEARCH, actor="salma").count() == 1
    assert page["Cache-Control"].startswith("max-age=0") or "no-store" in page["Cache-Control"]


def test_it_lets_a_reviewer_search_but_not_an_analyst(client, reviewer, analyst):
    client.force_login(reviewer)
    assert client.get(reverse("names:search"), {"q": "محمد"}).status_code == 200
    client.force_login(analyst)
    assert client.get(reverse("names:search"), {"q": "محمد"}).status_code == 403


def test_it_searches_from_the_command_line_as_json():
    report = make_report()
    out = StringIO()
    call_command("names", "search", "Mohamed Al-Khatib", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["hits"][0]["report"] == report.reference
    assert data["hits"][0]["source"] == "portal"
    assert "first name: Mohamed ~ محمد" in data["hits"][0]["reasons"]


def test_it_refuses_an_empty_query_on_the_command_line():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="give a name"):
        call_command("names", "search", "  ")


def test_it_rebuilds_the_index_from_the_command_line():
    report = make_report()
    NameRecord.objects.all().delete()
    out = StringIO()
    call_command("names", "index", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"reports": 1, "victims": 0}
    assert NameRecord.objects.get().report == report
