"""The list of all reports (search, filters, pages), assignment, the queue's new reports, the side-by-side
comparison on the identification page, and who an identification's "claimed" state came from."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from PIL import Image

from dalil.audit.models import AuditEvent
from dalil.casework.views import reports_list
from dalil.identification.labels import identification_label
from dalil.identification.models import Claim, Identification, IdentificationStep
from dalil.lib.roles import Role
from tests.identification.personas import D, make_case, make_report, person

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def _refs(response) -> set[str]:
    return {r.reference for r in response.context["page"]}


def test_it_lists_and_filters_all_reports(caseworker):
    a = make_report(first_name_ar="سامر", first_name_latin="Samer", arresting_branch="227", arrest_date=D(2011, 8, 1))
    b = make_report(first_name_ar="ليلى", first_name_latin="Layla", status="possible_match",
                    arrest_date=D(2012, 9, 9))
    client, url = _client(caseworker), reverse("casework:reports")
    assert _refs(client.get(url)) == {a.reference, b.reference}
    assert _refs(client.get(url, {"q": "سامر"})) == {a.reference}
    assert _refs(client.get(url, {"q": "layla"})) == {b.reference}
    assert _refs(client.get(url, {"q": a.reference[-4:]})) == {a.reference}
    assert _refs(client.get(url, {"status": "possible_match"})) == {b.reference}
    assert _refs(client.get(url, {"branch": "فرع ٢٢٧"})) == {a.reference}
    assert _refs(client.get(url, {"from": "2012-01-01"})) == {b.reference}
    assert _refs(client.get(url, {"to": "٢٠١١-١٢-٣١"})) == {a.reference}
    assert "Layla" in client.get(url).content.decode() or "ليلى" in client.get(url).content.decode()


def test_it_pages_the_list_keeping_the_filters(caseworker, monkeypatch):
    monkeypatch.setattr(reports_list, "PER_PAGE", 2)
    for n in range(5):
        make_report(first_name_latin=f"Omar{n}")
    make_report(first_name_latin="Other")
    client, url = _client(caseworker), reverse("casework:reports")
    first = client.get(url, {"q": "omar"})
    assert first.context["page"].paginator.num_pages == 3 and len(first.context["page"]) == 2
    assert "q=omar&amp;page=2" in first.content.decode()
    last = client.get(url, {"q": "omar", "page": 3})
    assert len(last.context["page"]) == 1 and not _refs(last) & _refs(first)


def test_it_assigns_a_report_to_me_to_another_caseworker_and_to_no_one_audited(caseworker):
    other = person("huda", Role.CASEWORKER)
    item = make_report()
    client, url = _client(caseworker), reverse("casework:assign", args=[item.reference])
    client.post(url, {"to": "me"})
    item.refresh_from_db()
    assert item.assigned_to == caseworker
    assert _refs(client.get(reverse("casework:reports"), {"assigned": "me"})) == {item.reference}
    client.post(url, {"to": str(other.pk)})
    item.refresh_from_db()
    assert item.assigned_to == other
    assert _refs(client.get(reverse("casework:reports"), {"assigned": str(other.pk)})) == {item.reference}
    client.post(url, {"to": "none"})
    item.refresh_from_db()
    assert item.assigned_to is None
    assert _refs(client.get(reverse("casework:reports"), {"assigned": "none"})) == {item.reference}
    events = AuditEvent.objects.filter(action=AuditEvent.Action.REPORT_ASSIGNED, target=f"report:{item.reference}")
    assert [e.details.get("after") for e in events.order_by("pk")] == ["salma", "huda", ""]


def test_it_refuses_to_assign_to_someone_who_is_not_a_caseworker(caseworker, reviewer):
    item = make_report()
    response = _client(caseworker).post(reverse("casework:assign", args=[item.reference]), {"to": str(reviewer.pk)},
                                        follow=True)
    item.refresh_from_db()
    assert item.assigned_to is None and "Choose a caseworker" in response.content.decode()
    assert _client(reviewer).post(reverse("casework:assign", args=[item.reference]), {"to": "me"}).status_code == 403


def test_it_shows_a_report_that_went_straight_to_a_claim_as_new_until_someone_takes_it(caseworker):
    item = make_report(status="possible_match")
    case = make_case()
    Claim.objects.create(report=item, case=case, reason="عرفناه")
    client = _client(caseworker)
    assert item in client.get(reverse("casework:queue")).context["reports"]
    client.post(reverse("casework:assign", args=[item.reference]), {"to": "me"})
    assert item not in client.get(reverse("casework:queue")).context["reports"]


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 50), (120, 100, 90)).save(out, "JPEG")
    return out.getvalue()


def test_it_shows_the_familys_photo_beside_the_case_face_each_audited(caseworker, reviewer):
    from dalil.archive.models import Photo
    from dalil.evidence.models import Item
    from dalil.evidence.store import derivatives
    from dalil.faces.models import Face

    report = make_report(photo=_jpeg(), photo_consent=True)
    case = make_case()
    item = Item.objects.create(sha256="a" * 64, size=10, media_type="image/jpeg")
    photo = Photo.objects.create(item=item, format="JPEG", width=100, height=100, case=case)
    face = Face.objects.create(photo=photo, top=10, right=90, bottom=90, left=10, embedding=bytes(512),
                               crop_sha256=derivatives().put_bytes(_jpeg()), detector=Face.Detector.HOG)
    ident = Identification.objects.create(report=report, case=case)
    client = _client(reviewer)
    page = client.get(reverse("casework:identification", args=[ident.pk])).content.decode()
    assert reverse("casework:report_photo", args=[report.reference]) in page
    assert reverse("casework:identification_face", args=[ident.pk]) in page
    response = client.get(reverse("casework:identification_face", args=[ident.pk]))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.REVEALED_FACE, target=f"case:{case.pk}")
    assert event.details["face"] == face.pk and event.details["identification"] == ident.pk
    assert client.get(reverse("casework:report_photo", args=[report.reference])).status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VIEWED_REPORT, target=f"report:{report.reference}",
                                     details__part="photo").exists()


def test_it_answers_404_without_a_face_on_the_case_and_records_nothing(reviewer, report, good_case):
    ident = Identification.objects.create(report=report, case=good_case)
    assert _client(reviewer).get(reverse("casework:identification_face", args=[ident.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REVEALED_FACE).exists()


def test_it_labels_a_caseworkers_proposal_apart_from_the_familys_claim(caseworker, report, good_case):
    proposed = Identification.objects.create(report=report, case=good_case)
    IdentificationStep.objects.create(identification=proposed, to_state="claimed", actor=caseworker)
    other = make_case(exam_no="2002")
    Claim.objects.create(report=report, case=other, reason="عرفناه من الصورة")
    claimed = Identification.objects.create(report=report, case=other)
    with translation.override("en"):
        assert identification_label(proposed) == "proposed by a caseworker"
        assert identification_label(claimed) == "claimed by the family"
    with translation.override("ar"):
        assert identification_label(proposed) == "اقتراح موظف الحالة"
        assert "مُدّعى" not in identification_label(claimed)
    page = _client(caseworker).get(reverse("casework:queue")).content.decode()
    assert "proposed by a caseworker" in page and "claimed by the family" in page
