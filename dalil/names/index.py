"""Keeping the name index up to date, and searching it.

`index_report` / `index_victim` write a record's NameRecord and its blocking
keys (dalil.names.parts.Part.keys); `search` looks a query's keys up, keeps the
records that share keys with enough of the query's parts, and scores only those.
"""

import hashlib
import json
from dataclasses import dataclass

from django.db import transaction

from dalil.names.compare import NameMatch, compare_names
from dalil.names.models import NameKey, NameRecord
from dalil.names.parts import Part, split_name

REPORT_ROLES = ("first", "father", "grandfather", "family", "mother")
CANDIDATES = 400  # records scored per query at most, those sharing keys with the most query parts first


def report_parts(report) -> list[tuple[str, str]]:
    """[[role, text]] of a report: each name field in Arabic, then in Latin script."""
    out = []
    for script in ("ar", "latin"):
        for role in REPORT_ROLES:
            value = (getattr(report, f"{role}_name_{script}") or "").strip()
            if value:
                out.append((role, value))
    return out


def positional_parts(full_name: str) -> list[tuple[str, str]]:
    """A whole name from a list, its parts given roles by position: first, father, grandfather, ..., family."""
    parts = split_name(full_name)
    roles = {1: ["first"], 2: ["first", "family"], 3: ["first", "father", "family"]}.get(
        len(parts), ["first", "father", "grandfather"] + [""] * max(0, len(parts) - 4) + ["family"])
    return [(role, p.text) for role, p in zip(roles, parts)]


def record_parts(record: NameRecord) -> list[Part]:
    """The record's parts as compared (a report's fields may hold several parts each: 'عبد الرحمن')."""
    out = []
    for role, text in record.parts:
        out.extend(split_name(text, role))
    return out


def _source(report) -> str:
    if hasattr(report, "pfif_record") and report.pfif_record.origin == "imported":
        return NameRecord.Source.PFIF
    if hasattr(report, "table_row"):
        return NameRecord.Source.TABLE
    return NameRecord.Source.PORTAL


def _write(lookup: dict, source: str, display: str, parts: list[tuple[str, str]]) -> NameRecord | None:
    digest = hashlib.sha256(json.dumps([source, display, parts], ensure_ascii=False).encode()).hexdigest()
    record = NameRecord.objects.filter(**lookup).first()
    if record and record.digest == digest:
        return record
    with transaction.atomic():
        if not parts:
            if record:
                record.delete()
            return None
        record = record or NameRecord(**lookup)
        record.source, record.display, record.parts, record.digest = source, display[:400], parts, digest
        record.save()
        record.keys.all().delete()
        keys = []
        for i, part in enumerate(p for _role, text in parts for p in split_name(text)):
            keys += [NameKey(record=record, part=i, key=k) for k in sorted(part.keys())]
        NameKey.objects.bulk_create(keys)
    return record


def index_report(report) -> NameRecord | None:
    parts = report_parts(report)
    display = " / ".join(n for n in (report.full_name_ar(), report.full_name_latin()) if n)
    return _write({"report": report}, _source(report), display, parts)


def index_victim(entry) -> NameRecord | None:
    return _write({"victim": entry}, NameRecord.Source.VICTIMS, entry.full_name, positional_parts(entry.full_name))


def reindex_all() -> dict:
    """Index every report and victim-list entry (after an upgrade, or to repair): counts."""
    from dalil.exchange.models import VictimListEntry
    from dalil.identification.models import MissingPersonReport

    counts = {"reports": 0, "victims": 0}
    for report in MissingPersonReport.objects.select_related("pfif_record").iterator():
        counts["reports"] += bool(index_report(report))
    for entry in VictimListEntry.objects.iterator():
        counts["victims"] += bool(index_victim(entry))
    return counts


@dataclass
class Hit:
    record: NameRecord
    match: NameMatch


def candidate_ids(query: list[Part], min_parts: int | None = None, sources=None, limit: int = CANDIDATES) -> list[int]:
    """Records sharing blocking keys with at least `min_parts` of the query's parts, most parts first.

    Parts with a role count once per role: a report's first name in Arabic and in Latin letters is one part."""
    slots: dict[str, set[str]] = {}
    for i, part in enumerate(query):
        slots.setdefault(part.role or str(i), set()).update(part.keys())
    hits: dict[int, int] = {}
    for keys in slots.values():
        if not keys:
            continue
        rows = NameKey.objects.filter(key__in=keys)
        if sources:
            rows = rows.filter(record__source__in=sources)
        for record_id in set(rows.values_list("record_id", flat=True)):
            hits[record_id] = hits.get(record_id, 0) + 1
    need = min_parts if min_parts is not None else min(2, len(slots))
    ranked = sorted((rid for rid, n in hits.items() if n >= need), key=lambda rid: (-hits[rid], rid))
    return ranked[:limit]


def search(text: str, limit: int = 20, sources=None, min_score: float = 60.0) -> list[Hit]:
    """Records whose names match the query in either script, best first, each with its reasons."""
    query = split_name(text)
    if not query:
        return []
    records = NameRecord.objects.filter(pk__in=candidate_ids(query, sources=sources)).select_related("report",
                                                                                                       "victim")
    hits = []
    for record in records:
        match = compare_names(query, record_parts(record))
        if match.score >= min_score:
            hits.append(Hit(record, match))
    hits.sort(key=lambda h: (-h.match.score, h.record.pk))
    return hits[:limit]
