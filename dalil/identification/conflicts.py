"""Conflicts a reviewer must see from the first moment, not at the last click.

- two families on one body: a case with claims or identifications (not rejected) from two or more reports;
- two bodies for one report: a report with claims or identifications (not rejected) on two or more cases;
- a case changed under review: its numbers corrected, photos split off, another case merged in (or such a
  change undone) after the claim or proposal was made; the analyst's note goes with it. The page lists every
  such change since the identification was opened; the queue flags those made since its last step.

The casework queue lists them all; the identification page shows those that touch it.
"""

from django.db.models import Count, Exists, OuterRef

from dalil.archive.models import CaseChange
from dalil.identification.models import Identification

State = Identification.State
# The changes that touch what a body is: numbers, its photos, its identity with another case.
CASE_ALTERING = (CaseChange.Action.CORRECTED, CaseChange.Action.SPLIT, CaseChange.Action.MERGED,
                 CaseChange.Action.UNDONE)


def active():
    return Identification.objects.exclude(state=State.REJECTED)


def _altering_changes():
    undone_kinds = [CaseChange.Action.CORRECTED, CaseChange.Action.SPLIT, CaseChange.Action.MERGED]
    changes = CaseChange.objects.filter(action__in=CASE_ALTERING[:3])
    undone = CaseChange.objects.filter(action=CaseChange.Action.UNDONE, before__action__in=undone_kinds)
    return changes, undone


def changes_under_review(ident: Identification) -> list[CaseChange]:
    """The case's changes that alter the body, made after this identification was opened, oldest first."""
    changes, undone = _altering_changes()
    since = {"case_id": ident.case_id, "at__gt": ident.created_at}
    return sorted([*changes.filter(**since), *undone.filter(**since)], key=lambda c: (c.at, c.pk))


def other_families(ident: Identification) -> list[Identification]:
    """Other reports' open or confirmed identifications of the same body."""
    return list(active().filter(case_id=ident.case_id).exclude(report_id=ident.report_id)
                .select_related("report").order_by("pk"))


def other_bodies(ident: Identification) -> list[Identification]:
    """The same report's open or confirmed identifications with other bodies."""
    return list(active().filter(report_id=ident.report_id).exclude(case_id=ident.case_id)
                .select_related("case").order_by("pk"))


def for_identification(ident: Identification) -> dict:
    return {"families": other_families(ident), "bodies": other_bodies(ident), "changes": changes_under_review(ident)}


def flagged_ids(idents) -> set[int]:
    """Of these identifications, those in any conflict (for a mark beside them in a list)."""
    ids = [i.pk for i in idents]
    if not ids:
        return set()
    cases = set(active().values("case_id").annotate(n=Count("report_id", distinct=True)).filter(n__gte=2)
                .values_list("case_id", flat=True))
    reports = set(active().values("report_id").annotate(n=Count("case_id", distinct=True)).filter(n__gte=2)
                  .values_list("report_id", flat=True))
    changed = set(changed_under_review().filter(pk__in=ids).values_list("pk", flat=True))
    return {i.pk for i in idents if i.case_id in cases or i.report_id in reports or i.pk in changed}


def changed_under_review():
    """Identifications whose body changed since a reviewer last moved them (or since they were opened)."""
    changes, undone = _altering_changes()
    after = {"case_id": OuterRef("case_id"), "at__gt": OuterRef("updated_at")}
    return active().filter(Exists(changes.filter(**after)) | Exists(undone.filter(**after)))


def for_queue(limit: int = 100) -> dict:
    """Every conflict, for the queue: {"families": [(case, [idents])], "bodies": [(report, [idents])],
    "changed": [(ident, [changes])]}, and how many of each."""
    cases = list(active().values("case_id").annotate(n=Count("report_id", distinct=True)).filter(n__gte=2)
                 .order_by("case_id").values_list("case_id", flat=True))
    reports = list(active().values("report_id").annotate(n=Count("case_id", distinct=True)).filter(n__gte=2)
                   .order_by("report_id").values_list("report_id", flat=True))
    changed = changed_under_review().select_related("report", "case").order_by("updated_at", "pk")

    def grouped(ids, key):
        rows = {}
        for ident in active().filter(**{f"{key}_id__in": ids[:limit]}).select_related("report", "case").order_by(
                "pk"):
            rows.setdefault(getattr(ident, f"{key}_id"), (getattr(ident, key), []))[1].append(ident)
        return [rows[i] for i in ids[:limit] if i in rows]

    return {
        "families": grouped(cases, "case"), "families_count": len(cases),
        "bodies": grouped(reports, "report"), "bodies_count": len(reports),
        "changed": [(i, changes_under_review(i)) for i in changed[:limit]], "changed_count": changed.count(),
    }
