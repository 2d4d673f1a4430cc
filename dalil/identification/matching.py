"""Ranking bodies for a missing-person report, and reports for a body, with reasons a person can check.

Pure functions over querysets: they read, never write, and the same data gives
the same order (ties broken by primary key). Each reason is a short sentence
with a stable `code` (for tests and filters) and the weight it added, so a
caseworker sees why a case is high or low and can disagree. Nothing here decides
an identification: it only orders the work (see workflow.py).
"""

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from django.db.models import Min
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_noop as _

from dalil.archive.models import BodyCase
from dalil.identification.models import Claim, FaceCandidate, Identification, MissingPersonReport
from dalil.lib.arabic import normalize_arabic, normalize_number

# How much each finding moves the score. A date before the arrest or a different
# sex "rules out" a case: it stays in the list (the data may be wrong) but sinks.
WEIGHT = {
    "date_after_arrest": 2.0,
    "date_before_arrest": -50.0,
    "same_branch": 3.0,
    "other_branch": -1.0,
    "same_sex": 1.0,
    "other_sex": -30.0,
    "age_fits": 2.0,
    "age_close": 0.0,
    "age_off": -3.0,
    "age_far": -8.0,
    "mark_word": 1.5,  # per shared word, at most MARK_WORDS_MAX of them
    "family_claim": 12.0,  # strong: the family recognised someone; about as much as all the rest together
    "face": 6.0,  # times the similarity (0..1)
}
MARK_WORDS_MAX = 3
RULES_OUT = {"date_before_arrest", "other_sex"}
FIRST_CATEGORIES = (BodyCase.Category.CUSTODY, BodyCase.Category.UNKNOWN)


@dataclass
class Reason:
    """One finding: a stable code, its weight, and a sentence translated when it is read (`text`)."""

    code: str
    weight: float
    message: str = ""
    params: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return gettext(self.message) % self.params if self.params else gettext(self.message)


@dataclass
class Candidate:
    """One (report, case) pair with its score and the reasons behind it."""

    report: MissingPersonReport
    case: BodyCase
    score: float = 0.0
    reasons: list[Reason] = field(default_factory=list)
    face_similarity: float | None = None

    @property
    def ruled_out(self) -> bool:
        return any(r.code in RULES_OUT for r in self.reasons)

    @property
    def claimed(self) -> bool:
        return any(r.code == "family_claim" for r in self.reasons)

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]


_LOOK_UP = object()


def face_distance(report: MissingPersonReport, case: BodyCase) -> float | None:
    """The stored face distance of the family's photo to the case (dalil.identification.faces), or None."""
    row = FaceCandidate.objects.filter(report=report, case=case).values_list("distance", flat=True).first()
    return row


def face_similarity(report: MissingPersonReport, case: BodyCase) -> float | None:
    """Similarity (0..1) of the family's photo to the case's faces; None without a kept photo searched, or when
    the case has no face near enough (distance 0.6 or more)."""
    from dalil.faces.index import WEAK, similarity

    distance = face_distance(report, case)
    return None if distance is None or distance >= WEAK else similarity(distance)


# --- text helpers ---------------------------------------------------------------------------------

_WORD = re.compile(r"\w+")
_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال")
_STOPWORDS = {"في", "على", "علي", "من", "الى", "الي", "عند", "مع", "عن", "and", "the", "with", "on", "in", "of",
              "left", "right", "يمين", "يسار", "اليمني", "اليسري", "اليمنى", "اليسرى"}


def _normalize(text: str) -> str:
    return normalize_arabic(text or "").casefold()


@lru_cache(maxsize=4096)
def mark_words(text: str) -> frozenset[str]:
    """The words of a description of marks that can be compared: normalised, article dropped, no small words."""
    words = set()
    for word in _WORD.findall(_normalize(text)):
        if word in _STOPWORDS:
            continue
        for prefix in _PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 3:
                word = word[len(prefix):]
                break
        if len(word) >= 3 and word not in _STOPWORDS:
            words.add(word)
    return frozenset(words)


@lru_cache(maxsize=1024)
def branch_key(text: str) -> str:
    """'فرع ٢١٥', 'Branch 0215' and '215' -> '215'; a branch without digits compares by its normalised name."""
    normal = _normalize(text)
    digits = re.search(r"\d+", normal)
    return normalize_number(digits.group(0)) if digits else normal


def _iso(value) -> str:
    """A value isolated inside a sentence with its own direction (FSI..PDI), e.g. a branch name."""
    return f"\u2068{value}\u2069"


def _ltr(value) -> str:
    """Dates and ranges isolated left-to-right (LRI..PDI), so '2012-03-10' reads the same in an Arabic sentence."""
    return f"\u2066{value}\u2069"


def _years_between(earlier: date, later: date) -> int:
    return later.year - earlier.year - ((later.month, later.day) < (earlier.month, earlier.day))


def case_date(case: BodyCase) -> date | None:
    """The date of death, else of the earliest photo (annotated by the queries below)."""
    return case.date or getattr(case, "first_photo_date", None)


def age_at(report: MissingPersonReport, when: date | None) -> tuple[int, int] | None:
    """(youngest, oldest) the person could have been on `when`, from the birth date or the age at arrest."""
    if report.birth_date and when:
        age = _years_between(report.birth_date, when)
        return age, age
    if report.age_at_arrest is not None:
        if report.arrest_date and when and when >= report.arrest_date:
            extra = _years_between(report.arrest_date, when)
            return report.age_at_arrest + extra, report.age_at_arrest + extra + 1
        return report.age_at_arrest, report.age_at_arrest + 3  # no case date: the body can only be older
    return None


# --- scoring one pair -----------------------------------------------------------------------------

def score(report: MissingPersonReport, case: BodyCase, claimed: bool = False, distance=_LOOK_UP) -> Candidate:
    """Score one pair. `claimed`: the report's family claimed this case. `distance`: the stored face distance
    (None for none), looked up when not given."""
    found = Candidate(report=report, case=case)

    def add(code: str, message: str, params: dict | None = None, weight: float | None = None) -> None:
        found.reasons.append(Reason(code, WEIGHT[code] if weight is None else weight, message, params or {}))

    died = case_date(case)
    if died and report.arrest_date:
        if died >= report.arrest_date:
            add("date_after_arrest", _("Died or photographed on %(died)s, on or after the arrest on %(arrest)s."),
                {"died": _ltr(died), "arrest": _ltr(report.arrest_date)})
        else:
            add("date_before_arrest", _("Died or photographed on %(died)s, before the arrest on %(arrest)s."),
                {"died": _ltr(died), "arrest": _ltr(report.arrest_date)})

    arrested_by, registered_by = branch_key(report.arresting_branch), branch_key(case.branch)
    if arrested_by and registered_by:
        if arrested_by == registered_by:
            add("same_branch", _("Registered by branch %(branch)s, the branch that made the arrest."),
                {"branch": _iso(case.branch)})
        else:
            add("other_branch", _("Registered by branch %(case)s; the arrest was by %(report)s (detainees were "
                                  "often moved)."),
                {"case": _iso(case.branch), "report": _iso(report.arresting_branch)})

    if report.sex and case.sex:
        if report.sex == case.sex:
            add("same_sex", _("Same sex."))
        else:
            add("other_sex", _("Different sex."))

    ages = age_at(report, died)
    if ages and (case.age_min is not None or case.age_max is not None):
        low = case.age_min if case.age_min is not None else 0
        high = case.age_max if case.age_max is not None else 200
        gap = max(low - ages[1], ages[0] - high, 0)
        values = {"age": _ltr(ages[0] if ages[0] == ages[1] else f"{ages[0]}–{ages[1]}"),
                  "range": _ltr(f"{case.age_min if case.age_min is not None else '?'}–"
                                      f"{case.age_max if case.age_max is not None else '?'}")}
        if gap == 0:
            add("age_fits", _("About %(age)s years old at that date, within the estimated %(range)s."), values)
        elif gap <= 3:
            add("age_close", _("About %(age)s years old at that date, just outside the estimated %(range)s."), values)
        elif gap <= 8:
            add("age_off", _("About %(age)s years old at that date, outside the estimated %(range)s."), values)
        else:
            add("age_far", _("About %(age)s years old at that date, far from the estimated %(range)s."), values)

    shared = sorted(mark_words(report.distinguishing_marks) & mark_words(case.marks))
    if shared:
        add("marks", _("Distinguishing marks share the words: %(words)s."), {"words": _iso(", ".join(shared))},
            weight=WEIGHT["mark_word"] * min(len(shared), MARK_WORDS_MAX))

    if claimed:
        add("family_claim", _("The family claimed this case."))

    if case.category not in FIRST_CATEGORIES:
        add("category", _("Recorded as: %(category)s."), {"category": gettext_lazy(case.get_category_display())},
            weight=0.0)

    if distance is _LOOK_UP:
        distance = face_distance(report, case)
    from dalil.faces.index import SIMILAR, VERY_SIMILAR, WEAK, similarity

    if distance is not None and distance < WEAK:
        found.face_similarity = similarity(distance)
        message = (_("Face very similar to the family's photo (distance %(distance)s).") if distance < VERY_SIMILAR
                   else _("Face similar to the family's photo (distance %(distance)s).") if distance < SIMILAR
                   else _("Face weakly similar to the family's photo (distance %(distance)s)."))
        add("face", message, {"distance": _ltr(f"{distance:.2f}")},
            weight=round(WEIGHT["face"] * found.face_similarity, 2))

    found.score = round(sum(r.weight for r in found.reasons), 2)
    return found


def _rank(candidate: Candidate, tie: int) -> tuple:
    later = candidate.case.category not in FIRST_CATEGORIES and not candidate.claimed
    return candidate.ruled_out, later, -candidate.score, tie


# --- the two queries ------------------------------------------------------------------------------

def open_cases():
    """Cases that can still be matched: not merged into another, with the date of their first photo."""
    return BodyCase.objects.filter(merged_into__isnull=True).annotate(first_photo_date=Min("photos__photo_date"))


def candidates_for_report(report: MissingPersonReport, limit: int | None = 50, cases=None) -> list[Candidate]:
    """The cases that could be this person, best first (custody/unknown cases before others)."""
    cases = open_cases() if cases is None else cases
    taken = Identification.objects.filter(state=Identification.State.CONFIRMED).exclude(report=report)
    cases = cases.exclude(pk__in=taken.values("case_id"))
    claimed = set(Claim.objects.filter(report=report).values_list("case_id", flat=True))
    faces = dict(FaceCandidate.objects.filter(report=report).values_list("case_id", "distance"))
    found = [score(report, case, claimed=case.pk in claimed, distance=faces.get(case.pk)) for case in cases]
    found.sort(key=lambda c: _rank(c, c.case.pk))
    return found[:limit] if limit else found


def reports_for_case(case: BodyCase, limit: int | None = 50, reports=None) -> list[Candidate]:
    """The reports whose missing person could be this body, best first."""
    if getattr(case, "first_photo_date", None) is None and case.date is None:
        case.first_photo_date = case.photos.aggregate(first=Min("photo_date"))["first"]
    if reports is None:
        reports = MissingPersonReport.objects.exclude(status=MissingPersonReport.Status.CLOSED)
    taken = Identification.objects.filter(state=Identification.State.CONFIRMED).exclude(case=case)
    reports = reports.exclude(pk__in=taken.values("report_id"))
    claimed = set(Claim.objects.filter(case=case).values_list("report_id", flat=True))
    faces = dict(FaceCandidate.objects.filter(case=case).values_list("report_id", "distance"))
    found = [score(report, case, claimed=report.pk in claimed, distance=faces.get(report.pk)) for report in reports]
    found.sort(key=lambda c: (c.ruled_out, -c.score, c.report.pk))
    return found[:limit] if limit else found
