"""What identification hangs on a body case, told to the archive so that a merge or split never breaks it.

Registered in IdentificationConfig.ready() (dalil.archive.commitments explains
the registry). A claim or an identification that is not rejected is committed
to its case: a merge or split of the case is refused until it is resolved or
carried over with a note. Carrying over a merge moves the identifications and
claims (rejected ones too, so the family's page stays whole) to the surviving
case, each move audited with the analyst's note; undoing the merge moves them
back.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from dalil.archive.commitments import CaseCommitments, CaseCommitted, Commitment
from dalil.audit.models import AuditEvent, audit
from dalil.identification.models import Claim, Identification

State = Identification.State


def describe(ident: Identification, claimed_by_family: bool) -> Commitment:
    state = _(ident.get_state_display())  # labels marked in dalil.identification.labels
    values = {"pk": ident.pk, "state": state, "reference": ident.report.reference}
    if ident.state == State.CLAIMED and claimed_by_family:
        kind, text = "claim", _("claim by the family of report %(reference)s (identification #%(pk)s)") % values
    elif ident.state == State.CLAIMED:
        kind, text = "proposal", _("proposal for report %(reference)s (identification #%(pk)s)") % values
    else:
        kind, text = "identification", _("identification #%(pk)s (%(state)s) with report %(reference)s") % values
    return Commitment(kind=kind, text=text, url=reverse("casework:identification", args=[ident.pk]),
                      final=ident.state == State.CONFIRMED)


class IdentificationCommitments(CaseCommitments):
    key = "identification"

    def on(self, case) -> list[Commitment]:
        idents = list(Identification.objects.filter(case=case).exclude(state=State.REJECTED)
                      .select_related("report").order_by("pk"))
        claimed = set(Claim.objects.filter(case=case).values_list("report_id", flat=True))
        found = [describe(i, i.report_id in claimed) for i in idents]
        # a claim the portal recorded without its identification (older data) is still a family waiting
        with_ident = set(Identification.objects.filter(case=case).values_list("report_id", flat=True))
        for claim in Claim.objects.filter(case=case).exclude(report_id__in=with_ident).select_related("report"):
            found.append(Commitment(kind="claim", text=_("claim by the family of report %(reference)s")
                                    % {"reference": claim.report.reference},
                                    url=reverse("casework:report", args=[claim.report.reference])))
        return found

    def carry_over(self, source, target, note: str, actor: str) -> dict:
        on_target = {i.report_id: i for i in Identification.objects.filter(case=target).select_related("report")}
        moving = []
        for ident in Identification.objects.filter(case=source).select_related("report").order_by("pk"):
            other = on_target.get(ident.report_id)
            if other is None:
                moving.append(ident)
            elif ident.state != State.REJECTED:
                raise CaseCommitted(_(
                    "Report %(reference)s has identification #%(pk)s with case #%(source)s and #%(other)s with case "
                    "#%(target)s: reject one of the two first, then merge.") % {
                    "reference": ident.report.reference, "pk": ident.pk, "source": source.pk, "other": other.pk,
                    "target": target.pk}, [describe(ident, False), describe(other, False)])
        confirmed_here = [i for i in moving if i.state == State.CONFIRMED]
        confirmed_there = [i for i in on_target.values() if i.state == State.CONFIRMED]
        if confirmed_here and confirmed_there:
            # "one confirmed identification per case" (a database constraint): two families cannot both be told
            raise CaseCommitted(_(
                "Both cases are confirmed for different families (identifications #%(one)s and #%(two)s): one of "
                "them is wrong. Ask the reviewers to reject it first; these cases cannot be merged before.") % {
                "one": confirmed_here[0].pk, "two": confirmed_there[0].pk},
                [describe(confirmed_here[0], False), describe(confirmed_there[0], False)])
        claimed_on_target = set(Claim.objects.filter(case=target).values_list("report_id", flat=True))
        claims = list(Claim.objects.filter(case=source).exclude(report_id__in=claimed_on_target))
        Identification.objects.filter(pk__in=[i.pk for i in moving]).update(case=target)
        Claim.objects.filter(pk__in=[c.pk for c in claims]).update(case=target)
        for ident in moving:
            audit(None, AuditEvent.Action.IDENTIFICATION, f"identification:{ident.pk}", actor=actor,
                  report=ident.report.reference, case=target.pk, carried_from=source.pk, state=ident.state, note=note)
        return {"to": target.pk, "identifications": {str(i.pk): source.pk for i in moving},
                "claims": {str(c.pk): source.pk for c in claims}}

    def put_back(self, record: dict, actor: str) -> None:
        there = record.get("to")
        for pk, case_id in (record.get("identifications") or {}).items():
            if Identification.objects.filter(pk=int(pk), case_id=there).update(case_id=case_id):
                audit(None, AuditEvent.Action.IDENTIFICATION, f"identification:{pk}", actor=actor, case=case_id,
                      carried_back_from=there)
        for pk, case_id in (record.get("claims") or {}).items():
            Claim.objects.filter(pk=int(pk), case_id=there).update(case_id=case_id)
