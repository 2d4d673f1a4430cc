"""Proposing, corroborating, confirming and rejecting identifications."""

import pytest

from dalil.audit.models import AuditEvent
from dalil.identification import workflow
from dalil.identification.models import Claim, FollowUpMessage, Identification, IdentificationStep
from dalil.identification.models import MissingPersonReport as Report
from dalil.identification.workflow import NotPermitted, WorkflowError
from tests.identification.personas import make_case, make_report

pytestmark = pytest.mark.django_db
State = Identification.State


@pytest.fixture
def claimed(report, good_case, caseworker):
    return workflow.propose(report, good_case, caseworker)


@pytest.fixture
def corroborated(claimed, reviewer):
    return workflow.corroborate(claimed, reviewer, "الأرقام والتواريخ والندبة متطابقة")


def _events():
    return list(AuditEvent.objects.filter(action=AuditEvent.Action.IDENTIFICATION).order_by("pk"))


def test_it_proposes_a_pair_once(report, good_case, caseworker):
    first = workflow.propose(report, good_case, caseworker)
    again = workflow.propose(report, good_case, caseworker)
    assert first.pk == again.pk and first.state == State.CLAIMED
    step = IdentificationStep.objects.get()
    assert (step.from_state, step.to_state, step.actor) == ("", "claimed", caseworker)
    assert len(_events()) == 1 and _events()[0].actor == "salma"
    report.refresh_from_db()
    assert report.status == Report.Status.POSSIBLE_MATCH


def test_it_refuses_a_proposal_from_someone_without_a_casework_role(report, good_case, analyst):
    with pytest.raises(NotPermitted):
        workflow.propose(report, good_case, analyst)
    assert not Identification.objects.exists()


def test_it_refuses_a_caseworker_moving_an_identification_past_claimed(claimed, caseworker):
    with pytest.raises(NotPermitted, match="reviewer"):
        workflow.corroborate(claimed, caseworker, "evidence")
    assert claimed.state == State.CLAIMED


def test_it_needs_the_evidence_to_corroborate(claimed, reviewer):
    with pytest.raises(WorkflowError, match="evidence"):
        workflow.corroborate(claimed, reviewer, "  ")


def test_it_needs_two_different_reviewers_to_confirm(corroborated, reviewer, second_reviewer):
    with pytest.raises(WorkflowError) as refused:
        workflow.confirm(corroborated, reviewer, "")
    assert "second, different reviewer" in str(refused.value)
    corroborated.refresh_from_db()
    assert corroborated.state == State.CORROBORATED
    workflow.confirm(corroborated, second_reviewer, "أوافق")
    assert corroborated.state == State.CONFIRMED
    assert [s.actor.username for s in corroborated.steps.all()] == ["salma", "khaled", "rania"]


def test_it_refuses_steps_out_of_order(claimed, reviewer, second_reviewer):
    with pytest.raises(WorkflowError, match="corroborated"):
        workflow.confirm(claimed, reviewer, "")
    workflow.reject(claimed, reviewer, "التاريخ لا يتطابق")
    with pytest.raises(WorkflowError):
        workflow.corroborate(claimed, second_reviewer, "evidence")
    with pytest.raises(WorkflowError):
        workflow.reject(claimed, second_reviewer, "again")


def test_it_identifies_the_report_and_tells_the_family_in_their_language(corroborated, second_reviewer, report):
    workflow.confirm(corroborated, second_reviewer, "")
    report.refresh_from_db()
    assert report.status == Report.Status.IDENTIFIED
    message = FollowUpMessage.objects.get(report=report)
    assert message.author == second_reviewer
    assert all(n in message.body for n in ("215", "3312", "1001"))
    assert "confirmed" not in message.body and "الفرع 215" in message.body  # the report is in Arabic
    english = make_report(language="en")
    case = make_case(exam_no="2002", detainee_no="4410")
    ident = workflow.propose(english, case, second_reviewer)
    workflow.corroborate(ident, second_reviewer, "matches")
    workflow.confirm(ident, corroborated.steps.get(to_state="corroborated").actor, "")
    body = english.messages.get().body
    assert "confirmed" in body and "2002" in body and "support" in body


def test_it_audits_every_step(corroborated, second_reviewer):
    workflow.confirm(corroborated, second_reviewer, "")
    events = _events()
    assert [(e.details["from_state"], e.details["to_state"]) for e in events] == [
        ("", "claimed"), ("claimed", "corroborated"), ("corroborated", "confirmed")]
    assert [e.actor for e in events] == ["salma", "khaled", "rania"]
    assert {e.target for e in events} == {f"identification:{corroborated.pk}"}
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MESSAGE_SENT).count() == 1


def test_it_needs_a_reason_to_reject(claimed, reviewer):
    with pytest.raises(WorkflowError, match="reason"):
        workflow.reject(claimed, reviewer, "")
    workflow.reject(claimed, reviewer, "الفرع مختلف")
    assert claimed.state == State.REJECTED and claimed.reason == "الفرع مختلف"


def test_it_tells_the_family_gently_only_about_a_case_they_asked_about(report, good_case, caseworker, reviewer):
    proposed = workflow.propose(report, good_case, caseworker)
    workflow.reject(proposed, reviewer, "لا")
    assert not report.messages.exists()  # they never knew of this case: nothing to tell
    claimed_case = make_case(exam_no="2002")
    Claim.objects.create(report=report, case=claimed_case, reason="عرفته")
    ident = workflow.propose(report, claimed_case, caseworker)
    workflow.reject(ident, reviewer, "العمر بعيد")
    message = report.messages.get()
    assert "2002" in message.body and message.author == reviewer
    report.refresh_from_db()
    assert report.status == Report.Status.IN_REVIEW


def test_it_can_reject_a_confirmed_identification_and_reopens_the_report(corroborated, second_reviewer, reviewer,
                                                                         report):
    workflow.confirm(corroborated, second_reviewer, "")
    workflow.reject(corroborated, reviewer, "DNA excluded")
    report.refresh_from_db()
    assert report.status == Report.Status.IN_REVIEW and report.messages.count() == 2


def test_it_refuses_to_confirm_a_body_already_confirmed_as_someone_else(corroborated, second_reviewer, reviewer,
                                                                        good_case, caseworker):
    workflow.confirm(corroborated, second_reviewer, "")
    other = make_report(first_name_ar="سامر")
    ident = workflow.propose(other, good_case, caseworker)
    with pytest.raises(WorkflowError, match="already confirmed"):  # warned at the first step already
        workflow.corroborate(ident, reviewer, "maybe")
    workflow.corroborate(ident, reviewer, "maybe", conflict_seen=True)
    with pytest.raises(WorkflowError, match="already confirmed"):
        workflow.confirm(ident, second_reviewer, "")
