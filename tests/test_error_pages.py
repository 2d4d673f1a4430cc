"""403, 404, 429 and 500 pages: Arabic and English, the portal's or the staff look, a viewport, a way back.

Run with DEBUG off, as in production, through the real handlers (dalil.urls handler403/404/500). This module is
also a URLconf (dalil's routes plus one that crashes) for the 500 tests.
"""

import re

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import path, reverse

from dalil.lib import error_pages
from dalil.lib.roles import STAFF, Role, grant, require_role
from dalil.urls import handler403, handler404, handler500, urlpatterns as dalil_urlpatterns  # noqa: F401


def _crash(request):
    raise RuntimeError("a bug")


@require_role(*STAFF)
def _staff_crash(request):
    raise RuntimeError("a bug on a staff page")


def _refuse(request):
    raise PermissionDenied


urlpatterns = [*dalil_urlpatterns, path("crash/", _crash), path("archive/crash/", _staff_crash),
               path("refused/", _refuse)]

pytestmark = pytest.mark.django_db
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
LANGUAGES = {"ar": ('lang="ar" dir="rtl"', {403: "هذه الصفحة غير متاحة لك", 404: "الصفحة غير موجودة",
                                           429: "يُرجى الانتظار قليلًا", 500: "حدث خطأ من جهتنا"},
                    "الذهاب إلى الصفحة الأولى"),
             "en": ('lang="en" dir="ltr"', {403: "This page is not open to you", 404: "Page not found",
                                           429: "Please wait a little", 500: "Something went wrong on our side"},
                    "Go to the start page")}


@pytest.fixture(autouse=True)
def production_like(settings):
    settings.DEBUG = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _client(language: str, user=None) -> Client:
    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = language
    if user is not None:
        client.force_login(user)
    return client


def _staff(role=None, username="rana") -> User:
    user = User.objects.create_user(username, is_staff=True)
    if role:
        grant(user, role)
    return user


def _check_page(response, status: int, language: str, home: str, look: str, start: str = ""):
    html = response.content.decode()
    attributes, headings, start_page = LANGUAGES[language]
    start = start or start_page
    assert response.status_code == status
    assert VIEWPORT in html and attributes in html
    assert headings[status] in html
    assert f'href="{home}">{start}<' in html, "a way back to the start page"
    assert ("portal/portal.css" if look == "portal" else "archive/dalil.css") in html
    return html


@pytest.mark.parametrize("language", ["ar", "en"])
def test_it_shows_a_family_a_404_in_the_portals_look_with_a_way_back(language):
    response = _client(language).get("/no-such-page/", HTTP_REFERER="http://testserver/search/")
    html = _check_page(response, 404, language, reverse("portal:home"), "portal")
    assert 'href="http://testserver/search/"' in html  # back to where they came from, on this site
    assert reverse("portal:ask") in html  # the portal's footer: a caseworker can search for them


def test_it_never_links_back_to_another_site():
    response = _client("en").get("/no-such-page/", HTTP_REFERER="https://elsewhere.example/phish")
    assert "elsewhere.example" not in response.content.decode()


@pytest.mark.parametrize("language", ["ar", "en"])
def test_it_shows_staff_a_404_in_the_staff_look_with_their_menu(language):
    user = _staff(Role.CASEWORKER)
    response = _client(language, user).get(reverse("archive:item", args=["0" * 64]))
    html = _check_page(response, 404, language, reverse("archive:collections"), "staff")
    assert reverse("casework:queue") in html and reverse("archive:custody") not in html  # the caseworker's menu


@pytest.mark.parametrize("language", ["ar", "en"])
def test_it_tells_a_role_that_the_page_is_not_theirs(language):
    user = _staff(Role.REVIEWER)
    response = _client(language, user).get(reverse("archive:custody"))
    html = _check_page(response, 403, language, reverse("archive:collections"), "staff")
    assert reverse("login") in html  # sign in as someone else
    assert "Forbidden" not in html


@pytest.mark.parametrize("language", ["ar", "en"])
def test_it_tells_staff_with_no_role_to_ask_for_one(language):
    response = _client(language, _staff()).get(reverse("casework:queue"))
    html = _check_page(response, 403, language, reverse("login"), "staff")
    assert {"ar": "ليس لحسابك دور بعد", "en": "Your account has no role yet"}[language] in html
    assert "<nav" not in html  # no section opens for it


@pytest.mark.urls(__name__)
def test_it_shows_a_family_a_403_in_the_portals_look():
    response = _client("ar").get("/refused/")
    _check_page(response, 403, "ar", reverse("portal:home"), "portal")


@pytest.mark.parametrize("language", ["ar", "en"])
def test_it_shows_a_429_page_the_rate_limits_can_use(language, rf):
    from django.utils import translation

    request = rf.get(reverse("portal:report"))
    with translation.override(language):
        response = error_pages.too_many(request, retry_after_minutes=5)
    html = _check_page(response, 429, language, reverse("portal:home"), "portal")
    assert response["Retry-After"] == "300"
    assert {"ar": "بعد 5 دقائق", "en": "in 5 minutes"}[language] in html
    assert reverse("portal:ask") in html  # asking a caseworker stays one tap away


@pytest.mark.parametrize("language", ["ar", "en"])
@pytest.mark.urls(__name__)
def test_it_shows_a_500_page_in_the_visitors_language(language):
    response = _client(language).get("/crash/")
    html = _check_page(response, 500, language, reverse("portal:home"), "portal")
    assert "RuntimeError" not in html and "a bug" not in html


@pytest.mark.urls(__name__)
def test_it_shows_a_500_on_a_staff_page_in_the_staff_look():
    response = _client("en", _staff(Role.ARCHIVIST)).get("/archive/crash/")
    html = _check_page(response, 500, "en", reverse("login"), "staff", start="Go to the sign-in page")
    assert "a bug on a staff page" not in html


def test_it_renders_the_500_page_without_the_database_a_session_or_a_user(django_assert_num_queries):
    request = RequestFactory().get("/crash/")  # no session, no user: as if the middleware itself had failed
    with django_assert_num_queries(0):
        response = error_pages.server_error(request)
    html = response.content.decode()
    assert response.status_code == 500 and VIEWPORT in html and reverse("portal:home") in html


def test_it_still_answers_a_readable_500_when_the_template_fails(monkeypatch):
    def broken(name):
        raise RuntimeError("templates are broken")

    monkeypatch.setattr(error_pages.loader, "get_template", broken)
    response = error_pages.server_error(RequestFactory().get("/archive/"))
    html = response.content.decode()
    assert response.status_code == 500 and VIEWPORT in html
    assert "حدث خطأ من جهتنا" in html and "Something went wrong on our side" in html


@pytest.mark.parametrize("language", ["ar", "en"])
def test_it_explains_a_refused_form_instead_of_a_bare_csrf_403(language):
    client = Client(enforce_csrf_checks=True)
    client.cookies["django_language"] = language
    response = client.post(reverse("portal:forget"), {})
    html = response.content.decode()
    assert response.status_code == 403 and VIEWPORT in html and LANGUAGES[language][0] in html
    assert {"ar": "تعذّر إرسال النموذج", "en": "The form could not be sent"}[language] in html
    assert re.search(r'href="/"[^>]*>', html)  # the start page
