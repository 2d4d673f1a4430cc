"""What an evidence package covers: one case, one collection, or the cases a query selects.

A scope resolves to the body cases it names and the stored originals (Items)
it carries. A query uses the case list's own filters (the archive's CaseFilter),
written as `name=value` words, so "branch=215 month=2012-05 category=custody"
exports exactly what the case list shows for those filters.
"""

import calendar
import datetime
import shlex
from dataclasses import dataclass, field

from dalil.archive.models import BodyCase, Photo
from dalil.evidence import seals
from dalil.evidence.models import Collection, Item


class ScopeError(Exception):
    """The scope names nothing exportable; str() says what to change."""


# Query words: the case list's filter fields, plus month=YYYY-MM and collection=NAME.
QUERY_WORDS = ("branch", "exam", "detainee", "category", "review", "date_from", "date_to", "month", "collection")
# Words people use for a category, as well as the stored codes.
CATEGORY_ALIASES = {"detainee": "custody", "died_in_custody": "custody", "military": "soldier", "security": "soldier"}


@dataclass
class Scope:
    description: dict  # as stored on the job: {"case": 12} / {"collection": "x"} / {"query": "..."}
    cases: list[BodyCase] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)  # sorted by SHA-256

    @property
    def label(self) -> str:
        return ", ".join(f"{kind} {value}" for kind, value in self.description.items())


def for_case(case_id) -> Scope:
    try:
        case = BodyCase.objects.get(pk=int(case_id))
    except (BodyCase.DoesNotExist, TypeError, ValueError):
        raise ScopeError(f"there is no case {case_id}") from None
    if case.merged_into_id:
        raise ScopeError(f"case {case.pk} was merged into case {case.merged_into_id}: export case {case.merged_into_id}")
    items = _items_of_cases([case])
    if not items:
        raise ScopeError(f"case {case.pk} has no photos to export")
    return Scope({"case": case.pk}, [case], items)


def for_collection(name: str) -> Scope:
    collection = Collection.objects.filter(name=name).first()
    if collection is None:
        raise ScopeError(f"there is no collection named {name!r}")
    shas = seals.collection_shas(collection)
    if not shas:
        raise ScopeError(f"collection {name!r} holds no files yet")
    items = list(Item.objects.filter(sha256__in=shas).order_by("sha256"))
    case_ids = Photo.objects.filter(item__in=items, case__isnull=False).values_list("case_id", flat=True)
    cases = list(BodyCase.objects.filter(pk__in=set(case_ids), merged_into__isnull=True).order_by("pk"))
    return Scope({"collection": collection.name}, cases, items)


def parse_query(text: str) -> dict:
    """'branch=215 month=2012-05' -> {'branch': '215', 'month': '2012-05'}; ScopeError on anything else."""
    try:
        words = shlex.split(text or "")
    except ValueError as exc:
        raise ScopeError(f"cannot read the query: {exc}") from None
    if not words:
        raise ScopeError("the query is empty: give name=value words, e.g. branch=215 month=2012-05")
    terms = {}
    for word in words:
        name, sep, value = word.partition("=")
        name = name.strip().lower().replace("-", "_")
        if not sep or not value.strip():
            raise ScopeError(f"{word!r} is not name=value (e.g. branch=215)")
        if name not in QUERY_WORDS:
            raise ScopeError(f"unknown query word {name!r}: use {', '.join(QUERY_WORDS)}")
        if name in terms:
            raise ScopeError(f"{name} is given twice")
        terms[name] = value.strip()
    return terms


def for_query(text: str) -> Scope:
    from dalil.archive.views.cases.forms import CaseFilter

    terms = parse_query(text)
    data = {k: v for k, v in terms.items() if k not in ("month", "collection")}
    if "category" in data:
        data["category"] = CATEGORY_ALIASES.get(data["category"].lower(), data["category"].lower())
    if "month" in terms:
        first, last = _month(terms["month"])
        if "date_from" in data or "date_to" in data:
            raise ScopeError("give either month= or date_from=/date_to=, not both")
        data["date_from"], data["date_to"] = first.isoformat(), last.isoformat()
    form = CaseFilter(data)
    if not form.is_valid():
        problems = "; ".join(f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items())
        raise ScopeError(f"the query is not valid: {problems}")
    cases = form.apply(BodyCase.objects.filter(merged_into__isnull=True))
    if "collection" in terms:
        if not Collection.objects.filter(name=terms["collection"]).exists():
            raise ScopeError(f"there is no collection named {terms['collection']!r}")
        cases = cases.filter(photos__item__sightings__acquisition__collection__name=terms["collection"])
    cases = list(cases.distinct().order_by("pk"))
    items = _items_of_cases(cases)
    if not items:
        raise ScopeError(f"no case with photos matches {text!r}")
    return Scope({"query": " ".join(f"{k}={shlex.quote(v)}" for k, v in terms.items())}, cases, items)


def _month(text: str) -> tuple[datetime.date, datetime.date]:
    from dalil.lib.arabic import ascii_digits

    try:
        year, month = (int(p) for p in ascii_digits(text).split("-"))
        return datetime.date(year, month, 1), datetime.date(year, month, calendar.monthrange(year, month)[1])
    except ValueError:
        raise ScopeError(f"month={text} is not YYYY-MM") from None


def _items_of_cases(cases: list[BodyCase]) -> list[Item]:
    return list(Item.objects.filter(photo__case__in=cases).distinct().order_by("sha256"))
