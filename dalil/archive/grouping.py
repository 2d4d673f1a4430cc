"""Grouping photos into body cases: one case per body, by its numbers.

The examination number identifies a body, so photos sharing one share a case.
A photo without it but with branch + detainee number joins the case of that
body; a photo with no numbers joins the case of a near duplicate (any pair not
marked "different"). Disagreements are never resolved silently: the photo is
still placed by its examination number, and the case is flagged for review
with a reason naming the photo and both values; a body seen under two
examination numbers flags both cases.

Only photos without a case are placed, so running it again changes nothing;
every case created or added to gets one CaseChange(action=grouped) per run.
"""

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from dalil.archive.models import BodyCase, CaseChange, NearDuplicate, Photo

# The case fields grouping may set; a CaseChange records them before/after.
GROUPING_FIELDS = ("branch", "detainee_no", "exam_no", "date", "needs_review", "review_reasons")
FIRST_REASONS = 10


@dataclass
class GroupingSummary:
    collection: str = ""
    photos_without_case: int = 0  # considered by this run
    cases_created: int = 0
    photos_assigned: int = 0
    by_exam_no: int = 0
    by_detainee_no: int = 0
    by_near_duplicate: int = 0
    left_unassigned: int = 0  # no numbers and no near duplicate in a case
    flagged: int = 0  # cases given a new reason for review
    reasons: list = field(default_factory=list)  # the first few, for the closing summary

    def as_dict(self) -> dict:
        return asdict(self)


def _number_key(value: str):
    return (len(value), value)


def _majority(values) -> str:
    """The most common non-empty value; ties go to the smallest number (so the result never depends on order)."""
    counts = Counter(v for v in values if v)
    if not counts:
        return ""
    return min(counts, key=lambda v: (-counts[v], _number_key(v)))


def reason_key(reason: dict) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in reason.items()))


def reason_text(reason) -> str:
    """A review reason in words (translated): 'detainee 215/774 appears under examination numbers 1141 and 1187'."""
    if not isinstance(reason, dict):
        return str(reason)
    kind = reason.get("kind")
    if kind == "photo_disagrees":
        field_name = _("branch") if reason.get("field") == "branch" else _("detainee number")
        return _("photo %(photo)s has %(field)s %(photo_value)s but the case has %(case_value)s") % {
            "photo": str(reason.get("photo", ""))[:12], "field": field_name,
            "photo_value": reason.get("photo_value"), "case_value": reason.get("case_value")}
    if kind == "body_under_two_exams":
        numbers = [str(n) for n in reason.get("exam_nos", [])]
        return _("detainee %(branch)s/%(detainee)s appears under examination numbers %(first)s and %(rest)s") % {
            "branch": reason.get("branch"), "detainee": reason.get("detainee_no"),
            "first": ", ".join(numbers[:-1]), "rest": numbers[-1] if numbers else ""}
    if kind == "near_duplicate_of_several":
        return _("photo %(photo)s is a near duplicate of photos in cases %(cases)s") % {
            "photo": str(reason.get("photo", ""))[:12], "cases": ", ".join(f"#{c}" for c in reason.get("cases", []))}
    return str(reason.get("text") or reason)


class _Run:
    def __init__(self, actor: str, summary: GroupingSummary):
        self.actor = actor
        self.summary = summary
        self.touched: dict[int, dict] = {}  # case id -> {"case", "before", "photos", "joined", "created"}
        self.flagged: set[int] = set()
        # locked (in pk order, as edits lock them) so an analyst's change made meanwhile is not overwritten
        cases = list(BodyCase.objects.select_for_update().filter(merged_into__isnull=True).order_by("pk"))
        self.by_exam: dict[str, BodyCase] = {}
        self.by_body: dict[tuple, list[BodyCase]] = defaultdict(list)
        for case in cases:
            self._index(case)

    def _index(self, case: BodyCase) -> None:
        if case.exam_no:
            self.by_exam.setdefault(case.exam_no, case)
        if case.branch and case.detainee_no:
            self.by_body[(case.branch, case.detainee_no)].append(case)

    def _touch(self, case: BodyCase, created: bool = False) -> dict:
        if case.pk not in self.touched:
            self.touched[case.pk] = {"case": case, "before": case.values(GROUPING_FIELDS), "photos": {},
                                     "joined": [], "created": created}
        return self.touched[case.pk]

    def create(self, numbers: list[tuple[str, str, str]]) -> list[BodyCase]:
        """New cases for (branch, detainee_no, exam_no), made in one query."""
        made = BodyCase.objects.bulk_create([BodyCase(branch=b, detainee_no=d, exam_no=e) for b, d, e in numbers])
        if any(case.pk is None for case in made):  # a database that cannot return ids from a bulk insert
            made = [BodyCase.objects.create(branch=b, detainee_no=d, exam_no=e) for b, d, e in numbers]
        for case in made:
            self._touch(case, created=True)["before"] = {}
            self._index(case)
        self.summary.cases_created += len(made)
        return made

    def flag(self, case: BodyCase, reason: dict) -> None:
        keys = {reason_key(r) for r in case.review_reasons if isinstance(r, dict)}
        if reason_key(reason) in keys:
            return  # already known (maybe already reviewed and cleared): never flag twice for one reason
        self._touch(case)
        case.review_reasons = [*case.review_reasons, reason]
        case.needs_review = True
        self.flagged.add(case.pk)
        self.summary.flagged = len(self.flagged)
        if len(self.summary.reasons) < FIRST_REASONS:
            self.summary.reasons.append({"case": case.pk, **reason})

    def assign(self, case: BodyCase, photo: dict, how: str) -> None:
        entry = self._touch(case)
        entry["photos"][photo["id"]] = case.pk
        for name in ("branch", "detainee_no"):
            mine, theirs = photo[name], getattr(case, name)
            if mine and not theirs and how != "near_duplicate":
                setattr(case, name, mine)
            elif mine and theirs and mine != theirs:
                self.flag(case, {"kind": "photo_disagrees", "photo": photo["sha256"], "field": name,
                                 "photo_value": mine, "case_value": theirs})
        if photo["photo_date"] and (case.date is None or photo["photo_date"] < case.date):
            case.date = photo["photo_date"]
        self.summary.photos_assigned += 1
        setattr(self.summary, f"by_{how}", getattr(self.summary, f"by_{how}") + 1)

    def write(self) -> None:
        entries = [self.touched[pk] for pk in sorted(self.touched)]
        now = timezone.now()
        for entry in entries:
            entry["case"].updated_at = now
        _update_many(BodyCase, [*GROUPING_FIELDS, "updated_at"], [e["case"] for e in entries])
        _update_many(Photo, ["case"], [Photo(pk=pid, case_id=e["case"].pk) for e in entries for pid in e["photos"]])
        changes = []
        for entry in entries:
            case = entry["case"]
            after = case.values(GROUPING_FIELDS)
            if entry["created"]:
                changed_before, changed_after = {}, after
            else:
                changed_before = {k: v for k, v in entry["before"].items() if after[k] != v}
                changed_after = {k: after[k] for k in changed_before}
            if not (entry["photos"] or changed_after or entry["created"]):
                continue
            photos = {str(pk): None for pk in sorted(entry["photos"])}
            after_json = {"fields": changed_after, "photos": {k: case.pk for k in photos}}
            if entry["created"]:
                after_json["created"] = True
            if entry["joined"]:
                after_json["joined"] = entry["joined"]
            changes.append(CaseChange(case=case, action=CaseChange.Action.GROUPED, actor=self.actor,
                                      before={"fields": changed_before, "photos": photos}, after=after_json))
        CaseChange.objects.bulk_create(changes, batch_size=500)


def _update_many(model, names: list[str], objects: list) -> None:
    """UPDATE each row's fields in one executemany (Django's bulk_update builds a slow CASE per field)."""
    if not objects:
        return
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in names]
    sql = (f"UPDATE {quote(model._meta.db_table)} SET " + ", ".join(f"{quote(f.column)} = %s" for f in fields)
           + f" WHERE {quote(model._meta.pk.column)} = %s")
    rows = [[f.get_db_prep_save(getattr(o, f.attname), connection) for f in fields] + [o.pk] for o in objects]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _unplaced(collection: str | None):
    photos = Photo.objects.filter(case__isnull=True)
    if collection:
        from dalil.evidence.models import Sighting

        seen = Sighting.objects.filter(item=OuterRef("item"), acquisition__collection__name=collection)
        photos = photos.filter(Exists(seen))
    return list(photos.order_by("item__sha256").values("id", "item__sha256", "branch", "detainee_no", "exam_no",
                                                        "photo_date"))


def group_photos(collection: str | None = None, actor: str = "system", dry_run: bool = False) -> GroupingSummary:
    """Place every photo without a case (of one collection, or all) into the case of its body.

    With dry_run, everything is worked out and counted, then rolled back."""
    summary = GroupingSummary(collection=collection or "")
    with transaction.atomic():
        photos = [{**p, "sha256": p.pop("item__sha256")} for p in _unplaced(collection)]
        summary.photos_without_case = len(photos)
        run = _Run(actor, summary)
        by_exam, by_body, rest = defaultdict(list), defaultdict(list), []
        for photo in photos:
            if photo["exam_no"]:
                by_exam[photo["exam_no"]].append(photo)
            elif photo["branch"] and photo["detainee_no"]:
                by_body[(photo["branch"], photo["detainee_no"])].append(photo)
            else:
                rest.append(photo)

        exams = sorted(by_exam, key=_number_key)
        to_make = []
        for exam_no in exams:
            if exam_no in run.by_exam:
                continue
            group = by_exam[exam_no]
            branch = _majority(p["branch"] for p in group)
            detainee_no = _majority(p["detainee_no"] for p in group)
            # a case of this body made earlier from photos without an examination number takes it now
            known = [c for c in run.by_body.get((branch, detainee_no), []) if not c.exam_no]
            if branch and detainee_no and known:
                run._touch(known[0])
                known[0].exam_no = exam_no
                run.by_exam[exam_no] = known[0]
            else:
                to_make.append((branch, detainee_no, exam_no))
        run.create(to_make)
        for exam_no in exams:
            for photo in by_exam[exam_no]:
                run.assign(run.by_exam[exam_no], photo, "exam_no")

        bodies = sorted(by_body, key=lambda b: (_number_key(b[0]), _number_key(b[1])))
        run.create([(branch, detainee_no, "") for branch, detainee_no in bodies
                    if not run.by_body.get((branch, detainee_no))])
        for body in bodies:
            for photo in by_body[body]:
                run.assign(run.by_body[body][0], photo, "detainee_no")

        _place_near_duplicates(run, rest)
        _flag_bodies_under_two_exams(run)
        run.write()
        if dry_run:
            transaction.set_rollback(True)
    return summary


def _place_near_duplicates(run: _Run, rest: list[dict]) -> None:
    """Photos without numbers join the case of a near duplicate; chains are followed until nothing moves."""
    waiting = {p["id"]: p for p in rest}
    if not waiting:
        return
    pairs = (NearDuplicate.objects.exclude(status=NearDuplicate.Status.DIFFERENT)
             .filter(Q(a_id__in=list(waiting)) | Q(b_id__in=list(waiting)))
             .values_list("a_id", "b_id", "distance"))
    neighbours = defaultdict(list)
    for a, b, distance in pairs:
        neighbours[a].append((distance, b))
        neighbours[b].append((distance, a))
    others = {n for pid in waiting for _, n in neighbours[pid]} - set(waiting)
    placed = {pid: (case_id, sha) for pid, case_id, sha in Photo.objects.filter(pk__in=others, case__isnull=False)
              .values_list("pk", "case_id", "item__sha256")}
    for entry in run.touched.values():
        for pid in entry["photos"]:
            if pid in others:
                placed.setdefault(pid, (entry["case"].pk, ""))
    cases = {c.pk: c for c in BodyCase.objects.filter(pk__in={c for c, _ in placed.values()})}
    for entry in run.touched.values():
        cases[entry["case"].pk] = entry["case"]
    shas = {pid: p["sha256"] for pid, p in waiting.items()}
    moved = True
    while moved and waiting:
        moved = False
        for pid in sorted(waiting, key=lambda i: waiting[i]["sha256"]):
            options = sorted((d, placed[n][0], n) for d, n in neighbours[pid] if n in placed)
            if not options:
                continue
            distance, case_id, other = options[0]
            case = cases.get(case_id) or BodyCase.objects.get(pk=case_id)
            cases[case_id] = case
            photo = waiting.pop(pid)
            run.assign(case, photo, "near_duplicate")
            other_sha = placed[other][1] or shas.get(other) or Photo.objects.get(pk=other).item.sha256
            run.touched[case_id]["joined"].append({"photo": photo["sha256"], "near_duplicate_of": other_sha,
                                                   "distance": distance})
            distinct = sorted({c for _, c, _ in options})
            if len(distinct) > 1:
                run.flag(case, {"kind": "near_duplicate_of_several", "photo": photo["sha256"], "cases": distinct})
            placed[pid] = (case_id, photo["sha256"])
            moved = True
    run.summary.left_unassigned = len(waiting)


def _flag_bodies_under_two_exams(run: _Run) -> None:
    """A body (branch + detainee number) under two examination numbers: flag every case concerned."""
    exams = defaultdict(set)
    cases = defaultdict(list)
    live = {c.pk: c for c in BodyCase.objects.filter(merged_into__isnull=True).exclude(exam_no="")
            .exclude(branch="").exclude(detainee_no="")}
    for entry in run.touched.values():  # this run's values, not yet saved
        live[entry["case"].pk] = entry["case"]
    for case in live.values():
        if case.branch and case.detainee_no and case.exam_no:
            exams[(case.branch, case.detainee_no)].add(case.exam_no)
            cases[(case.branch, case.detainee_no)].append(case)
    for body, numbers in exams.items():
        if len(numbers) > 1:
            reason = {"kind": "body_under_two_exams", "branch": body[0], "detainee_no": body[1],
                      "exam_nos": sorted(numbers, key=_number_key)}
            for case in sorted(cases[body], key=lambda c: c.pk):
                run.flag(case, reason)
