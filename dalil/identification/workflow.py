"""Moving an identification along its lifecycle (see the comment in models.py).

propose -> claimed (caseworker or reviewer), corroborate -> corroborated (a reviewer,
with the evidence), confirm -> confirmed (a second, different reviewer), reject ->
rejected (any reviewer, at any step, with a reason). Every step is one
IdentificationStep row and one audit event, written in the same transaction.
Confirming tells the family through their follow-up page, in their language;
rejecting a case the family asked about, or one they were told about, tells them
gently. A step that cannot be taken raises WorkflowError with a sentence (and,
where another identification is in the way, that identification, for a link).

Confirming locks the body case first, then the identification, then the
report (the order a merge uses too: case rows before identifications), so two
reviewers confirming two identifications of one body queue, and the second
is told about the first; "one confirmed identification per case / per report"
are also database constraints, and a confirmation that hits them gets the same
sentence, never a 500.
"""

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from dalil.archive.models import BodyCase
from dalil.audit.models import AuditEvent, audit
from dalil.identification.models import Claim, FollowUpMessage, Identification, IdentificationStep
from dalil.identification.models import MissingPersonReport as Report
from dalil.lib.roles import Role, has_role

State = Identification.State
OPEN_STATES = (State.CLAIMED, State.CORROBORATED)


class WorkflowError(Exception):
    """A step that cannot be taken; str() is a sentence for the person who tried; `other` the identification
    in the way, if any (the page links to it)."""

    def __init__(self, message: str = "", other: Identification | None = None):
        super().__init__(message)
        self.other = other


class NotPermitted(WorkflowError):
    """The person has not the role this step needs."""


def _require_reviewer(actor) -> None:
    if not has_role(actor, Role.REVIEWER):
        raise NotPermitted(_("Only a reviewer can move an identification past “claimed”."))


def _step(ident: Identification, to_state: str, actor, note: str, request=None, from_state=None) -> IdentificationStep:
    from_state = ident.state if from_state is None else from_state
    step = IdentificationStep.objects.create(identification=ident, from_state=from_state, to_state=to_state,
                                             actor=actor, note=note)
    ident.state = to_state
    ident.save(update_fields=["state", "reason", "updated_at"])
    audit(request, AuditEvent.Action.IDENTIFICATION, f"identification:{ident.pk}", actor=actor.get_username(),
          report=ident.report.reference, case=ident.case_id, from_state=step.from_state, to_state=to_state,
          step=step.pk)
    return step


def _lock_row(model, pk) -> None:
    list(model.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True))


def _locked(ident: Identification) -> Identification:
    """The identification re-read under a row lock, so two reviewers cannot take the same step at once."""
    # of=self: the body and the report are locked on purpose, where needed (confirm), not by the join
    return Identification.objects.select_for_update(of=("self",)).select_related("report", "case").get(pk=ident.pk)


def _sync(target: Identification, source: Identification) -> Identification:
    target.state, target.reason, target.updated_at = source.state, source.reason, source.updated_at
    return source


def _tell_family(report: Report, actor, body: str, request=None) -> FollowUpMessage:
    message = FollowUpMessage.objects.create(report=report, author=actor, body=body)
    audit(request, AuditEvent.Action.MESSAGE_SENT, f"report:{report.reference}", actor=actor.get_username(),
          message=message.pk, automatic=True)
    return message


def _numbers(case) -> dict:
    return {"branch": case.branch or "?", "detainee": case.detainee_no or "?", "exam": case.exam_no or "?"}


def confirmed_message(report: Report, case) -> str:
    with translation.override(report.language or "ar"):
        return "\n\n".join([
            _("After careful review by two different reviewers, we have confirmed that your relative is the person "
              "recorded in the archive under these numbers: branch %(branch)s, detainee number %(detainee)s, "
              "examination number %(exam)s.") % _numbers(case),
            _("We are deeply sorry for your loss. If you would like support, or to talk with a caseworker, write to "
              "us on this page or ask us to call you. We are here for you, whenever you are ready."),
        ])


def rejected_message(report: Report, case, was_confirmed: bool) -> str:
    with translation.override(report.language or "ar"):
        if was_confirmed:
            first = _("We must correct what we told you: after a further review, the identification with branch "
                      "%(branch)s, detainee number %(detainee)s, examination number %(exam)s is no longer "
                      "considered certain. We are very sorry for the pain this may cause.") % _numbers(case)
        else:
            first = _("We have looked carefully at the case you asked us about (branch %(branch)s, detainee number "
                      "%(detainee)s, examination number %(exam)s). After review, we do not think it is your "
                      "relative.") % _numbers(case)
        return "\n\n".join([first, _(
            "Your report stays open: we keep searching, and we will write to you here if we find anything. If you "
            "would like to talk, write to us on this page.")])


def propose(report: Report, case, actor, request=None, note: str = "") -> Identification:
    """A candidate for this report: the identification in state claimed (the existing one if already proposed).
    `note` (why this case) is kept on the step, for the reviewers."""
    if not has_role(actor, Role.CASEWORKER, Role.REVIEWER):
        raise NotPermitted(_("Only a caseworker or a reviewer can propose an identification."))
    existing = Identification.objects.filter(report=report, case=case).first()
    if existing is not None:
        return existing
    if report.status in (Report.Status.IDENTIFIED, Report.Status.CLOSED):
        raise WorkflowError(_("This report is already identified or closed; reject that identification first."))
    with transaction.atomic():
        case = BodyCase.objects.select_for_update().get(pk=case.pk)  # a merge or split waits, or went first
        if case.merged_into_id:
            raise WorkflowError(_("This case was merged into another one; propose that case instead."))
        if case.numbers_pending:
            raise WorkflowError(_("This case was split off another one and its numbers are still to be set: ask an "
                                  "analyst to set them, then propose it."))
        ident, created = Identification.objects.get_or_create(report=report, case=case)
        if created:
            _step(ident, State.CLAIMED, actor, (note or "").strip(), request, from_state="")
            if report.status in (Report.Status.RECEIVED, Report.Status.IN_REVIEW):
                report.status = Report.Status.POSSIBLE_MATCH
                report.save(update_fields=["status", "updated_at"])
    return ident


def _triple(case) -> str:
    return " / ".join(n or "?" for n in (case.branch, case.detainee_no, case.exam_no))


def confirmed_elsewhere(ident: Identification) -> tuple[Identification | None, Identification | None]:
    """(the identification confirming this body for another report, the one confirming this report with
    another body); None where there is none."""
    confirmed = Identification.objects.filter(state=State.CONFIRMED).exclude(pk=ident.pk).select_related(
        "report", "case")
    return (confirmed.filter(case_id=ident.case_id).exclude(report_id=ident.report_id).first(),
            confirmed.filter(report_id=ident.report_id).exclude(case_id=ident.case_id).first())


def _conflict_error(ident: Identification, on_case, on_report) -> WorkflowError:
    if on_case is not None:
        return WorkflowError(_(
            "This body (%(numbers)s) is already confirmed for the family of report %(reference)s, in "
            "identification #%(pk)s. Two families cannot both be right: open #%(pk)s, compare the two, and reject "
            "the wrong one with your reason. Only then can this one be confirmed, if it is the right one.") % {
            "numbers": _triple(on_case.case), "reference": on_case.report.reference, "pk": on_case.pk}, on_case)
    return WorkflowError(_(
        "Report %(reference)s is already confirmed with another body (%(numbers)s), in identification #%(pk)s. One "
        "person cannot be two bodies: open #%(pk)s, compare the two, and reject the wrong one with your reason.") % {
        "reference": on_report.report.reference, "numbers": _triple(on_report.case), "pk": on_report.pk}, on_report)


def corroborate(ident: Identification, actor, note: str, request=None, conflict_seen: bool = False) -> Identification:
    """A reviewer records the evidence that supports a claimed identification. On a body already confirmed for
    another family (or a report already confirmed with another body) only once the reviewer says they saw it."""
    _require_reviewer(actor)
    note = (note or "").strip()
    if not note:
        raise WorkflowError(_("Write down the evidence that supports this identification."))
    with transaction.atomic():
        fresh = _locked(ident)
        if fresh.state != State.CLAIMED:
            raise WorkflowError(_("Only a claimed identification can be corroborated; this one is %(state)s.")
                                % {"state": _(fresh.get_state_display())})
        on_case, on_report = confirmed_elsewhere(fresh)
        if (on_case or on_report) and not conflict_seen:
            error = _conflict_error(fresh, on_case, on_report)
            raise WorkflowError(_("%(conflict)s To corroborate this one anyway, tick the box saying you have seen "
                                  "the other identification.") % {"conflict": str(error)}, error.other)
        fresh.reason = note
        _step(fresh, State.CORROBORATED, actor, note, request)
    return _sync(ident, fresh)


def corroborator(ident: Identification):
    step = ident.steps.filter(to_state=State.CORROBORATED).order_by("-at", "-pk").select_related("actor").first()
    return step.actor if step else None


def confirm(ident: Identification, actor, note: str = "", request=None) -> Identification:
    """A second reviewer confirms: the report is identified and the family is told."""
    _require_reviewer(actor)
    try:
        with transaction.atomic():
            case_id = Identification.objects.values_list("case_id", flat=True).get(pk=ident.pk)
            _lock_row(BodyCase, case_id)  # the body first, as a merge does
            fresh = _locked(ident)
            if fresh.case_id != case_id:
                raise WorkflowError(_("This identification was moved to another case a moment ago (a merge): "
                                      "reload the page and look again before confirming."))
            _lock_row(Report, fresh.report_id)
            if fresh.state != State.CORROBORATED:
                raise WorkflowError(_("Only a corroborated identification can be confirmed; this one is %(state)s.")
                                    % {"state": _(fresh.get_state_display())})
            first = corroborator(fresh)
            if first is not None and first.pk == actor.pk:
                raise WorkflowError(_("You corroborated this identification; a second, different reviewer must "
                                      "confirm it."))
            on_case, on_report = confirmed_elsewhere(fresh)
            if on_case or on_report:
                raise _conflict_error(fresh, on_case, on_report)
            _step(fresh, State.CONFIRMED, actor, (note or "").strip(), request)
            report = fresh.report
            report.status = Report.Status.IDENTIFIED
            report.save(update_fields=["status", "updated_at"])
            _tell_family(report, actor, confirmed_message(report, fresh.case), request)
    except IntegrityError:
        # another confirmation won the race in the database (the partial unique constraints): say which
        current = Identification.objects.select_related("report", "case").get(pk=ident.pk)
        on_case, on_report = confirmed_elsewhere(current)
        if on_case or on_report:
            raise _conflict_error(current, on_case, on_report) from None
        raise WorkflowError(_("Another reviewer confirmed an identification of this body or this report a moment "
                              "ago: reload the page to see which.")) from None
    return _sync(ident, fresh)


def reject(ident: Identification, actor, reason: str, request=None) -> Identification:
    """Any reviewer, at any step, with a reason. The family hears of it only if they knew of the case."""
    _require_reviewer(actor)
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(_("Give the reason for rejecting this identification."))
    with transaction.atomic():
        fresh = _locked(ident)
        if fresh.state == State.REJECTED:
            raise WorkflowError(_("This identification is already rejected."))
        was_confirmed = fresh.state == State.CONFIRMED
        fresh.reason = reason
        _step(fresh, State.REJECTED, actor, reason, request)
        report = fresh.report
        others = report.identifications.exclude(pk=fresh.pk)
        if was_confirmed and not others.filter(state=State.CONFIRMED).exists():
            report.status = Report.Status.IN_REVIEW
        elif report.status == Report.Status.POSSIBLE_MATCH and not others.filter(state__in=OPEN_STATES).exists():
            report.status = Report.Status.IN_REVIEW
        report.save(update_fields=["status", "updated_at"])
        family_knew = was_confirmed or Claim.objects.filter(report=report, case=fresh.case).exists()
        if family_knew:
            _tell_family(report, actor, rejected_message(report, fresh.case, was_confirmed), request)
    return _sync(ident, fresh)
