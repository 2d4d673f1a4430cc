"""The association's figures on a small, known set of reports."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from dalil.identification.models import Claim, Identification, MissingPersonReport
from tests.identification.personas import make_case, make_report

pytestmark = pytest.mark.django_db


def _at(report, year, month):
    MissingPersonReport.objects.filter(pk=report.pk).update(
        created_at=datetime.datetime(year, month, 15, 12, tzinfo=datetime.timezone.utc))


@pytest.fixture
def four_reports(db):
    mohammad = make_report()  # «محمد أحمد الخطيب», branch 215, gave details, would testify
    samer = make_report(first_name_ar="", first_name_latin="", arresting_branch="فرع ٢١٥", would_testify="maybe")
    huda = make_report(first_name_ar="هدى", sex="female", arrest_date=None, arresting_branch="227",
                       distinguishing_marks="", would_testify="no")
    yusuf = make_report(first_name_ar="يوسف", arrest_date=None, arresting_branch="", would_testify="yes")
    _at(mohammad, 2024, 1), _at(samer, 2024, 1), _at(huda, 2024, 2), _at(yusuf, 2024, 2)
    first, second, third = make_case(exam_no="1"), make_case(exam_no="2"), make_case(exam_no="3")
    Claim.objects.create(report=mohammad, case=first, reason="الندبة")
    Claim.objects.create(report=mohammad, case=second, reason="ربما")
    Claim.objects.create(report=samer, case=third, reason="العمر")
    Identification.objects.create(report=mohammad, case=first, state=Identification.State.CONFIRMED)
    Identification.objects.create(report=samer, case=third, state=Identification.State.REJECTED)


def _rows(rows):
    return [(r.label, r.reports, r.claims, r.confirmed, r.details_share, r.testify_share) for r in rows]


def test_it_counts_the_figures_in_all_by_branch_and_by_month(four_reports, caseworker):
    client = Client()
    client.force_login(caseworker)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("casework:figures"))
    assert response.status_code == 200
    total = response.context["total"]
    assert (total.reports, total.claims, total.confirmed, total.details_share, total.testify_share) == (4, 3, 1, 75, 50)
    assert response.context["maybe_testify"] == 1
    assert _rows(response.context["by_branch"]) == [("215", 2, 3, 1, 50, 50), ("227", 1, 0, 0, 100, 0),
                                                     ("", 1, 0, 0, 100, 100)]
    assert _rows(response.context["by_month"]) == [("2024-01", 2, 3, 1, 50, 50), ("2024-02", 2, 0, 0, 100, 50)]
    assert [r.bar for r in response.context["by_branch"]] == [100, 50, 50]
    page = response.content.decode()
    assert 'id="total-details" dir="ltr">75%' in page and "not given" in page


def test_it_draws_the_bars_with_logical_properties_in_arabic(four_reports, reviewer):
    client = Client()
    client.force_login(reviewer)
    page = client.get(reverse("casework:figures")).content.decode()
    # the longest bar fills its track; no inline style (the Content-Security-Policy refuses them): the stylesheet
    # mirrors the bars in Arabic
    assert 'dir="rtl"' in page and '<rect width="100" height="1"/>' in page and "style=" not in page
    assert '[dir="rtl"] .bar > svg { transform: scaleX(-1); }' in finders_css("casework/casework.css")
    assert "left" not in page.split("<main>")[1] and "right:" not in page


def test_it_shows_empty_figures_without_dividing_by_zero(caseworker):
    client = Client()
    client.force_login(caseworker)
    response = client.get(reverse("casework:figures"))
    assert response.status_code == 200 and response.context["total"].details_share == 0


def finders_css(path: str) -> str:
    from django.contrib.staticfiles import finders

    return open(finders.find(path), encoding="utf-8").read()
