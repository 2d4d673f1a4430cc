"""What states mean, said plainly to a family (the models' labels are written for staff)."""

from django.utils.translation import gettext_lazy as _

from dalil.identification.models import Identification, MissingPersonReport

Status = MissingPersonReport.Status
State = Identification.State

REPORT_STATUS = {
    Status.RECEIVED: _("We have received your report. A caseworker will read it."),
    Status.IN_REVIEW: _("A caseworker is working on your report."),
    Status.POSSIBLE_MATCH: _("A possible match is being checked carefully. Nothing is certain yet."),
    Status.IDENTIFIED: _("An identification has been confirmed by two reviewers. A caseworker will contact you "
                         "if you allowed it."),
    Status.CLOSED: _("This report is closed."),
}

CLAIM_STATE = {
    "": ("checking", _("Being checked")),
    State.CLAIMED: ("checking", _("Being checked")),
    State.CORROBORATED: ("checking", _("Being checked")),
    State.CONFIRMED: ("confirmed", _("Confirmed")),
    State.REJECTED: ("rejected", _("Not a match")),
}


def report_status(status: str):
    return REPORT_STATUS.get(status, REPORT_STATUS[Status.RECEIVED])


def claim_state(state: str) -> dict:
    kind, words = CLAIM_STATE.get(state, CLAIM_STATE[""])
    return {"kind": kind, "words": words}
