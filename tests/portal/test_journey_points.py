"""Issue 11's family journey, point by point: search, dates, news told by a person first, the family's own
messages, withdrawing, deleting, keeping the link, language, number fields, and the reveal ladder's order."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from dalil.archive.models import BodyCase, Photo
from dalil.audit.models import AuditEvent
from dalil.identification.models import (Claim, DeletionRequest, FollowUpMessage, Identification, IdentificationStep,
                                         MissingPersonReport)
from dalil.lib.roles import Role, grant
from tests.portal.conftest import file_report

pytestmark = pytest.mark.django_db
Action = AuditEvent.Action


def _english() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def _links(page: str) -> set:
    return {int(pk) for pk in re.findall(r'href="/case/(\d+)/"', page)}


# --- search ---------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["٢١٥/٣٠٤٢/١٠٠١", "215-3042-1001", "215 3042 1001", "۲۱۵ / ۳۰۴۲ / ۱۰۰۱",
                                   "\u2066215\u2069/\u20663042\u2069/1001", "1001/215"])
def test_it_finds_a_case_by_its_card_numbers_as_written(family, archive, typed):
    assert _links(family.get("/search/", {"number": typed}).content.decode()) == {archive["custody"].pk}


def test_it_needs_every_card_number_to_match(family, archive):
    assert _links(family.get("/search/", {"number": "215/3042/9999"}).content.decode()) == set()


def test_it_shows_the_results_first_and_lands_on_them(family, archive):
    page = family.get("/search/", {"number": "1001"}).content.decode()
    assert page.index('id="results"') < page.index('<form method="get"')
    assert 'action="/search/#results"' in page and "<details" in page


def test_it_explains_that_the_archive_holds_numbers_when_a_name_is_typed(archive):
    page = _english().get("/search/", {"number": "محمد الحلبي"}).content.decode()
    assert "The archive holds numbers, not names." in page
    assert 'href="/ask/"' in page and 'href="/report/"' in page
    assert "try fewer words" not in page and '<ol class="results">' not in page


def test_it_offers_what_to_do_next_when_nothing_matches(archive):
    page = _english().get("/search/", {"number": "98765"}).content.decode()
    assert "No case matches what you typed." in page and 'href="/ask/"' in page and 'href="/report/"' in page


# --- dates and numbers as families type them ------------------------------------------

def test_it_keeps_a_year_a_month_or_an_about_date_and_says_it_back(family):
    _, report, token = file_report(family, arrest_date=None, arrest_date_year="٢٠١٢", arrest_date_month="11",
                                   arrest_date_approximate="on", birth_date_year="1984")
    report.refresh_from_db()
    assert (report.arrest_date.isoformat(), report.arrest_date_precision, report.arrest_date_approximate) == (
        "2012-11-01", "month", True)
    assert (report.birth_date.isoformat(), report.birth_date_precision) == ("1984-01-01", "year")
    page = Client().get(f"/f/{token}/").content.decode()
    assert "تشرين الثاني (نوفمبر) 2012" in page and "نحو" in page


def test_it_reads_an_exact_day_typed_in_one_field_as_before(family):
    _, report, _ = file_report(family)
    assert (report.arrest_date.isoformat(), report.arrest_date_precision) == ("2012-11-03", "day")


def test_it_asks_for_the_month_when_only_a_day_and_a_year_are_given(family):
    response = _english().post("/report/", {"first_name_ar": "سعاد", "arrest_date_day": "3",
                                            "arrest_date_year": "2012"})
    assert "Please choose the month too" in response.content.decode()
    assert not MissingPersonReport.objects.exists()


def test_it_reads_arabic_indic_digits_in_the_age_and_offers_number_keyboards(family):
    _, report, _ = file_report(family, age_at_arrest="٣٧")
    assert report.age_at_arrest == 37
    form = Client().get("/report/").content.decode()
    age = re.search(r'<input[^>]*name="age_at_arrest"[^>]*>', form).group(0)
    phone = re.search(r'<input[^>]*name="reporter_phone"[^>]*>', form).group(0)
    assert 'inputmode="numeric"' in age and 'type="text"' in age
    assert 'inputmode="tel"' in phone
    assert 'inputmode="numeric"' in re.search(r'<input[^>]*name="arrest_date_year"[^>]*>', form).group(0)


# --- news of a death: a person first ---------------------------------------------------

@pytest.fixture
def confirmed(family, archive, caseworker):
    """Umm Mohammed's claim, confirmed by two reviewers a moment ago (the automatic message written)."""
    _, report, token = file_report(family)
    family.post(f"/case/{archive['custody'].pk}/claim/", {"reason": "الندبة"})
    ident = Identification.objects.get(report=report)
    FollowUpMessage.objects.create(report=report, author=caseworker, body="نبحث، سنكتب لكم.")
    IdentificationStep.objects.create(identification=ident, from_state="corroborated", to_state="confirmed",
                                      actor=caseworker)
    Identification.objects.filter(pk=ident.pk).update(state="confirmed")
    MissingPersonReport.objects.filter(pk=report.pk).update(status="identified")
    FollowUpMessage.objects.create(report=report, author=caseworker, body="CONFIRMED-MESSAGE")
    return report, token, ident


def test_it_holds_a_confirmed_death_back_until_the_family_was_told(confirmed, settings):
    report, token, ident = confirmed
    page = _english().get(f"/f/{token}/").content.decode()
    assert "CONFIRMED-MESSAGE" not in page and "What we found" not in page and "Confirmed" not in page
    assert "will contact you soon" in page and "نبحث، سنكتب لكم." in page
    settings.SUPPORT_CONTACTS = "Families' association: +000 000 0000 | support@example.org"
    Identification.objects.filter(pk=ident.pk).update(family_told_at=timezone.now(), family_told_how="in_person")
    page = _english().get(f"/f/{token}/").content.decode()
    assert "CONFIRMED-MESSAGE" in page and "What we found" in page and "support@example.org" in page
    assert "searching the archive on your behalf" not in page and "Being checked" not in page


def test_it_shows_it_at_once_to_a_family_who_chose_news_on_the_page(confirmed, settings):
    report, token, _ = confirmed
    settings.SUPPORT_CONTACTS = ""
    MissingPersonReport.objects.filter(pk=report.pk).update(news_on_page=True)
    page = _english().get(f"/f/{token}/").content.decode()
    assert "What we found" in page and "put you in touch with people who help bereaved families" in page


def test_it_lets_a_caseworker_record_that_the_family_was_told(confirmed):
    report, token, ident = confirmed
    worker = User.objects.create_user("hala.caseworker")
    grant(worker, Role.CASEWORKER)
    staff = Client()
    staff.force_login(worker)
    response = staff.post(f"/casework/reports/{report.reference}/told/", {"identification": ident.pk,
                                                                          "how": "phone"})
    assert response.status_code == 302
    ident.refresh_from_db()
    assert ident.family_told_how == "phone" and ident.family_told_by == worker
    assert AuditEvent.objects.filter(action=Action.FAMILY_TOLD, target=f"identification:{ident.pk}").exists()
    assert "CONFIRMED-MESSAGE" in Client().get(f"/f/{token}/").content.decode()


# --- the family writes, withdraws, asks to delete ---------------------------------------

def test_it_takes_a_message_from_the_family_on_the_follow_up_page(family):
    _, report, token = file_report(family)
    response = Client(enforce_csrf_checks=True).post(f"/f/{token}/reply/", {"body": "تذكرت أن عنده وشماً"})
    assert response.status_code == 200 and "تذكرت أن عنده وشماً" in response.content.decode()
    message = FollowUpMessage.objects.get(report=report)
    assert message.from_family and message.author is None
    assert AuditEvent.objects.filter(action=Action.FAMILY_MESSAGE, actor=f"family:{report.reference}").exists()


def test_it_lets_the_family_withdraw_a_claim(family, archive):
    _, report, token = file_report(family)
    family.post(f"/case/{archive['custody'].pk}/claim/", {"reason": "الندبة"})
    claim = Claim.objects.get(report=report)
    assert "Withdraw this" in _english().get(f"/f/{token}/").content.decode()
    response = _english().post(f"/f/{token}/claims/{claim.pk}/withdraw/", {"sure": "yes"})
    assert response.status_code == 200 and "You withdrew it" in response.content.decode()
    claim.refresh_from_db()
    report.refresh_from_db()
    assert claim.withdrawn_at is not None and not Identification.objects.filter(report=report).exists()
    assert report.status == "in_review"
    assert AuditEvent.objects.filter(action=Action.CLAIM_WITHDRAWN).count() == 1


def test_it_never_withdraws_a_confirmed_identification(confirmed):
    report, token, ident = confirmed
    claim = Claim.objects.get(report=report)
    assert Client().post(f"/f/{token}/claims/{claim.pk}/withdraw/", {"sure": "yes"}).status_code == 409
    ident.refresh_from_db()
    assert ident.state == "confirmed"


def test_it_deletes_a_report_on_request_and_leaves_the_archive_untouched(family, archive):
    _, report, token = file_report(family)
    family.post(f"/case/{archive['custody'].pk}/claim/", {"reason": "الندبة"})
    cases, photos = BodyCase.objects.count(), Photo.objects.count()
    assert Client().post(f"/f/{token}/delete/", {"reason": "لم أعد أريد"}).status_code == 400  # the box unticked
    assert Client().post(f"/f/{token}/delete/", {"reason": "لم أعد أريد", "sure": "on"}).status_code == 200
    asked = DeletionRequest.objects.get()
    worker = User.objects.create_user("hala.caseworker")
    grant(worker, Role.CASEWORKER)
    staff = Client()
    staff.force_login(worker)
    assert report.reference in staff.get("/casework/deletion-requests/").content.decode()
    assert staff.post(f"/casework/deletion-requests/{asked.pk}/", {"decision": "delete"}).status_code == 302
    assert MissingPersonReport.objects.filter(pk=report.pk).exists()  # not without the tick
    staff.post(f"/casework/deletion-requests/{asked.pk}/", {"decision": "delete", "sure": "yes"})
    assert not MissingPersonReport.objects.filter(pk=report.pk).exists() and not Claim.objects.exists()
    assert (BodyCase.objects.count(), Photo.objects.count()) == (cases, photos)
    asked.refresh_from_db()
    assert asked.status == "deleted" and asked.handled_by == worker and asked.reference == report.reference
    assert AuditEvent.objects.filter(action=Action.REPORT_DELETED, target=f"report:{report.reference}").exists()
    assert Client().get(f"/f/{token}/").status_code == 404


# --- keeping the link, opening it, language ---------------------------------------------

def test_it_offers_ways_to_keep_the_link_and_shows_it_again_in_another_language(family):
    response, report, token = file_report(family)
    page = response.content.decode()
    assert 'href="mailto:?subject=' in page and 'href="sms:?body=' in page and token in page
    assert re.search(r"<textarea[^>]*readonly[^>]*>[^<]*/f/" + re.escape(token), page)
    assert 'href="/report/sent/?lang=en"' in page
    again = family.get("/report/sent/?lang=en")
    assert again.status_code == 200 and token in again.content.decode() and "Your report was received" in (
        again.content.decode())
    assert again.cookies["django_language"].value == "en"
    printable = family.get("/report/sent/?print=1").content.decode()
    assert token in printable and "<footer" not in printable
    assert Client().get("/report/sent/").status_code == 302  # another browser: nothing to show


def test_it_opens_a_pasted_follow_up_link_and_explains_a_reference_alone(family):
    _, report, token = file_report(family)
    pasted = Client().post("/open/", {"link": f"  https://dalil.example/f/{token}/  "})
    assert pasted.status_code == 200 and report.reference in pasted.content.decode()
    alone = _english().post("/open/", {"link": report.reference})
    assert alone.status_code == 400 and "A reference number alone" in alone.content.decode()
    assert 'action="/open/"' in Client().get("/").content.decode()


def test_it_has_a_language_link_on_every_family_page_and_a_hint_for_english_phones(family, archive):
    _, _, token = file_report(family)
    for url in ("/", "/search/", "/report/", f"/f/{token}/", f"/case/{archive['custody'].pk}/", "/ask/",
                "/f/not-a-token/"):
        page = Client().get(url).content.decode()
        assert re.search(r'<a href="[^"]*lang=en"[^>]*>English</a>', page), url
    hint = Client().get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9,ar;q=0.5").content.decode()
    assert "Read this page in English" in hint and 'dir="rtl"' in hint  # still Arabic first
    assert "Read this page in English" not in Client().get("/", HTTP_ACCEPT_LANGUAGE="ar,en;q=0.5").content.decode()


# --- the ladder, in order, on the server --------------------------------------------------

def test_it_refuses_to_skip_a_step_of_the_reveal_ladder(family, archive):
    case = archive["custody"]
    family.post(f"/case/{case.pk}/reveal/", {"level": "photo", "understood": "yes"})
    family.post(f"/case/{case.pk}/reveal/", {"level": "face"})
    assert "<img" not in family.get(f"/case/{case.pk}/").content.decode()
    assert not AuditEvent.objects.filter(action__startswith="revealed").exists()
    family.post(f"/case/{case.pk}/reveal/", {"level": "preview"})
    family.post(f"/case/{case.pk}/reveal/", {"level": "photo", "understood": "yes"})  # the face step skipped
    assert "/photo.jpg" not in family.get(f"/case/{case.pk}/").content.decode()
