"""Casework routes, who may use them, and with which method: anonymous -> login, wrong role -> 403.

Reviewers review; caseworkers handle the family (contact details, messages, follow-up links, documents).
The one table of who may do what is tests/test_routes.py (it fails on a route it does not list); this
module exercises the casework routes on casework data, with the same roles as that table.
"""

import pytest
from django.test import Client
from django.urls import reverse

from dalil.identification import workflow
from dalil.identification.models import Claim, SearchRequest
from dalil.lib import crypto
from tests.identification.personas import person

pytestmark = pytest.mark.django_db

CASEWORK = {"caseworker", "reviewer", "admin"}
FAMILY = {"caseworker", "admin"}
REVIEW = {"reviewer", "admin"}

# name: (method, roles allowed), as in tests/test_routes.py (test_it_agrees_with_the_route_table).
ROUTES = {
    "casework:queue": ("get", CASEWORK),
    "casework:figures": ("get", CASEWORK),
    "casework:report": ("get", CASEWORK),
    "casework:report_contact": ("post", FAMILY),
    "casework:renew_contact": ("post", FAMILY),
    "casework:report_photo": ("get", CASEWORK),
    "casework:propose": ("post", FAMILY),
    "casework:message": ("post", FAMILY),
    "casework:revoke_link": ("post", FAMILY),
    "casework:reissue_link": ("post", FAMILY),
    "casework:claim_document": ("get", FAMILY),
    "casework:search_request_done": ("post", FAMILY),
    "casework:case_reports": ("get", CASEWORK),
    "casework:identification": ("get", CASEWORK),
    "casework:identification_step": ("post", REVIEW),
}




@pytest.fixture
def world(report, good_case, caseworker):
    from tests.identification.personas import make_report

    with_photo = make_report(photo=_png())
    ident = workflow.propose(report, good_case, caseworker)
    search = SearchRequest.objects.create(report=report, note="ابحثوا عنه من فضلكم")
    claim = Claim.objects.create(report=report, case=good_case, reason="الندبة على ساعده", document_name="scan.pdf",
                                 document_encrypted=crypto.encrypt(b"%PDF-1.4 a scanned family book"))
    return {"report": report, "photo_report": with_photo, "case": good_case, "ident": ident, "search": search,
            "claim": claim}


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 90, 60)).save(out, "PNG")
    return out.getvalue()


def _call(client, name, w):
    ref = {"reference": w["report"].reference}
    kwargs = {
        "casework:report": ref, "casework:report_contact": ref, "casework:renew_contact": ref,
        "casework:propose": ref, "casework:message": ref, "casework:claim_document": {"pk": w["claim"].pk},
        "casework:revoke_link": ref, "casework:reissue_link": ref,
        "casework:report_photo": {"reference": w["photo_report"].reference},
        "casework:case_reports": {"pk": w["case"].pk},
        "casework:identification": {"pk": w["ident"].pk}, "casework:identification_step": {"pk": w["ident"].pk},
        "casework:search_request_done": {"pk": w["search"].pk},
    }.get(name, {})
    data = {"casework:propose": {"case": w["case"].pk}, "casework:message": {"body": "مرحباً"},
            "casework:identification_step": {"action": "reject", "reason": "اختبار"}}.get(name, {})
    method, _ = ROUTES[name]
    url = reverse(name, kwargs=kwargs)
    return getattr(client, method)(url, data)


def test_it_agrees_with_the_route_table():
    from tests.test_routes import ROLE_PERSONAS, ROUTES as TABLE

    for name, (_method, roles) in ROUTES.items():
        assert roles == TABLE[name].allowed & set(ROLE_PERSONAS), name


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_it_sends_anonymous_visitors_to_login(name, world):
    response = _call(Client(), name, world)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_it_refuses_staff_without_a_casework_role(name, world, analyst):
    client = Client()
    client.force_login(analyst)
    assert _call(client, name, world).status_code == 403


@pytest.mark.parametrize("role", ["caseworker", "reviewer", "admin"])
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_it_lets_each_role_use_exactly_its_routes(name, role, world):
    client = Client()
    client.force_login(person(f"user-{role}", role))
    response = _call(client, name, world)
    allowed = role in ROUTES[name][1]
    assert (response.status_code < 400) == allowed, (name, role, response.status_code)
    if not allowed:
        assert response.status_code == 403


@pytest.mark.parametrize("name", sorted(n for n, (method, _) in ROUTES.items() if method == "post"))
def test_it_refuses_get_on_post_only_routes(name, world):
    client = Client()
    client.force_login(person("admin-1", "admin"))
    assert getattr(client, "get")(reverse(name, kwargs=_kwargs_for(name, world))).status_code == 405


def _kwargs_for(name, w):
    if name in ("casework:identification_step",):
        return {"pk": w["ident"].pk}
    if name == "casework:search_request_done":
        return {"pk": w["search"].pk}
    return {"reference": w["report"].reference}


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_it_never_lets_a_browser_keep_a_casework_page(name, world):
    client = Client()
    client.force_login(person("admin-2", "admin"))
    response = _call(client, name, world)
    assert "no-store" in response.get("Cache-Control", ""), name
