"""The case pages: who may see and change them, the list's filters, a case's page."""

import pytest
from django.urls import URLResolver, get_resolver, reverse

from dalil.archive.models import BodyCase, CaseChange, InjuryCode
from tests.archive.test_cases_personas import (  # noqa: F401 - fixtures
    analyst, archivist, cases, caseworker, client_for, family_member, make_photo, outsider, reviewer,
)

pytestmark = pytest.mark.django_db

# Every case route: (method, who may use it). A case route not listed here fails the first test.
CASE_ROUTES = {
    "archive:cases": ("get", {"archivist", "analyst", "caseworker", "reviewer"}),
    "archive:case": ("get", {"archivist", "analyst", "caseworker", "reviewer"}),
    "archive:case_update": ("post", {"analyst"}),
    "archive:case_code": ("post", {"analyst"}),
    "archive:case_split": ("post", {"analyst"}),
    "archive:case_merge": ("post", {"analyst"}),
    "archive:case_undo": ("post", {"analyst"}),
}


def _request(name: str, data: dict):
    first, second, photos = data["first"], data["second"], data["photos"]
    url = reverse(name) if name == "archive:cases" else reverse(name, args=[first.pk])
    posts = {
        "archive:case_update": {"branch": "215", "detainee_no": "774", "exam_no": "1141", "category": "custody"},
        "archive:case_code": {"code": "eye", "note": "left eye"},
        "archive:case_split": {"photo": [photos[0].pk]},
        "archive:case_merge": {"into": second.pk},
        "archive:case_undo": {"change": first.changes.first().pk},
    }
    return url, posts.get(name)


def _use(client, name, data):
    url, post = _request(name, data)
    return client.post(url, post) if CASE_ROUTES[name][0] == "post" else client.get(url)


def _route_names(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from _route_names(pattern.url_patterns, namespace)
        elif pattern.name:
            yield prefix + pattern.name


def test_it_has_a_rule_for_every_case_route():
    names = {n for n in _route_names() if n.startswith("archive:case")}
    assert names == set(CASE_ROUTES)


def test_it_sends_anonymous_visitors_to_login_from_every_case_url(cases):
    for name in CASE_ROUTES:
        response = _use(client_for(), name, cases)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login") + "?next="), name


def test_it_refuses_signed_in_users_without_a_case_role(cases, outsider, family_member):
    for user in (outsider, family_member):
        for name in CASE_ROUTES:
            assert _use(client_for(user), name, cases).status_code == 403, (user, name)
    assert CaseChange.objects.exclude(action="grouped").count() == 0


def test_it_lets_each_role_do_only_what_it_may(cases, analyst, archivist, caseworker, reviewer):
    personas = {"analyst": analyst, "archivist": archivist, "caseworker": caseworker, "reviewer": reviewer}
    for role, user in personas.items():
        for name, (method, allowed) in CASE_ROUTES.items():
            if role == "analyst" and method == "post":
                continue  # the analyst's changes have tests of their own
            status = _use(client_for(user), name, cases).status_code
            assert (status < 400) == (role in allowed), (role, name, status)
            if role not in allowed:
                assert status == 403, (role, name)
    assert CaseChange.objects.exclude(action="grouped").count() == 0


def test_it_shows_viewers_no_forms_and_analysts_all_of_them(cases, caseworker, analyst):
    url = reverse("archive:case", args=[cases["first"].pk])
    page = client_for(caseworker).get(url).content.decode()
    assert "Case #" in page and 'action="/archive/cases/' not in page and "Undo" not in page
    page = client_for(analyst).get(url).content.decode()
    for name in ("case_update", "case_code", "case_split", "case_merge", "case_undo"):
        assert reverse(f"archive:{name}", args=[cases["first"].pk]) in page, name


def test_it_refuses_a_post_without_a_csrf_token(cases, analyst):
    url = reverse("archive:case_update", args=[cases["first"].pk])
    response = client_for(analyst, csrf=True).post(url, {"branch": "9", "category": "unknown"})
    assert response.status_code == 403
    assert BodyCase.objects.get(pk=cases["first"].pk).branch == "215"


def test_it_lists_cases_with_their_photo_counts(cases, caseworker):
    response = client_for(caseworker).get(reverse("archive:cases"))
    page = response.content.decode()
    assert response.status_code == 200 and "2 cases" in page
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    rows = {c.pk: c.n_photos for c, _ in response.context["rows"]}
    assert rows == {cases["first"].pk: 3, cases["second"].pk: 1}


@pytest.mark.parametrize("query, expected", [
    ({"branch": "٢١٥"}, ["first"]),
    ({"exam": "٢٠٠٢"}, ["second"]),
    ({"detainee": "0774"}, ["first"]),
    ({"date_from": "2013-01-01"}, ["second"]),
    ({"date_to": "٢٠١٢-٠٥-٣١"}, ["first"]),
    ({"review": "yes"}, ["second"]),
    ({"review": "no"}, ["first"]),
    ({"category": "custody"}, ["first"]),
])
def test_it_filters_the_list(cases, caseworker, query, expected):
    BodyCase.objects.filter(pk=cases["second"].pk).update(needs_review=True)
    BodyCase.objects.filter(pk=cases["first"].pk).update(category="custody")
    response = client_for(caseworker).get(reverse("archive:cases"), query)
    assert [c.pk for c, _ in response.context["rows"]] == [cases[k].pk for k in expected]


def test_it_hides_merged_cases_from_the_list(cases, caseworker):
    BodyCase.objects.filter(pk=cases["second"].pk).update(merged_into=cases["first"])
    response = client_for(caseworker).get(reverse("archive:cases"))
    assert [c.pk for c, _ in response.context["rows"]] == [cases["first"].pk]


def test_it_shows_a_case_with_blurred_previews_linking_to_each_photo(cases, reviewer, analyst):
    case = cases["first"]
    InjuryCode.objects.create(case=case, code="eye", note="left eye", coded_by=analyst)
    page = client_for(reviewer).get(reverse("archive:case", args=[case.pk])).content.decode()
    for photo in cases["photos"][:3]:
        assert reverse("archive:preview", args=[photo.item.sha256]) in page
        assert reverse("archive:item", args=[photo.item.sha256]) in page
        assert reverse("archive:thumbnail", args=[photo.item.sha256]) not in page
    assert "1141" in page and "774" in page and "2012-05-03" in page
    assert "eye injuries" in page and "rana-analyst" in page and "left eye" in page
    assert "3 photos" in page and "grouped" in page  # the history


def test_it_names_the_review_reasons_on_a_flagged_case(db, caseworker):
    from dalil.archive.grouping import group_photos

    make_photo(1, "215", "774", "1141")
    make_photo(2, "215", "774", "1187")
    group_photos()
    case = BodyCase.objects.get(exam_no="1141")
    page = client_for(caseworker).get(reverse("archive:case", args=[case.pk])).content.decode()
    assert "Needs review" in page and "detainee 215/774 appears under examination numbers 1141 and 1187" in page


def test_it_speaks_arabic_by_default(cases, caseworker):
    page = client_for(caseworker, english=False).get(reverse("archive:case", args=[cases["first"].pk]))
    text = page.content.decode()
    assert '<html lang="ar" dir="rtl">' in text and "الحالة" in text


def test_it_answers_404_for_a_case_that_does_not_exist(cases, caseworker, analyst):
    assert client_for(caseworker).get(reverse("archive:case", args=[99999])).status_code == 404
    assert client_for(analyst).post(reverse("archive:case_undo", args=[cases["first"].pk]),
                                    {"change": cases["second"].changes.get().pk}).status_code == 404
