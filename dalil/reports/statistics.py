"""The archive's figures, counted by the database (GROUP BY), so 55,000 photos cost a few queries.

What is counted (over one collection, or everything):
- photos and bodies (body cases not merged into another) per branch, per month
  of death or photography (the case's date), per category;
- injury codes and how many cases carry each, with how many cases were coded at all;
- identification progress over time: reports received, identifications proposed,
  corroborated and confirmed (each step counted in the month it was taken), and
  where the identifications stand now;
- exact copies, near-duplicate pairs, quarantined files, cases flagged for review.

Missing-person reports are not tied to a collection: "reports" always counts
every report; claims and identifications are those about the collection's cases.
A photo is counted under its case's branch (corrected by an analyst) or, with no
case yet, under the branch read from its path or sidecar; and in the month of its
own date (path, sidecar) or, without one, its case's date.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, F, When
from django.db.models.functions import Coalesce, ExtractYear, TruncMonth

from dalil.archive.models import BodyCase, InjuryCode, NearDuplicate, Photo
from dalil.evidence.models import Collection, Sighting
from dalil.identification.models import Claim, Identification, IdentificationStep, MissingPersonReport
from dalil.reports import labels
from dalil.reports.tables import Row, Table

PROGRESS_SERIES = ("reports", "claimed", "corroborated", "confirmed")


@dataclass
class Scope:
    """The rows one set of figures is about."""

    collection: Collection | None
    photos: object  # QuerySet[Photo]
    cases: object  # QuerySet[BodyCase]
    sightings: object  # QuerySet[Sighting]

    @classmethod
    def of(cls, collection: Collection | None = None) -> "Scope":
        photos = Photo.objects.all()
        cases = BodyCase.objects.filter(merged_into__isnull=True)
        sightings = Sighting.objects.all()
        if collection is not None:
            sightings = sightings.filter(acquisition__collection=collection)
            photos = photos.filter(item_id__in=sightings.values("item_id"))
            cases = cases.filter(pk__in=photos.values("case_id"))
        return cls(collection, photos, cases, sightings)


@dataclass
class Progress:
    """Identification progress: per month, how many of each step; and running totals."""

    months: list[str] = field(default_factory=list)
    monthly: dict[str, list[int]] = field(default_factory=dict)  # series name -> one count per month
    cumulative: dict[str, list[int]] = field(default_factory=dict)

    @property
    def totals(self) -> dict[str, int]:
        return {name: (values[-1] if values else 0) for name, values in self.cumulative.items()}


@dataclass
class Figures:
    collection: str
    photos: int
    cases: int
    tables: dict[str, Table]
    progress: Progress
    counts: dict[str, int]  # the single numbers: coded cases, copies, quarantined, …

    def __getitem__(self, name):  # templates: figures.cases_by_branch
        return self.tables[name]


def compute(collection: Collection | None = None, period: str = "month") -> Figures:
    """Every figure for a collection (None: the whole instance). `period`: "month" or "quarter" for the time tables."""
    scope = Scope.of(collection)
    cases_total = scope.cases.count()
    coded = scope.cases.filter(injuries__isnull=False).distinct().count()
    tables = {
        "photos_by_branch": _by_branch("photos_by_branch", scope.photos.annotate(group_key=_photo_branch())),
        "cases_by_branch": _by_branch("cases_by_branch", scope.cases.annotate(group_key=F("branch"))),
        "cases_by_period": _by_period("cases_by_period", scope.cases, "date", period),
        "photos_by_period": _by_period(
            "photos_by_period", scope.photos.annotate(day=Coalesce("photo_date", "case__date")), "day", period),
        "cases_by_category": _by_code("cases_by_category", scope.cases.annotate(group_key=F("category")),
                                      labels.CATEGORIES),
        "injuries": _injuries(scope, coded),
        "coding": Table("coding", [Row("coded", _label("coded"), coded),
                                   Row("not_coded", _label("not_coded"), cases_total - coded)]),
        "identifications_by_state": _by_code(
            "identifications_by_state",
            Identification.objects.filter(case__in=scope.cases).annotate(group_key=F("state")), labels.STATES),
        "near_duplicates": _by_code(
            "near_duplicates", NearDuplicate.objects.filter(a__in=scope.photos).annotate(group_key=F("status")),
            labels.NEAR_DUPLICATES),
        "quarantine": _by_code(
            "quarantine", scope.sightings.filter(outcome=Sighting.Outcome.QUARANTINED).annotate(group_key=F("problem_code")),
            labels.QUARANTINE),
    }
    with_item = scope.sightings.filter(item__isnull=False)
    counts = {
        "coded_cases": coded,
        "needs_review": scope.cases.filter(needs_review=True).count(),
        "files": with_item.values("item_id").distinct().count(),
        "exact_copies": with_item.count() - with_item.values("item_id").distinct().count(),
        "quarantined": tables["quarantine"].total,
        "near_duplicate_pairs": tables["near_duplicates"].total,
        "family_claims": Claim.objects.filter(case__in=scope.cases).count(),
        "reports": MissingPersonReport.objects.count(),
        "undated_cases": scope.cases.filter(date__isnull=True).count(),
    }
    return Figures(collection=collection.name if collection else "", photos=scope.photos.count(), cases=cases_total,
                   tables=tables, progress=progress(scope), counts=counts)


def _label(key: str) -> str:
    from django.utils.translation import gettext as _

    return {"coded": _("coded"), "not_coded": _("not coded yet")}[key]


def _photo_branch():
    return Case(When(case__isnull=False, then=F("case__branch")), default=F("branch"), output_field=CharField())


def _grouped(queryset, key="group_key") -> Counter:
    return Counter({(k or ""): n for k, n in queryset.order_by().values_list(key).annotate(n=Count("pk"))})


def _by_branch(name: str, queryset) -> Table:
    counts = _grouped(queryset)
    order = sorted(counts, key=lambda k: (k == "", -counts[k], _numeric(k)))
    return Table(name, [Row(k, labels.branch(k), counts[k]) for k in order])


def _by_code(name: str, queryset, words: dict) -> Table:
    counts = _grouped(queryset)
    known = [code for code in words if counts.get(code)]
    rest = sorted(k for k in counts if k not in words)
    return Table(name, [Row(k, labels.label(words, k), counts[k]) for k in known + rest])


def _injuries(scope: Scope, coded: int) -> Table:
    counts = _grouped(InjuryCode.objects.filter(case__in=scope.cases).annotate(group_key=F("code")))
    rows = [Row(code, labels.label(labels.INJURIES, code), counts[code])
            for code in sorted(counts, key=lambda c: (-counts[c], c))]
    return Table("injuries", rows, additive=False, total=coded)


def _by_period(name: str, queryset, date_field: str, period: str) -> Table:
    # Grouped by the day itself (a few hundred distinct days), then bucketed here: on SQLite a Trunc* is a
    # Python function called once per row, which alone cost ~0.15 s over 55,000 photos.
    raw = queryset.order_by().values_list(date_field).annotate(n=Count("pk"))
    counts = Counter()
    for day, n in raw:
        counts[_period_key(day, period)] += n
    dated = sorted(k for k in counts if k)
    keys = _fill(dated[0], dated[-1], period) if dated else []
    rows = [Row(k, labels.quarter(k) if period == "quarter" else labels.month(k), counts.get(k, 0)) for k in keys]
    if counts.get(""):
        rows.append(Row("", labels.month(""), counts[""]))
    return Table(name, rows)


def _period_key(day, period: str) -> str:
    if day is None:
        return ""
    if isinstance(day, datetime.datetime):
        day = day.date()
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}" if period == "quarter" else f"{day:%Y-%m}"


def _fill(first: str, last: str, period: str) -> list[str]:
    """Every month (or quarter) from first to last, so a time series shows the empty ones as zero."""
    step = 3 if period == "quarter" else 1
    year, month = _start(first, period)
    end = _start(last, period)
    keys = []
    while (year, month) <= end:
        keys.append(_period_key(datetime.date(year, month, 1), period))
        month += step
        if month > 12:
            year, month = year + 1, month - 12
    return keys


def _start(key: str, period: str) -> tuple[int, int]:
    if period == "quarter":
        year, q = key.split("-Q")
        return int(year), 3 * (int(q) - 1) + 1
    year, month = key.split("-")
    return int(year), int(month)


def _numeric(key: str):
    return (0, int(key), key) if key.isdigit() else (1, 0, key)


def progress(scope: Scope) -> Progress:
    """Reports received, identifications proposed, corroborated and confirmed, per month and running totals."""
    idents = Identification.objects.filter(case__in=scope.cases)
    steps = IdentificationStep.objects.filter(identification__in=idents)
    sources = {
        "reports": MissingPersonReport.objects.annotate(m=TruncMonth("created_at")).values_list("m")
        .annotate(n=Count("pk")),
        "claimed": idents.annotate(m=TruncMonth("created_at")).values_list("m").annotate(n=Count("pk")),
        "corroborated": steps.filter(to_state=Identification.State.CORROBORATED).annotate(m=TruncMonth("at"))
        .values_list("m").annotate(n=Count("identification", distinct=True)),
        "confirmed": steps.filter(to_state=Identification.State.CONFIRMED).annotate(m=TruncMonth("at"))
        .values_list("m").annotate(n=Count("identification", distinct=True)),
    }
    per_series = {}
    for name, rows in sources.items():
        per_series[name] = Counter({_period_key(m, "month"): n for m, n in rows.order_by()})
    keys = sorted({k for counter in per_series.values() for k in counter if k})
    months = _fill(keys[0], keys[-1], "month") if keys else []
    result = Progress(months=months)
    for name in PROGRESS_SERIES:
        values = [per_series[name].get(m, 0) for m in months]
        running, total = [], 0
        for value in values:
            total += value
            running.append(total)
        result.monthly[name], result.cumulative[name] = values, running
    return result


def findings(collection: Collection | None = None, by: str = "branch", top: int = 3) -> list[dict]:
    """Per branch (or per year of death): bodies, photos, first and last month, coded cases, the commonest codes."""
    scope = Scope.of(collection)
    key = F("branch") if by == "branch" else ExtractYear("date")
    cases = scope.cases.order_by().annotate(group_key=key)
    rows = {}
    for k, n in cases.values_list("group_key").annotate(n=Count("pk")):
        rows[_text(k)] = {"key": _text(k), "cases": n, "photos": 0, "coded": 0, "codes": Counter()}
    dates = cases.exclude(date__isnull=True).values_list("group_key", "date")
    spans = {}
    for k, day in dates:
        first, last = spans.get(_text(k), (day, day))
        spans[_text(k)] = (min(first, day), max(last, day))
    photo_key = _photo_branch() if by == "branch" else ExtractYear("case__date")
    for k, n in scope.photos.filter(case__in=scope.cases).order_by().annotate(group_key=photo_key).values_list(
            "group_key").annotate(n=Count("pk")):
        if _text(k) in rows:
            rows[_text(k)]["photos"] = n
    for k, n in cases.filter(injuries__isnull=False).values_list("group_key").annotate(n=Count("pk", distinct=True)):
        rows[_text(k)]["coded"] = n
    code_key = "case__branch" if by == "branch" else ExtractYear("case__date")
    codes = InjuryCode.objects.filter(case__in=scope.cases).order_by().annotate(group_key=F(code_key) if by == "branch"
                                                                                else code_key)
    for k, code, n in codes.values_list("group_key", "code").annotate(n=Count("pk")):
        rows[_text(k)]["codes"][code] += n
    out = []
    for k in sorted(rows, key=lambda k: (k == "", -rows[k]["cases"], _numeric(k)) if by == "branch"
                    else (k == "", k)):
        row = rows[k]
        first, last = spans.get(k, (None, None))
        row["first"], row["last"] = (f"{first:%Y-%m}" if first else ""), (f"{last:%Y-%m}" if last else "")
        row["label"] = labels.branch(k) if by == "branch" else (k or labels.month(""))
        row["top_codes"] = [(labels.label(labels.INJURIES, c), n) for c, n in
                            sorted(row.pop("codes").items(), key=lambda cn: (-cn[1], cn[0]))[:top]]
        out.append(row)
    return out


def _text(value) -> str:
    return "" if value is None else str(value)
