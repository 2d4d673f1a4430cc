"""Reports that may be one person: found when a report arrives, decided by a caseworker.

`duplicate_score(a, b)` weighs names role by role (first, father, grandfather,
family, mother; each in whichever scripts both reports give) and then the
other facts families report: birth date or age, home town, arrest date and
place. `find_for(report)` records an open DuplicateCandidate for every other
report scoring at least DALIL_DUPLICATE_THRESHOLD; pairs a caseworker decided
stay as decided.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rapidfuzz import fuzz

from dalil.audit.models import AuditEvent, audit
from dalil.lib.arabic import normalize_arabic
from dalil.names.compare import compare_names, part_score
from dalil.names.index import REPORT_ROLES, candidate_ids, index_report, record_parts
from dalil.names.models import DuplicateCandidate, NameRecord
from dalil.names.parts import split_name

# How much each name role counts in the name score (the first and family names say most).
ROLE_WEIGHTS = {"first": 3.0, "father": 2.0, "grandfather": 1.0, "family": 2.5, "mother": 1.5}
DIFFERENT_NAME = 60  # a name scoring below this differs: a first or family name, two people whatever else agrees
DIFFERENT_PARENT = {"father": 30.0, "grandfather": 12.0, "mother": 20.0}  # points off when that name differs
THIN_EVIDENCE = 12.0  # points off when only two names (first and family) could be compared


def _role_parts(report, role):
    return [p for script in ("ar", "latin") for p in split_name(getattr(report, f"{role}_name_{script}") or "", role)]


def duplicate_score(a, b) -> tuple[float, list[dict]]:
    """How likely reports a and b describe one person (0-100), and why (dalil.names.reasons data)."""
    reasons, weighted, weight, against, roles = [], 0.0, 0.0, 0.0, 0
    for role in REPORT_ROLES:
        left, right = _role_parts(a, role), _role_parts(b, role)
        if not left or not right:
            continue
        best, pair = max(((part_score(x, y), (x, y)) for x in left for y in right), key=lambda t: t[0])
        if best < DIFFERENT_NAME:
            if role in ("first", "family"):
                return 0.0, [{"kind": "differs", "role": role, "a": pair[0].text, "b": pair[1].text}]
            # brothers share the family name and often the first name's fame: a different father or mother
            # says two people far more than a shared name says one
            against += DIFFERENT_PARENT[role]
            reasons.append({"kind": "differs", "role": role, "a": pair[0].text, "b": pair[1].text})
            continue
        roles += 1
        weighted += ROLE_WEIGHTS[role] * best
        weight += ROLE_WEIGHTS[role]
        if best >= 70:
            reasons.append({"kind": "part", "role": role, "a": pair[0].text, "b": pair[1].text})
    if not weight or roles < 2:
        return 0.0, []  # a first name alone (or a family name alone) cannot tell one person
    score = weighted / weight - against - (THIN_EVIDENCE if roles <= 2 else 0)
    score += _facts(a, b, reasons)
    return round(max(0.0, min(100.0, score)), 1), reasons


def _birth_year(report):
    if report.birth_date:
        return report.birth_date.year
    if report.age_at_arrest is not None and report.arrest_date:
        return report.arrest_date.year - report.age_at_arrest
    return None


def _facts(a, b, reasons) -> float:
    """Points for and against from what else the families said (each fact only when both reports give it)."""
    points = 0.0
    born_a, born_b = _birth_year(a), _birth_year(b)
    if born_a and born_b:
        years = abs(born_a - born_b)
        if years <= 1:
            points += 5
            reasons.append({"kind": "born", "a": born_a, "b": born_b})
        elif years > 2:
            points -= 20
    elif a.age_at_arrest is not None and b.age_at_arrest is not None:
        if abs(a.age_at_arrest - b.age_at_arrest) <= 2:
            points += 4
            reasons.append({"kind": "age", "a": a.age_at_arrest, "b": b.age_at_arrest})
        elif abs(a.age_at_arrest - b.age_at_arrest) > 4:
            points -= 15
    if a.home_town and b.home_town:
        if _place_score(a.home_town, b.home_town) >= 80:
            points += 4
            reasons.append({"kind": "town", "a": a.home_town, "b": b.home_town})
        else:
            points -= 6
    if a.arrest_date and b.arrest_date:
        days = abs((a.arrest_date - b.arrest_date).days)
        if days <= 45:
            points += 4
            reasons.append({"kind": "arrested", "a": a.arrest_date.isoformat(), "b": b.arrest_date.isoformat()})
        elif days > 400:
            points -= 8
    if a.arrest_place and b.arrest_place and _place_score(a.arrest_place, b.arrest_place) >= 80:
        points += 2
        reasons.append({"kind": "place", "a": a.arrest_place, "b": b.arrest_place})
    if a.sex and b.sex and a.sex != b.sex:
        points -= 30
    return points


def _place_score(a: str, b: str) -> float:
    """Places are names too: 'حماة' and 'Hama' compare across scripts like name parts. PFIF writes a home as
    'neighbourhood, city, state, country': the best pair of comma-separated components counts."""
    best = 0.0
    for x in [p.strip() for p in a.split(",") if p.strip()] or [a]:
        for y in [p.strip() for p in b.split(",") if p.strip()] or [b]:
            if fuzz.ratio(normalize_arabic(x).lower(), normalize_arabic(y).lower()) >= 85:
                return 100.0
            left, right = split_name(x), split_name(y)
            if left and right:
                best = max(best, compare_names(left, right).score)
    return best


def threshold() -> float:
    return settings.DUPLICATE_THRESHOLD


def find_for(report, record: NameRecord | None = None) -> list[DuplicateCandidate]:
    """Score `report` against the reports sharing name keys with it; record the open pairs above the threshold."""
    record = record or index_report(report)
    if record is None:
        return []
    from dalil.identification.models import MissingPersonReport

    parts = record_parts(record)
    ids = candidate_ids(parts, min_parts=2, sources=[s for s in NameRecord.Source.values if s != "victims"])
    others = MissingPersonReport.objects.filter(name_record__pk__in=ids).exclude(pk=report.pk)
    decided = {}
    for pair in DuplicateCandidate.objects.filter(first=report) | DuplicateCandidate.objects.filter(second=report):
        decided[pair.second_id if pair.first_id == report.pk else pair.first_id] = pair
    found = []
    for other in others:
        score, reasons = duplicate_score(report, other)
        existing = decided.get(other.pk)
        if existing:
            if existing.state == DuplicateCandidate.State.OPEN:
                if score < threshold():
                    existing.delete()  # a report corrected since: no longer alike
                    continue
                existing.score, existing.reasons = score, reasons
                existing.save(update_fields=["score", "reasons", "updated_at"])
            found.append(existing)
        elif score >= threshold():
            first, second = sorted((report, other), key=lambda r: r.pk)
            found.append(DuplicateCandidate.objects.create(first=first, second=second, score=score, reasons=reasons))
    return found


def decide(request, candidate: DuplicateCandidate, state: str, note: str = "") -> DuplicateCandidate:
    """Link, mark distinct or reopen a pair; audited. Nothing of either report changes."""
    actions = {DuplicateCandidate.State.LINKED: AuditEvent.Action.DUPLICATE_LINKED,
               DuplicateCandidate.State.DISTINCT: AuditEvent.Action.DUPLICATE_DISTINCT,
               DuplicateCandidate.State.OPEN: AuditEvent.Action.DUPLICATE_UNLINKED}
    with transaction.atomic():
        before = candidate.state
        candidate.state = state
        candidate.note = note
        candidate.decided_by = request.user if state != DuplicateCandidate.State.OPEN else None
        candidate.decided_at = timezone.now() if state != DuplicateCandidate.State.OPEN else None
        candidate.save()
        audit(request, actions[state], f"duplicate:{candidate.pk}", before=before, after=state,
              reports=[candidate.first.reference, candidate.second.reference], note=note)
    return candidate


def linked_reports(report) -> list:
    """The reports a caseworker linked to this one as the same person (staff and exports only: never families)."""
    pairs = DuplicateCandidate.objects.filter(state=DuplicateCandidate.State.LINKED)
    ids = [p.second_id for p in pairs.filter(first=report)] + [p.first_id for p in pairs.filter(second=report)]
    from dalil.identification.models import MissingPersonReport

    return list(MissingPersonReport.objects.filter(pk__in=ids).order_by("pk"))
