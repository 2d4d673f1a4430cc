"""The staff statistics page, the public page and the report download, in Arabic and English."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from dalil.evidence.models import CustodyEvent
from dalil.exports.models import ExportJob
from dalil.identification.models import MissingPersonReport
from dalil.lib.roles import Role, grant
from tests.reports.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_jobs")]  # jobs run in the request


def _client(lang: str, username: str = "", *roles) -> Client:
    client = Client()
    client.cookies["django_language"] = lang
    if username:
        user = User.objects.create_user(username, password=PASSWORD)
        if roles:
            grant(user, *roles)
        client.force_login(user)
    return client


def test_it_shows_staff_every_figure_with_charts_and_tables_in_english(archive):
    client = _client("en", "hala", Role.CASEWORKER)  # هالة: any staff role may look
    response = client.get(reverse("reports:staff"), {"collection": archive["collection"]})
    assert response.status_code == 200 and "no-cache" in response["Cache-Control"]
    page = response.content.decode()
    assert '<html lang="en" dir="ltr">' in page
    assert 'id="chart-cases_by_branch"' in page and 'id="table-cases_by_branch"' in page
    assert "Branch 215" in page and 'id="chart-progress"' in page and 'id="drawing-cases_by_period"' in page
    assert re.search(r'id="total-cases"><span dir="ltr">4<', page)
    assert "<script" not in page
    assert "Download a report" not in page  # caseworkers look; archivists, analysts and admins make reports


def test_it_mirrors_the_charts_in_arabic(archive):
    client = _client("ar", "rana", Role.ARCHIVIST)
    page = client.get(reverse("reports:staff")).content.decode()
    assert '<html lang="ar" dir="rtl">' in page and "الجثامين حسب الفرع" in page and "الفرع 215" in page
    bar = re.search(r'id="chart-cases_by_branch".*?<rect x="([\d.]+)" y="1" width="100.0"', page, re.S)
    assert bar and float(bar.group(1)) == 0  # the longest bar fills its track: in RTL it starts at the right end
    short = re.search(r'<span class="bar-label">الفرع 227</span>.*?<rect x="([\d.]+)" y="1" width="([\d.]+)"', page,
                      re.S)
    assert float(short.group(1)) + float(short.group(2)) == pytest.approx(100)  # and ends at the right edge
    assert "تنزيل تقرير" in page


def test_it_shows_the_public_aggregates_only_with_small_counts_suppressed(archive):
    MissingPersonReport.objects.update(home_town="داريا")
    response = _client("en").get(reverse("reports:public"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "&lt;5" in page and 'id="suppression-note"' in page
    assert not re.search(r'<td class="num"><span dir="ltr">[1-4]</span>', page)  # no count from 1 to 4
    for private in ("محمد", "هدى", "الخطيب", "داريا", "+963", "example.org", "DL-", "1001", "Quarantined"):
        assert private not in page, private
    assert 'id="chart-progress"' not in page and "identifications_by_state" not in page


def test_the_public_page_is_in_arabic_by_default(archive):
    client = Client()
    page = client.get(reverse("reports:public")).content.decode()
    assert 'dir="rtl"' in page and "الأرشيف بالأرقام" in page and "الجثامين حسب الفرع" in page


def test_it_sends_visitors_to_the_login_page_and_refuses_staff_pages_to_non_staff(archive):
    response = _client("en").get(reverse("reports:staff"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    outsider = _client("en", "stranger")  # signed in, no role
    assert outsider.get(reverse("reports:staff")).status_code == 403
    assert outsider.get(reverse("reports:report")).status_code == 403
    caseworker = _client("en", "salma", Role.CASEWORKER)
    assert caseworker.get(reverse("reports:report")).status_code == 403


def test_it_returns_the_report_as_a_download_recorded_as_an_export(archive):
    client = _client("en", "basel2", Role.ANALYST)
    form = client.get(reverse("reports:report"), {"collection": archive["collection"]})
    assert form.status_code == 200 and archive["collection"] in form.content.decode()
    response = client.post(reverse("reports:report"), {"collection": archive["collection"], "lang": "en",
                                                       "format": "html", "profile": "prosecutor"})
    assert response.status_code == 302  # to the job's page: the report is written in the background (dalil.jobs)
    page = client.get(response["Location"])
    download = re.search(r'href="(/jobs/\d+/download/)"', page.content.decode()).group(1)
    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    body = b"".join(response.streaming_content)
    job = ExportJob.objects.get(kind=ExportJob.Kind.REPORT)
    assert (job.requested_by, job.status, job.scope["format"]) == ("basel2", "done", "html")
    import hashlib

    assert hashlib.sha256(body).hexdigest() == job.output_sha256 == response["X-Content-SHA256"]
    assert job.output_sha256 in page.content.decode()
    assert CustodyEvent.objects.filter(action="exported", details__job=job.pk).exists()


def test_it_refuses_photographs_in_a_public_report(archive):
    client = _client("en", "rana2", Role.ARCHIVIST)
    response = client.post(reverse("reports:report"), {"collection": archive["collection"], "lang": "ar",
                                                       "format": "html", "profile": "public", "with_photos": "on"})
    assert response.status_code == 400 and "never includes photographs" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_it_makes_a_pdf_of_any_size_in_the_background(archive):
    client = _client("en", "rana3", Role.ARCHIVIST)
    for fmt, profile in (("pdf", "prosecutor"), ("html", "prosecutor"), ("pdf", "public")):
        made = client.post(reverse("reports:report"), {"collection": archive["collection"], "lang": "ar",
                                                       "format": fmt, "profile": profile})
        assert made.status_code == 302 and "/jobs/" in made["Location"], (fmt, profile)
    assert ExportJob.objects.filter(kind=ExportJob.Kind.REPORT, status="done").count() == 3
