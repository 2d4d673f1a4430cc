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
    if not results:
        return
    collection = acquisition.collection.name
    with transaction.atomic():
        shas = {r.sha256 for r in results if r.sha256}
        known = set(Item.objects.filter(sha256__in=shas).values_list("sha256", flat=True))
        have_photo = set(Photo.objects.filter(item__sha256__in=shas).values_list("item__sha256", flat=True))
        events = []
        for result in results:
            entry = result.entry
            item = None
            if result.sha256:
                if result.sha256 in known:
                    summary.duplicates += 1
                item = item_for(result)
                known.add(result.sha256)
            warnings = list(result.warnings)
            if result.photo:
                # Read for every sighting, so its warnings never depend on which copy came first.
                values, source, found = numbers.read_numbers(entry.path, pattern, sidecar)
                warnings += found
                if result.sha256 not in have_photo:
                    _create_photo(item, result, values, source)
                    have_photo.add(result.sha256)
            Sighting.objects.create(
                acquisition=acquisition, item=item, path=entry.path,
                raw_path_b64=_b64(entry.raw_path), size=result.size if result.sha256 else entry.size,
                modified_at=_when(entry.mtime), outcome=result.outcome, problem_code=result.problem_code,
                problem=result.problem, warnings=warnings,
            )
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
                {"source": acquisition.source, "path": entry.path, "size": result.size, "outcome": result.outcome,
                 **({"problem": result.problem_code} if result.problem_code else {}),
                 **({"complete": False} if not result.complete else {})},
            ))
        custody.append(events)


def _create_photo(item: Item, result: Result, values: dict, source: dict) -> None:
    facts = dict(result.photo)
    captured = facts.pop("captured_at")
    Photo.objects.create(
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
