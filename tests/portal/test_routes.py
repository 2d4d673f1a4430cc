"""Every portal route: open to anyone (no login), its methods, CSRF on every POST, no referrer sent.

The test fails when a portal route is added without a line here.
"""

import pytest
from django.test import Client
from django.urls import get_resolver

from tests.portal.conftest import file_report

pytestmark = pytest.mark.django_db

# name: (methods allowed, path template)
ROUTES = {
    "home": ({"GET"}, "/"),
    "report": ({"GET", "POST"}, "/report/"),
    "followup": ({"GET"}, "/f/{token}/"),
    "forget": ({"GET", "POST"}, "/forget/"),
    "search": ({"GET"}, "/search/"),
    "case": ({"GET"}, "/case/{case}/"),
    "reveal": ({"POST"}, "/case/{case}/reveal/"),
    "warning": ({"GET"}, "/case/{case}/warning/"),
    "image": ({"GET"}, "/case/{case}/image/{photo}/preview.jpg"),
    "claim": ({"GET", "POST"}, "/case/{case}/claim/"),
    "ask": ({"GET", "POST"}, "/ask/"),
    "face": ({"GET"}, "/case/{case}/face/{face}.jpg"),
    "faces": ({"GET", "POST"}, "/faces/"),
    "open": ({"GET", "POST"}, "/open/"),
    "report_sent": ({"GET"}, "/report/sent/"),
    "reply": ({"POST"}, "/f/{token}/reply/"),
    "withdraw": ({"POST"}, "/f/{token}/claims/1/withdraw/"),
    "delete": ({"POST"}, "/f/{token}/delete/"),
}
# The follow-up page's forms: that page sends no referrer (its address is the secret), so browsers post them with
# "Origin: null"; the secret token in their address is their check instead of Django's CSRF token.
TOKEN_CHECKED = {"reply", "withdraw", "delete"}


def test_it_lists_every_portal_route():
    resolver = get_resolver()
    names = {name.split(":", 1)[1] for name in _portal_names(resolver)}
    assert names == set(ROUTES)


def _portal_names(resolver):
    for pattern in resolver.url_patterns:
        if getattr(pattern, "app_name", None) == "portal":
            yield from (f"portal:{p.name}" for p in pattern.url_patterns)


def test_it_needs_no_account_and_refuses_other_methods(archive):
    _, _, token = file_report(Client())
    case = archive["custody"]
    values = {"token": token, "case": case.pk, "photo": case.photos.first().pk, "face": 1}
    for name, (methods, template) in ROUTES.items():
        url = template.format(**values)
        client = Client()
        if "GET" in methods and name not in ("image", "face", "report_sent"):  # pictures: after a step of the reveal;
            # the report's confirmation: only in the browser that sent it (elsewhere: back to the home page)
            response = client.get(url)
            assert response.status_code == 200, name
            assert response["Referrer-Policy"] == "no-referrer", name
            assert "/login/" not in response.get("Location", "")
        for method in {"GET", "POST", "PUT", "DELETE"} - methods:
            assert getattr(client, method.lower())(url).status_code == 405, (name, method)


def test_it_checks_csrf_on_every_post(archive):
    case = archive["custody"]
    for name, (methods, template) in ROUTES.items():
        if "POST" in methods and name not in TOKEN_CHECKED:
            url = template.format(token="x", case=case.pk, photo=0, face=0)
            assert Client(enforce_csrf_checks=True).post(url, {}).status_code == 403, name


def test_it_checks_the_secret_token_on_the_follow_up_pages_forms(archive):
    from dalil.identification.models import DeletionRequest, FollowUpMessage

    _, report, token = file_report(Client())
    for name in TOKEN_CHECKED:
        url = ROUTES[name][1].format(token="a-forged-token-" + token[:10])
        response = Client(enforce_csrf_checks=True).post(url, {"body": "x", "sure": "yes"})
        assert response.status_code == 404, name
        assert report.reference.encode() not in response.content
    assert not FollowUpMessage.objects.exists() and not DeletionRequest.objects.exists()
    response = Client(enforce_csrf_checks=True).post(f"/f/{token}/reply/", {"body": "هل من جديد؟"},
                                                     HTTP_ORIGIN="null")
    assert response.status_code == 200 and FollowUpMessage.objects.get().from_family
