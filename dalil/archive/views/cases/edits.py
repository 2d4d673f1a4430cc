"""Changes to cases, each written as a CaseChange that undo() can reverse.

Every function here runs in one transaction with the case rows locked, and
records what it changed before it returns; nothing else writes to a case.
A merge or split of a case that others have committed to (claims, proposals,
identifications: dalil.archive.commitments) is refused with CaseCommitted
unless the analyst carries them over with a note; a merge of cases with
different numbers needs both triples confirmed as the analyst saw them.
"""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from dalil.archive.commitments import CaseCommitted, registry as commitments
from dalil.archive.models import BodyCase, CaseChange, InjuryCode, Photo
from dalil.archive.models.cases import TRACKED_FIELDS


class EditRefused(Exception):
    """The change cannot be made; the message (translated) says why and what to do."""


class NumbersDiffer(EditRefused):
    """A merge of cases whose numbers differ, not (or no longer) confirmed as the analyst saw them."""


def triple(case: BodyCase) -> str:
    """The numbers as the pages show them: branch / detainee / examination, '?' for a missing one."""
    return " / ".join(n or "?" for n in case.numbers)


def _locked(case_id: int) -> BodyCase:
    return BodyCase.objects.select_for_update().get(pk=case_id)


def update(case: BodyCase, values: dict, actor: str) -> CaseChange | None:
    """Correct numbers and/or describe: one CaseChange with the fields that changed (None if nothing did)."""
    with transaction.atomic():
        case = _locked(case.pk)
        old = case.values(TRACKED_FIELDS)
        case.set_values({k: v for k, v in values.items() if k != "merged_into"})
        new = case.values(TRACKED_FIELDS)
        if case.numbers_pending:
            _check_numbers_set(case)
            case.numbers_pending = False
            new = case.values(TRACKED_FIELDS)
        changed = [k for k in TRACKED_FIELDS if old[k] != new[k]]
        if not changed:
            return None
        case.save()
        numbers = {"branch", "detainee_no", "exam_no"} & set(changed)
        action = CaseChange.Action.CORRECTED if numbers else CaseChange.Action.DESCRIBED
        return CaseChange.objects.create(case=case, action=action, actor=actor,
                                         before={"fields": {k: old[k] for k in changed}},
                                         after={"fields": {k: new[k] for k in changed}})


def _check_numbers_set(case: BodyCase) -> None:
    """A case split off keeps its numbers "to be set" while they are those of another live case."""
    same = (BodyCase.objects.filter(merged_into__isnull=True, branch=case.branch, detainee_no=case.detainee_no,
                                    exam_no=case.exam_no).exclude(pk=case.pk).order_by("pk").first())
    if same is not None:
        raise EditRefused(_("Case #%(case)s has these same numbers (%(numbers)s): set this case's own numbers, or "
                            "merge it back into case #%(case)s.") % {"case": same.pk, "numbers": triple(same)})


def _committed(case: BodyCase, carry_over: bool, note: str, refusal: str) -> list:
    """The commitments on `case` (as JSON for the record); CaseCommitted unless carried over with a note."""
    found = commitments.on(case)
    if found and not carry_over:
        raise CaseCommitted(refusal, found)
    if found and not note:
        raise CaseCommitted(_("Write a note for the reviewers: why this change is right for the claims and "
                              "identifications on case #%(case)s.") % {"case": case.pk}, found)
    return [{"kind": c.kind, "text": str(c.text), "url": c.url} for c in found]


def _injury_json(injury: InjuryCode | None) -> dict | None:
    if injury is None:
        return None
    return {"code": injury.code, "note": injury.note, "coded_by": injury.coded_by_id,
            "coded_at": injury.coded_at.isoformat()}


def add_code(case: BodyCase, code: str, note: str, user) -> CaseChange:
    with transaction.atomic():
        case = _locked(case.pk)
        if InjuryCode.objects.filter(case=case, code=code).exists():
            raise EditRefused(_("This case already has that code; remove it first to change its note."))
        injury = InjuryCode.objects.create(case=case, code=code, note=note, coded_by=user)
        return CaseChange.objects.create(case=case, action=CaseChange.Action.CODED, actor=user.get_username(),
                                         before={"injury": None, "code": code},
                                         after={"injury": _injury_json(injury), "code": code})


def remove_code(case: BodyCase, code: str, note: str, user) -> CaseChange:
    with transaction.atomic():
        case = _locked(case.pk)
        injury = InjuryCode.objects.filter(case=case, code=code).first()
        if injury is None:
            raise EditRefused(_("This case has no such code."))
        before = _injury_json(injury)
        injury.delete()
        return CaseChange.objects.create(case=case, action=CaseChange.Action.CODED, actor=user.get_username(),
                                         before={"injury": before, "code": code},
                                         after={"injury": None, "code": code, "note": note})


def _pair(first: CaseChange, second: CaseChange) -> None:
    first.after = {**first.after, "linked": second.pk}
    first.save(update_fields=["after"])
    second.after = {**second.after, "linked": first.pk}
    second.save(update_fields=["after"])


def split(case: BodyCase, photo_ids: list[int], actor: str, note: str = "", carry_over: bool = False) -> BodyCase:
    """Move some of the case's photos into a new case with the same numbers, "to be set" (hidden from families
    until the analyst sets them). What is committed to the case stays with it, only if the analyst says so."""
    note = (note or "").strip()
    with transaction.atomic():
        case = _locked(case.pk)
        photos = sorted(Photo.objects.filter(case=case, pk__in=photo_ids).values_list("pk", flat=True))
        if not photos:
            raise EditRefused(_("Choose at least one photo of this case to split off."))
        if len(photos) == case.photos.count():
            raise EditRefused(_("Leave at least one photo in this case; to move all of them, merge instead."))
        kept = _committed(case, carry_over, note, _(
            "Case #%(case)s has claims or identifications (listed below). Resolve them first, or keep them on this "
            "case with a note for the reviewers saying why the photos split off are another body.")
            % {"case": case.pk})
        new = BodyCase.objects.create(branch=case.branch, detainee_no=case.detainee_no, exam_no=case.exam_no,
                                      date=case.date, numbers_pending=True)
        Photo.objects.filter(pk__in=photos).update(case=new)
        moved_before = {str(pk): case.pk for pk in photos}
        moved_after = {str(pk): new.pk for pk in photos}
        extra = {"note": note, "kept": kept} if note or kept else {}
        source = CaseChange.objects.create(case=case, action=CaseChange.Action.SPLIT, actor=actor,
                                           before={"photos": moved_before},
                                           after={"photos": moved_after, "into": new.pk, **extra})
        created = CaseChange.objects.create(
            case=new, action=CaseChange.Action.SPLIT, actor=actor,
            before={"photos": moved_before, "fields": {}},
            after={"photos": moved_after,
                   "fields": new.values(("branch", "detainee_no", "exam_no", "date", "numbers_pending")),
                   "created": True, "from": case.pk, **({"note": note} if note else {})})
        _pair(source, created)
        return new


def merge(case: BodyCase, target: BodyCase, actor: str, note: str = "", carry_over: bool = False,
          confirmed_numbers: tuple[str, str] | None = None) -> CaseChange:
    """Move every photo of `case` into `target`; `case` then points at it (merged_into).

    `note` says why they are one body (required). Cases whose numbers differ merge only when
    `confirmed_numbers` is (triple(case), triple(target)) as they are now. Claims and identifications on
    either case are refused (CaseCommitted) unless `carry_over`: those on `case` then move to `target`.
    """
    if case.pk == target.pk:
        raise EditRefused(_("A case cannot be merged into itself."))
    note = (note or "").strip()
    with transaction.atomic():
        first, second = sorted((case.pk, target.pk))
        locked = {first: _locked(first), second: _locked(second)}  # always in the same order: no deadlock
        case, target = locked[case.pk], locked[target.pk]
        if case.merged_into_id or target.merged_into_id:
            raise EditRefused(_("Merge into a case that has not itself been merged (follow its “merged into” link)."))
        if case.numbers != target.numbers and tuple(confirmed_numbers or ()) != (triple(case), triple(target)):
            raise NumbersDiffer(_(
                "Case #%(case)s (%(numbers)s) and case #%(target)s (%(target_numbers)s) have different numbers: "
                "confirm that they are one body, naming both.") % {
                "case": case.pk, "numbers": triple(case), "target": target.pk, "target_numbers": triple(target)})
        if not note:
            raise EditRefused(_("Write a note saying why these two cases are one body."))
        refusal = _("Case #%(case)s has claims or identifications (listed below). Resolve them first, or carry "
                    "them over to case #%(target)s with a note for the reviewers.")
        moved = _committed(case, carry_over, note, refusal % {"case": case.pk, "target": target.pk})
        stays = _committed(target, carry_over, note, refusal % {"case": target.pk, "target": target.pk})
        carried = commitments.carry_over(case, target, note, actor) if moved else {}
        photos = sorted(Photo.objects.filter(case=case).values_list("pk", flat=True))
        Photo.objects.filter(pk__in=photos).update(case=target)
        case.merged_into = target
        case.save()
        moved_before = {str(pk): case.pk for pk in photos}
        moved_after = {str(pk): target.pk for pk in photos}
        said = {"note": note, "numbers": [triple(case), triple(target)]}
        source = CaseChange.objects.create(
            case=case, action=CaseChange.Action.MERGED, actor=actor,
            before={"photos": moved_before, "fields": {"merged_into": None}},
            after={"photos": moved_after, "fields": {"merged_into": target.pk}, "into": target.pk, **said,
                   **({"carried": carried, "kept": moved} if moved else {})})
        into = CaseChange.objects.create(case=target, action=CaseChange.Action.MERGED, actor=actor,
                                         before={"photos": moved_before},
                                         after={"photos": moved_after, "from": case.pk, **said,
                                                **({"kept": moved + stays} if moved or stays else {})})
        _pair(source, into)
        return source


def undo(change: CaseChange, actor: str) -> list[CaseChange]:
    """Put back what `change` (and the change made with it) changed; refused if a later change is in the way."""
    with transaction.atomic():
        change = CaseChange.objects.select_for_update().get(pk=change.pk)
        changes = [change]
        if change.after.get("linked"):
            changes += list(CaseChange.objects.select_for_update().filter(pk=change.after["linked"]))
        if change.action == CaseChange.Action.UNDONE:
            raise EditRefused(_("An undo cannot itself be undone; make the change again instead."))
        if any(c.undone_by_id for c in changes):
            raise EditRefused(_("This change was already undone."))
        cases = {pk: _locked(pk) for pk in sorted({c.case_id for c in changes})}
        for c in changes:
            _check_current(c, cases[c.case_id])
            if c.after.get("created") and c.after.get("from") and commitments.on(cases[c.case_id]):
                # undoing a split folds the new case back: never over what was committed to it since
                raise CaseCommitted(_("Case #%(case)s has claims or identifications of its own now: resolve them "
                                      "first, or merge it with a note instead of undoing the split.")
                                    % {"case": c.case_id}, commitments.on(cases[c.case_id]))
        undos = []
        photos_done = False
        for c in changes:
            case = cases[c.case_id]
            fields = dict(c.before.get("fields") or {})
            if c.after.get("created"):
                # a case this change made is folded back into the case it came from, or left empty
                origin = c.after.get("from")
                fields = {"merged_into": origin} if origin else {}
            if fields:
                case.set_values(fields)
                case.save()
            if not photos_done and c.before.get("photos"):
                for pk, to_case in c.before["photos"].items():
                    Photo.objects.filter(pk=int(pk)).update(case_id=to_case)
                photos_done = True
            if "injury" in c.before:
                _restore_injury(case, c)
            if c.after.get("carried"):
                commitments.put_back(c.after["carried"], actor)
            undo_row = CaseChange.objects.create(
                case=case, action=CaseChange.Action.UNDONE, actor=actor,
                before={**c.after, "undoes": c.pk, "action": c.action},
                after={**c.before, "fields": fields, "undoes": c.pk, "action": c.action})
            c.undone_by = undo_row
            c.save(update_fields=["undone_by"])
            undos.append(undo_row)
        return undos


def _check_current(change: CaseChange, case: BodyCase) -> None:
    now = case.values(TRACKED_FIELDS)
    for name, value in (change.after.get("fields") or {}).items():
        if not change.after.get("created") and name in now and now[name] != value:
            raise EditRefused(_("A later change touched the same fields of case #%(case)s; undo that one first.")
                              % {"case": case.pk})
    moved = change.after.get("photos") or {}
    if moved:
        where = dict(Photo.objects.filter(pk__in=[int(pk) for pk in moved]).values_list("pk", "case_id"))
        if any(where.get(int(pk)) != to_case for pk, to_case in moved.items()):
            raise EditRefused(_("Some of these photos have moved since; undo the later move first."))
    if "injury" in change.after:
        current = InjuryCode.objects.filter(case=case, code=change.after.get("code")).first()
        expected = change.after.get("injury")
        if (current is None) != (expected is None):
            raise EditRefused(_("This code was changed again since; undo the later change first."))


def _restore_injury(case: BodyCase, change: CaseChange) -> None:
    InjuryCode.objects.filter(case=case, code=change.before.get("code") or change.after.get("code")).delete()
    old = change.before.get("injury")
    if old:
        injury = InjuryCode.objects.create(case=case, code=old["code"], note=old["note"], coded_by_id=old["coded_by"])
        # the finding keeps who coded it and when, not the time of the undo
        InjuryCode.objects.filter(pk=injury.pk).update(coded_at=datetime.datetime.fromisoformat(old["coded_at"]))
