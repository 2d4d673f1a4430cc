"""Ranking bodies for a missing-person report, and reports for a body, with reasons a person can check.

Each finding (date, branch, sex, age, marks, face) carries a likelihood ratio
(dalil.identification.evidence: P(finding | same person) / P(finding |
different person)); a pair's weight of evidence is their product with the
prior of the case's category, kept as a sum of log10. Every reason is a short
sentence with a stable `code` (for tests and filters) and its factor ("×290",
"÷20"), so a caseworker sees why a case is high or low and can disagree. A
case the family claimed is listed first whatever the evidence says: the claim
is the question to answer, not evidence for the answer. Nothing here decides
an identification: it only orders the work (see workflow.py).

At the archive's size the ranking is two database queries, not a loop over
every case: SQL gives every open case a coarse weight from the findings it can
compute (branch, date window, sex, category) and returns the best POOL; those,
plus the cases near the family's photo and the ones the family claimed, are
scored in full here (age and marks need Python). bench/matching.py measures
how often the true body is in the top 1 / 10, and the time per report.
"""

import re
import time
from math import log10
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from django.db.models import Count, FloatField, Max, OuterRef, Subquery, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_noop as _

from dalil.archive.models import BodyCase, Photo
from dalil.identification import evidence as lr
from dalil.identification.models import Claim, FaceCandidate, Identification, MissingPersonReport
from dalil.lib.arabic import normalize_arabic, normalize_number

FIRST_CATEGORIES = (BodyCase.Category.CUSTODY, BodyCase.Category.UNKNOWN)
POOL = 400  # cases scored in full per report, after the database's coarse ranking
UNUSED = ("notes", "review_reasons", "created_at", "updated_at")  # fields the ranking and its pages never read
RULED_OUT = -2.0  # a total of ÷100 or less: shown greyed, never hidden
MARK_WORDS_MAX = lr.MARK_WORDS_MAX
# Findings from apps above identification, which it cannot import: each is a callable (report, case) ->
# (code, log10 LR, message, params) or None. dalil.names registers the victim list's name (dalil.names.evidence).
EXTRA_FINDINGS: list = []


@dataclass
class Reason:
    """One finding: a stable code, its weight (log10 of its likelihood ratio), and a sentence (`text`)."""

    code: str
    weight: float
    message: str = ""
    params: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return gettext(self.message) % self.params if self.params else gettext(self.message)

    @property
    def factor(self) -> str:
        """'×290' / '÷20': how many times this finding multiplies the odds; '' when it does not count."""
        return lr.factor(self.weight) if abs(self.weight) >= 0.02 else ""


@dataclass
class Candidate:
    """One (report, case) pair with its weight of evidence (sum of log10 LRs) and the reasons behind it."""

    report: MissingPersonReport
    case: BodyCase
    score: float = 0.0
    reasons: list[Reason] = field(default_factory=list)
    face_similarity: float | None = None
    claimed: bool = False

    @property
    def ruled_out(self) -> bool:
        return self.score <= RULED_OUT

    @property
    def factor(self) -> str:
        return lr.factor(self.score)

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]


_LOOK_UP = object()


def face_distance(report: MissingPersonReport, case: BodyCase) -> float | None:
    """The stored face distance of the family's photo to the case (dalil.identification.faces), or None."""
    return FaceCandidate.objects.filter(report=report, case=case).values_list("distance", flat=True).first()


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


def _window_text(window) -> str:
    low, high, precision = window
    if precision == "year":
        return _ltr(low.year)
    if precision == "month":
        return _ltr(f"{low:%Y-%m}")
    if precision == "about":
        middle = low + (high - low) / 2
        return gettext("about %(date)s") % {"date": _ltr(middle.isoformat())}
    return _ltr(low.isoformat())


# --- what the archive looks like (P(finding | a different person)) ----------------------------------------

_background: tuple[tuple, float, lr.Background] | None = None
BACKGROUND_SECONDS = 300  # statistics of thousands of cases: a corrected date or branch may wait this long


def background() -> lr.Background:
    """The spread of dates, branches and sexes over open cases; recomputed when cases were added, merged or
    split, and every BACKGROUND_SECONDS (corrections)."""
    global _background
    cases = BodyCase.objects.filter(merged_into__isnull=True)
    signature = tuple(cases.aggregate(n=Count("pk"), last=Max("pk")).values())
    if _background is None or _background[0] != signature or time.monotonic() > _background[1]:
        dates = dict(cases.order_by().values_list("date").annotate(n=Count("pk")).values_list("date", "n"))
        branches = dict(cases.order_by().values_list("branch").annotate(n=Count("pk")).values_list("branch", "n"))
        sexes = dict(cases.order_by().values_list("sex").annotate(n=Count("pk")).values_list("sex", "n"))
        _background = (signature, time.monotonic() + BACKGROUND_SECONDS, lr.Background(dates, branches, sexes))
    return _background[2]


# --- scoring one pair -----------------------------------------------------------------------------

def score(report: MissingPersonReport, case: BodyCase, claimed: bool = False, distance=_LOOK_UP,
          world: lr.Background | None = None) -> Candidate:
    """Score one pair. `claimed`: the report's family claimed this case. `distance`: the stored face distance
    (None for none), looked up when not given. `world`: background(), computed when not given."""
    world = world or background()
    found = Candidate(report=report, case=case, claimed=claimed)

    def add(code: str, weight: float, message: str, params: dict | None = None) -> None:
        found.reasons.append(Reason(code, round(weight, 2), message, params or {}))

    if claimed:
        add("family_claim", 0.0, _("The family claimed this case: listed first, for an answer."))

    if distance is _LOOK_UP:
        distance = face_distance(report, case)
    from dalil.faces.index import SIMILAR, VERY_SIMILAR, WEAK, similarity

    if distance is not None and distance < WEAK:
        found.face_similarity = similarity(distance)
        message = (_("Face very similar to the family's photo (distance %(distance)s).") if distance < VERY_SIMILAR
                   else _("Face similar to the family's photo (distance %(distance)s).") if distance < SIMILAR
                   else _("Face weakly similar to the family's photo (distance %(distance)s): not counted, "
                          "strangers are often as near."))
        add("face", lr.face_log_lr(distance), message, {"distance": _ltr(f"{distance:.2f}")})

    died, window = case_date(case), lr.arrest_window(report)
    if died and window:
        values = {"died": _ltr(died), "arrest": _window_text(window)}
        weight = lr.date_log_lr(died, window, world)
        if died < window[0]:
            add("date_before_arrest", weight, _("Died or photographed on %(died)s, before the arrest on %(arrest)s: "
                                                "possible only if that date is a guess or wrong."), values)
        elif died <= window[1]:
            add("date_in_window", weight, _("Died or photographed on %(died)s, within the time of the arrest "
                                            "(%(arrest)s)."), values)
        elif died - window[1] > timedelta(days=730):
            add("date_long_after", weight, _("Died or photographed on %(died)s, more than two years after the "
                                             "arrest on %(arrest)s."), values)
        else:
            add("date_after_arrest", weight, _("Died or photographed on %(died)s, after the arrest on %(arrest)s."),
                values)

    arrested_by, registered_by = branch_key(report.arresting_branch), branch_key(case.branch)
    if arrested_by and registered_by:
        if arrested_by == registered_by:
            add("same_branch", lr.branch_log_lr(True, world.branch_share(case.branch)),
                _("Registered by branch %(branch)s, the branch that made the arrest."), {"branch": _iso(case.branch)})
        else:
            add("other_branch", lr.branch_log_lr(False, 0.0),
                _("Registered by branch %(case)s; the arrest was by %(report)s (detainees were often moved)."),
                {"case": _iso(case.branch), "report": _iso(report.arresting_branch)})

    if report.sex and case.sex:
        same = report.sex == case.sex
        add("same_sex" if same else "other_sex", lr.sex_log_lr(same, world.sex_share(report.sex)),
            _("Same sex.") if same else _("Different sex (possible only if one of the records is wrong)."))

    ages = age_at(report, died)
    if ages and (case.age_min is not None or case.age_max is not None):
        low = case.age_min if case.age_min is not None else 0
        high = case.age_max if case.age_max is not None else 200
        gap = max(low - ages[1], ages[0] - high, 0)
        values = {"age": _ltr(ages[0] if ages[0] == ages[1] else f"{ages[0]}–{ages[1]}"),
                  "range": _ltr(f"{case.age_min if case.age_min is not None else '?'}–"
                                f"{case.age_max if case.age_max is not None else '?'}")}
        kind = "fits" if gap == 0 else "close" if gap <= 3 else "off" if gap <= 8 else "far"
        add(f"age_{kind}", lr.AGE_LOG_LR[kind], {
            "fits": _("About %(age)s years old at that date, within the estimated %(range)s."),
            "close": _("About %(age)s years old at that date, just outside the estimated %(range)s."),
            "off": _("About %(age)s years old at that date, outside the estimated %(range)s."),
            "far": _("About %(age)s years old at that date, far from the estimated %(range)s."),
        }[kind], values)

    shared = sorted(mark_words(report.distinguishing_marks) & mark_words(case.marks))
    if shared:
        add("marks", lr.MARK_WORD_LOG_LR * min(len(shared), MARK_WORDS_MAX),
            _("Distinguishing marks share the words: %(words)s."), {"words": _iso(", ".join(shared))})

    for extra in EXTRA_FINDINGS:  # e.g. dalil.names: the name a victim list gives the body
        finding = extra(report, case)
        if finding:
            add(*finding)

    if case.category not in FIRST_CATEGORIES:
        add("category", lr.OTHER_CATEGORY_LOG_PRIOR, _("Recorded as: %(category)s."),
            {"category": gettext_lazy(case.get_category_display())})

    found.score = round(sum(r.weight for r in found.reasons), 2)
    return found


# --- the database's coarse ranking ------------------------------------------------------------------

def _first_photo_date():
    return Subquery(Photo.objects.filter(case=OuterRef("pk")).exclude(photo_date=None)
                    .order_by("photo_date").values("photo_date")[:1])


def open_cases():
    """Cases that can still be matched: not merged into another, with the date of their first photo."""
    return BodyCase.objects.filter(merged_into__isnull=True).annotate(first_photo_date=_first_photo_date())


def _column(model, name: str) -> str:
    from django.db import connection

    return f"{connection.ops.quote_name(model._meta.db_table)}.{connection.ops.quote_name(name)}"


def _number(value: float) -> str:
    return f"{value:.4f}"  # computed here, never typed by anyone: safe to write into the statement


def _equal_case(column: str, value: str, same: float, other: float, params: list) -> str:
    params.append(value)
    return f"CASE WHEN {column} = %s THEN {_number(same)} WHEN {column} = '' THEN 0.0 ELSE {_number(other)} END"


def _date_steps(column: str, edges: list[date], value_at, params: list) -> str:
    """value_at(day) for the middle of each span between edges, for the date in `column` (0 when unknown)."""
    edges = sorted(set(edges))
    parts = [f"CASE WHEN {column} IS NULL THEN 0.0 WHEN {column} < %s THEN {_number(value_at(edges[0]))}"]
    params.append(edges[0])
    for start, end in zip(edges, edges[1:]):
        parts.append(f"WHEN {column} < %s THEN {_number(value_at(start + (end - start) / 2))}")
        params.append(end)
    parts.append(f"ELSE {_number(value_at(edges[-1] + timedelta(days=1)))} END")
    return " ".join(parts)


def _delay_edges() -> list[int]:
    return sorted({e for start, end, _m in lr.DELAY_MASS for e in (start, end)})


def _coarse(terms: list[str], params: list) -> RawSQL:
    return RawSQL("(" + " + ".join(terms or ["0.0"]) + ")", params, output_field=FloatField())


def _coarse_cases(report: MissingPersonReport, cases, world: lr.Background):
    """Cases ordered by the evidence SQL can weigh: branch, date (against an even spread), sex, category.
    One statement whose CASE arms are computed here; a case without a date counts as ×1 (its first photo's
    date is read in the full scoring)."""
    terms, params = [], []
    key = branch_key(report.arresting_branch)
    if key:
        terms.append(_equal_case(_column(BodyCase, "branch"), key, lr.branch_log_lr(True, world.branch_share(key)),
                                 lr.branch_log_lr(False, 0.0), params))
    window = lr.arrest_window(report)
    if window:
        even = 1 / world.span

        def value_at(day: date) -> float:
            return log10(max(lr.delay_density(day, window[0], window[1]), 1e-9) / even)
        edges = [window[0] + timedelta(days=e) for e in _delay_edges()]
        edges += [window[1] + timedelta(days=e) for e in _delay_edges()]
        terms.append(_date_steps(_column(BodyCase, "date"), edges, value_at, params))
    if report.sex:
        share = world.sex_share(report.sex)
        terms.append(_equal_case(_column(BodyCase, "sex"), report.sex, lr.sex_log_lr(True, share),
                                 lr.sex_log_lr(False, share), params))
    first = ", ".join(["%s"] * len(FIRST_CATEGORIES))
    params.extend(str(c) for c in FIRST_CATEGORIES)
    terms.append(f"CASE WHEN {_column(BodyCase, 'category')} IN ({first}) THEN 0.0 "
                 f"ELSE {_number(lr.OTHER_CATEGORY_LOG_PRIOR)} END")
    return cases.alias(coarse=_coarse(terms, params)).order_by("-coarse", "pk")


def _coarse_reports(case: BodyCase, reports, world: lr.Background):
    """Reports ordered by the evidence SQL can weigh against one case: branch, arrest date (as a day), sex."""
    terms, params = [], []
    key = branch_key(case.branch)
    if key:
        column = _column(MissingPersonReport, "arresting_branch")
        arabic = key.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
        params += [f"%{key}%", f"%{arabic}%"]
        terms.append(f"CASE WHEN {column} LIKE %s OR {column} LIKE %s THEN "
                     f"{_number(lr.branch_log_lr(True, world.branch_share(case.branch)))} "
                     f"WHEN {column} = '' THEN 0.0 ELSE {_number(lr.branch_log_lr(False, 0.0))} END")
    died = case_date(case)
    if died:
        density = world.date_density(died)

        def value_at(arrested: date) -> float:
            return log10(max(lr.delay_density(died, arrested, arrested), 1e-9) / density)
        terms.append(_date_steps(_column(MissingPersonReport, "arrest_date"),
                                 [died - timedelta(days=e) for e in _delay_edges()], value_at, params))
    if case.sex:
        share = world.sex_share(case.sex)
        terms.append(_equal_case(_column(MissingPersonReport, "sex"), case.sex, lr.sex_log_lr(True, share),
                                 lr.sex_log_lr(False, share), params))
    return reports.alias(coarse=_coarse(terms, params)).order_by("-coarse", "pk")


# --- the two queries ------------------------------------------------------------------------------

def _rank(candidate: Candidate, tie: int) -> tuple:
    return not candidate.claimed, -candidate.score, tie


def candidates_for_report(report: MissingPersonReport, limit: int | None = 50, cases=None,
                          pool: int = POOL) -> list[Candidate]:
    """The cases that could be this person, best first: the family's claims, then by weight of evidence."""
    world = background()
    cases = BodyCase.objects.filter(merged_into__isnull=True) if cases is None else cases
    taken = Identification.objects.filter(state=Identification.State.CONFIRMED).exclude(report=report)
    cases = cases.exclude(pk__in=taken.values("case_id"))
    claimed = set(Claim.objects.filter(report=report).values_list("case_id", flat=True))
    faces = dict(FaceCandidate.objects.filter(report=report).values_list("case_id", "distance"))
    wanted = set(_coarse_cases(report, cases, world).values_list("pk", flat=True)[:pool]) | claimed | set(faces)
    # victim_entries: the names a victim list gives each case, read once for the whole pool (dalil.names' finding)
    rows = (cases.filter(pk__in=wanted).defer(*UNUSED).annotate(first_photo_date=_first_photo_date())
            .prefetch_related("victim_entries"))
    found = [score(report, case, claimed=case.pk in claimed, distance=faces.get(case.pk), world=world)
             for case in rows]
    found.sort(key=lambda c: _rank(c, c.case.pk))
    return found[:limit] if limit else found


def reports_for_case(case: BodyCase, limit: int | None = 50, reports=None, pool: int = POOL) -> list[Candidate]:
    """The reports whose missing person could be this body, best first."""
    if getattr(case, "first_photo_date", None) is None and case.date is None:
        case.first_photo_date = (case.photos.exclude(photo_date=None).order_by("photo_date")
                                 .values_list("photo_date", flat=True).first())
    world = background()
    prefetch_related_objects([case], "victim_entries")  # read once, not once per scored report
    if reports is None:
        reports = MissingPersonReport.objects.exclude(status=MissingPersonReport.Status.CLOSED)
    taken = Identification.objects.filter(state=Identification.State.CONFIRMED).exclude(case=case)
    reports = reports.exclude(pk__in=taken.values("report_id"))
    claimed = set(Claim.objects.filter(case=case).values_list("report_id", flat=True))
    faces = dict(FaceCandidate.objects.filter(case=case).values_list("report_id", "distance"))
    wanted = set(_coarse_reports(case, reports, world).values_list("pk", flat=True)[:pool]) | claimed | set(faces)
    found = [score(report, case, claimed=report.pk in claimed, distance=faces.get(report.pk), world=world)
             for report in reports.filter(pk__in=wanted)]
    found.sort(key=lambda c: _rank(c, c.report.pk))
    return found[:limit] if limit else found


__all__ = ["Candidate", "Reason", "background", "branch_key", "candidates_for_report", "case_date",
           "mark_words", "open_cases", "reports_for_case", "score"]
