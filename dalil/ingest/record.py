"""Writing a batch of per-file results to the database, all or nothing."""

import datetime

from django.db import transaction

from dalil.archive.models import Photo
from dalil.evidence import custody
from dalil.evidence.models import Acquisition, CustodyEvent, Item, Sighting
from dalil.ingest import numbers
from dalil.ingest.process import Result

MAX_PROBLEMS_SHOWN = 10


def item_for(result: Result) -> Item:
    item, _ = Item.objects.get_or_create(
        sha256=result.sha256,
        defaults={"size": result.size, "media_type": result.media_type, "complete": result.complete},
    )
    return item


def record_batch(results: list[Result], acquisition: Acquisition, options, pattern, sidecar, summary) -> None:
    """Record results as items, photos, sightings and custody rows: one transaction, a few bulk inserts."""
    if not results:
        return
    collection = acquisition.collection.name
    with transaction.atomic():
        shas = {r.sha256 for r in results if r.sha256}
        items = {i.sha256: i for i in Item.objects.filter(sha256__in=shas)}
        new_items = {}
        for r in results:
            if r.sha256 and r.sha256 not in items and r.sha256 not in new_items:
                new_items[r.sha256] = Item(sha256=r.sha256, size=r.size, media_type=r.media_type, complete=r.complete)
        # ignore_conflicts: another ingest may have stored the same bytes a moment ago; fetch them back below.
        Item.objects.bulk_create(new_items.values(), ignore_conflicts=True)
        if new_items:
            items.update({i.sha256: i for i in Item.objects.filter(sha256__in=new_items)})
        have_photo = set(Photo.objects.filter(item__sha256__in=shas).values_list("item__sha256", flat=True))
        photos, sightings, events = [], [], []
        seen = set(shas - set(new_items))  # bytes stored before this batch
        for result in results:
            entry = result.entry
            item = items.get(result.sha256) if result.sha256 else None
            if item is not None:
                if result.sha256 in seen:
                    summary.duplicates += 1
                seen.add(result.sha256)
            warnings = list(result.warnings)
            if result.photo:
                # Read for every sighting, so its warnings never depend on which copy came first.
                values, source, found = numbers.read_numbers(entry.path, pattern, sidecar)
                warnings += found
                count_matches(summary, source, pattern, sidecar)
                if result.sha256 not in have_photo:
                    photos.append(_photo(item, result, values, source))
                    have_photo.add(result.sha256)
            sightings.append(Sighting(
                acquisition=acquisition, item=item, key=entry.key, member_index=entry.index, path=entry.path,
                raw_path_b64=_b64(entry.raw_path), size=result.size if result.sha256 else entry.size,
                modified_at=_when(entry.mtime), outcome=result.outcome, problem_code=result.problem_code,
                problem=result.problem, warnings=warnings,
            ))
            summary.bytes += result.size
            if result.outcome == Sighting.Outcome.QUARANTINED:
                summary.quarantined += 1
                if len(summary.problems) < MAX_PROBLEMS_SHOWN:
                    summary.problems.append(f"{entry.path}: {result.problem}")
                action = CustodyEvent.Action.QUARANTINED
            else:
                if result.outcome == Sighting.Outcome.INGESTED:
                    summary.ingested += 1
                else:
                    summary.preserved += 1
                action = CustodyEvent.Action.INGESTED
            events.append(custody.Event(
                action, options.actor, collection, result.sha256 or "",
                {"source": acquisition.source, "path": entry.path,
                 **({"raw_path_b64": _b64(entry.raw_path)} if entry.raw_path else {}),
                 **({"member_index": entry.index} if entry.index is not None else {}),
                 "size": result.size, "outcome": result.outcome,
                 **({"problem": result.problem_code} if result.problem_code else {}),
                 **({"complete": False} if not result.complete else {})},
            ))
        Photo.objects.bulk_create(photos, ignore_conflicts=True)
        Sighting.objects.bulk_create(sightings)
        custody.append(events)


def count_matches(summary, source: dict, pattern, sidecar) -> None:
    """Count the photos whose numbers were read, and those the pattern and the sidecar gave numbers to: a
    pattern or sidecar that gives none is a mistake to report, not a quiet run without cases."""
    summary.numbers_read += 1
    if pattern is not None and "path" in source.values():
        summary.pattern_matched += 1
    if sidecar is not None and ("conflicts" in source or any(str(v).startswith("sidecar") for v in source.values())):
        summary.sidecar_matched += 1


def _photo(item: Item, result: Result, values: dict, source: dict) -> Photo:
    facts = dict(result.photo)
    captured = facts.pop("captured_at")
    return Photo(
        item=item,
        captured_at=datetime.datetime.fromisoformat(captured).replace(tzinfo=datetime.timezone.utc) if captured else None,
        **facts,
        branch=values.get("branch") or "",
        detainee_no=values.get("detainee_no") or "",
        exam_no=values.get("exam_no") or "",
        photo_date=values.get("photo_date"),
        sequence=values.get("sequence"),
        numbers_source=source,
    )


def _b64(raw: bytes | None) -> str:
    import base64

    return base64.b64encode(raw).decode() if raw else ""


def _when(mtime: float | None):
    if mtime is None:
        return None
    try:
        return datetime.datetime.fromtimestamp(mtime, datetime.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
