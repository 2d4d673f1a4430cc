"""Conflicts shown from the first moment, and a confirmation step before every family-visible action."""

import pytest
from django.test import Client
from django.urls import reverse

from dalil.archive.views.cases import edits
from dalil.audit.models import AuditEvent
from dalil.identification import workflow
from dalil.identification.models import Claim, Identification, MissingPersonReport
from tests.identification.personas import make_case, make_report

pytestmark = pytest.mark.django_db
CONFIRMED = {"step": "confirm", "confirmed": "yes"}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def _confirmed(report, case, caseworker, reviewer, second_reviewer) -> Identification:
    ident = workflow.propose(report, case, caseworker)
    workflow.corroborate(ident, reviewer, "numbers and scar", conflict_seen=True)
    return workflow.confirm(ident, second_reviewer, "checked")


def test_it_flags_two_families_on_one_body_in_the_queue(caseworker, report, good_case):
    other = make_report(first_name_ar="سامر")
    for who in (report, other):
        Claim.objects.create(report=who, case=good_case, reason="نعرفه")
        Identification.objects.create(report=who, case=good_case)
    response = _client(caseworker).get(reverse("casework:queue"))
    conflicts = response.context["conflicts"]
    assert conflicts["families_count"] == 1 and conflicts["families"][0][0] == good_case
    assert {i.report for i in conflicts["families"][0][1]} == {report, other}
    page = response.content.decode()
    assert "Two families on one body" in page and page.count('class="conflict"') == 2


def test_it_flags_two_bodies_for_one_report_in_the_queue_and_on_the_page(caseworker, report, good_case):
    first = workflow.propose(report, good_case, caseworker)
    second_case = make_case(exam_no="2002")
    workflow.propose(report, second_case, caseworker)
    response = _client(caseworker).get(reverse("casework:queue"))
    assert response.context["conflicts"]["bodies"][0][0] == report
    assert "Two bodies for one report" in response.content.decode()
    page = _client(caseworker).get(reverse("casework:identification", args=[first.pk])).content.decode()
    assert "This report with another body" in page and "2002" in page


def test_it_flags_a_case_changed_under_review_until_a_reviewer_acts(caseworker, reviewer, report, good_case):
    ident = workflow.propose(report, good_case, caseworker)
    edits.update(good_case, {**good_case.values(("branch", "detainee_no")), "exam_no": "1002"}, "omar")
    queue = _client(caseworker).get(reverse("casework:queue"))
    assert [i.pk for i, _ in queue.context["conflicts"]["changed"]] == [ident.pk]
    assert ident.pk in queue.context["flagged"]
    page = _client(reviewer).get(reverse("casework:identification", args=[ident.pk])).content.decode()
    assert "The case changed while this identification was under review" in page and "numbers corrected" in page
    workflow.corroborate(ident, reviewer, "checked the new examination number")
    queue = _client(caseworker).get(reverse("casework:queue"))
    assert queue.context["conflicts"]["changed_count"] == 0  # seen and acted on
    page = _client(reviewer).get(reverse("casework:identification", args=[ident.pk])).content.decode()
    assert "numbers corrected" in page  # the page keeps the history


def test_it_warns_a_reviewer_corroborating_a_claim_on_a_body_confirmed_for_another_family(
        caseworker, reviewer, second_reviewer, report, good_case):
    first = _confirmed(report, good_case, caseworker, reviewer, second_reviewer)
    other = make_report(first_name_ar="سامر")
    claim = workflow.propose(other, good_case, caseworker)
    client = _client(reviewer)
    url = reverse("casework:identification", args=[claim.pk])
    page = client.get(url).content.decode()
    link = reverse("casework:identification", args=[first.pk])
    assert "already confirmed for the family of report" in page and f'href="{link}"' in page
    assert 'name="conflict_seen"' in page
    step = reverse("casework:identification_step", args=[claim.pk])
    refused = client.post(step, {"action": "corroborate", "note": "the scar"}, follow=True).content.decode()
    assert "tick the box saying you have seen" in refused and f'<a href="{link}">' in refused
    claim.refresh_from_db()
    assert claim.state == "claimed"
    client.post(step, {"action": "corroborate", "note": "the scar", "conflict_seen": "yes"})
    claim.refresh_from_db()
    assert claim.state == "corroborated"
    # the refusal to confirm says what to do, with the link
    answer = _client(second_reviewer).post(reverse("casework:identification_step", args=[claim.pk]), {
        "action": "confirm", "note": "checked", "confirmed": "yes"}, follow=True).content.decode()
    assert "reject the wrong one with your reason" in answer and f'<a href="{link}">' in answer
    claim.refresh_from_db()
    assert claim.state == "corroborated"


def test_it_asks_for_a_note_and_a_tick_before_proposing(caseworker, reviewer, second_reviewer, report, good_case):
    _confirmed(make_report(first_name_ar="سامر"), good_case, caseworker, reviewer, second_reviewer)
    client, url = _client(caseworker), reverse("casework:propose", args=[report.reference])
    asked = client.post(url, {"case": good_case.pk})
    page = asked.content.decode()
    assert asked.status_code == 200 and "Another family on this body" in page and 'name="confirmed"' in page
    assert not Identification.objects.filter(report=report).exists()
    no_note = client.post(url, {"case": good_case.pk, "confirmed": "yes", "step": "confirm"})
    assert no_note.status_code == 400 and not Identification.objects.filter(report=report).exists()
    client.post(url, {"case": good_case.pk, "note": "same scar", **CONFIRMED})
    assert Identification.objects.get(report=report).steps.get().note == "same scar"


def test_it_asks_before_reissuing_a_link_and_says_the_old_one_stops_at_once(caseworker):
    report = make_report()
    old_token, report.followup_digest = MissingPersonReport.issue_followup_token()
    report.save()
    client, url = _client(caseworker), reverse("casework:reissue_link", args=[report.reference])
    asked = client.post(url)
    assert "stops working at once: there is no grace period" in asked.content.decode()
    assert MissingPersonReport.for_token(old_token) == report  # nothing happened yet
    assert client.post(url, {"step": "confirm", "confirmed": "yes"}).status_code == 400  # no note
    done = client.post(url, {"note": "her phone was stolen", **CONFIRMED})
    assert MissingPersonReport.for_token(done.context["token"]) == report
    assert MissingPersonReport.for_token(old_token) is None
    event = AuditEvent.objects.get(action=AuditEvent.Action.LINK_REVOKED)
    assert event.details["note"] == "her phone was stolen"


def test_it_asks_for_a_note_and_a_tick_before_confirming(caseworker, reviewer, second_reviewer, report, good_case):
    ident = workflow.propose(report, good_case, caseworker)
    workflow.corroborate(ident, reviewer, "numbers")
    client = _client(second_reviewer)
    page = client.get(reverse("casework:identification", args=[ident.pk])).content.decode()
    assert 'name="confirmed"' in page and 'id="confirm-note" name="note" required' in page
    step = reverse("casework:identification_step", args=[ident.pk])
    for data in ({"action": "confirm", "note": "checked"}, {"action": "confirm", "confirmed": "yes"}):
        answer = client.post(step, data, follow=True).content.decode()
        assert "write a note (what you checked)" in answer
    ident.refresh_from_db()
    assert ident.state == "corroborated" and not report.messages.exists()
    client.post(step, {"action": "confirm", "note": "checked", "confirmed": "yes"})
    ident.refresh_from_db()
    assert ident.state == "confirmed" and ident.steps.last().note == "checked"
