"""Reading the numbers of photos already stored again, with a corrected --pattern or --sidecar.

Ingest reads a photo's numbers once, when the file is first recorded; running it again skips recorded files.
So a pattern that matched nothing, or a sidecar fixed later, would leave photos without numbers and outside
any case for ever. `dalil numbers reapply` reads every stored photo of a collection again (from the path it was
first seen under, as ingest did), writes the new numbers, logs one custody row per changed photo (before and
after, and which pattern and sidecar gave them), and groups the photos into cases.

A photo already in a case is never moved: its case may carry an analyst's work. When its numbers read now
differ, it is listed for an analyst to decide (correct or split the case on its page).
"""

import hashlib
import shlex
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import Exists, OuterRef

from dalil.archive import grouping
from dalil.archive.models import Photo
from dalil.evidence import custody
from dalil.evidence.models import Collection, CustodyEvent, Sighting
from dalil.ingest import numbers
from dalil.ingest.models import IngestRun

FIRST_SHOWN = 10


@dataclass
class ReapplySummary:
    collection: str = ""
    pattern: str | None = None
    sidecar: str | None = None
    sidecar_sha256: str = ""
    dry_run: bool = False
    photos: int = 0  # stored photos of the collection, each read again
    pattern_matched: int = 0  # photos --pattern gave a number to
    sidecar_matched: int = 0  # photos a --sidecar row gave a number to
    changed: int = 0  # photos given new numbers
    unchanged: int = 0  # numbers read again equal the ones kept
    no_numbers: int = 0  # nothing gave them a number: left as they were
    in_case_differs: int = 0  # already in a case, numbers read now differ: left in place for an analyst
    in_case: list = field(default_factory=list)  # the first few of those
    grouping: dict = field(default_factory=dict)  # what grouping did afterwards (dalil.archive.grouping)
    notes: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def load(pattern_text: str | None, sidecar_path: str | None):
    """The compiled pattern and the loaded sidecar; NumbersError with a sentence to act on."""
    pattern = numbers.compile_pattern(pattern_text)
    sidecar = None
    if sidecar_path:
        path = Path(sidecar_path).expanduser().resolve()
        if not path.is_file():
            raise numbers.NumbersError(f"sidecar {sidecar_path}: no such file")
        sidecar = numbers.Sidecar.load(path)
    return pattern, sidecar


def _stored(photo: Photo) -> dict:
    return {name: getattr(photo, name) for name in numbers.FIELDS}


def _read(values: dict) -> dict:
    """Numbers as a photo stores them: empty text, not None, for the three numbers."""
    return {name: values.get(name) if name in ("photo_date", "sequence") else (values.get(name) or "")
            for name in numbers.FIELDS}


def _first_paths(collection: Collection) -> dict[int, str]:
    """Each photo of the collection, with the path it was first seen under there (the one ingest read)."""
    paths = {}
    rows = (Sighting.objects.filter(acquisition__collection=collection, item__photo__isnull=False)
            .order_by("pk").values_list("item__photo__id", "path"))
    for photo_id, path in rows.iterator():
        paths.setdefault(photo_id, path)
    return paths


def reapply_numbers(collection_name: str, pattern_text: str | None, sidecar_path: str | None, actor: str,
                    dry_run: bool = False) -> ReapplySummary:
    """Read the numbers of every stored photo of the collection again, then group them into cases."""
    pattern, sidecar = load(pattern_text, sidecar_path)
    collection = Collection.objects.get(name=collection_name)
    summary = ReapplySummary(collection=collection_name, pattern=pattern_text,
                             sidecar=str(sidecar.path) if sidecar else None, dry_run=dry_run)
    if sidecar:
        summary.sidecar_sha256 = hashlib.sha256(sidecar.path.read_bytes()).hexdigest()
    events = []
    with transaction.atomic():
        paths = _first_paths(collection)
        changed = []
        seen_here = Sighting.objects.filter(item=OuterRef("item"), acquisition__collection=collection)
        photos = (Photo.objects.select_for_update(of=("self",)).filter(Exists(seen_here)).select_related("item")
                  .only("item__sha256", "case", "numbers_source", *numbers.FIELDS).order_by("pk"))
        for photo in photos:
            summary.photos += 1
            values, source, _warnings = numbers.read_numbers(paths[photo.pk], pattern, sidecar)
            if pattern is not None and "path" in source.values():
                summary.pattern_matched += 1
            if sidecar is not None and ("conflicts" in source or any(str(v).startswith("sidecar")
                                                                    for v in source.values())):
                summary.sidecar_matched += 1
            before, after = _stored(photo), _read(values)
            if not any(values.get(name) is not None for name in numbers.FIELDS):
                summary.no_numbers += 1
            elif after == before:
                summary.unchanged += 1
            elif photo.case_id:
                summary.in_case_differs += 1
                if len(summary.in_case) < FIRST_SHOWN:
                    summary.in_case.append({"photo": photo.item.sha256, "case": photo.case_id, "path": paths[photo.pk],
                                            "kept": _jsonable(before), "read": _jsonable(after)})
            else:
                for name, value in after.items():
                    setattr(photo, name, value)
                photo.numbers_source = source
                changed.append(photo)
                events.append(custody.Event(
                    CustodyEvent.Action.NUMBERS_READ, actor, collection_name, photo.item.sha256,
                    {"path": paths[photo.pk], "before": _jsonable(before), "after": _jsonable(after),
                     "pattern": pattern_text, "sidecar": summary.sidecar, "sidecar_sha256": summary.sidecar_sha256}))
        summary.changed = len(changed)
        Photo.objects.bulk_update(changed, [*numbers.FIELDS, "numbers_source"], batch_size=500)
        if not dry_run:
            custody.append(events)
        summary.grouping = grouping.group_photos(collection_name, actor=actor, dry_run=dry_run).as_dict()
        if dry_run:
            transaction.set_rollback(True)
    if sidecar and not dry_run:
        _keep_sidecar(sidecar.path, collection_name, actor)
    summary.notes = _reapply_notes(summary)
    return summary


def _keep_sidecar(path: Path, collection: str, actor: str) -> None:
    """The sidecar the numbers now come from is evidence too: stored and logged, as ingest keeps its sidecar."""
    from dalil.ingest.pipeline import Options, _preserve_sidecar  # the pipeline names this module: import late
    from dalil.ingest.process import Config

    _preserve_sidecar(path, Options(collection, actor=actor), Config.from_settings())


def _jsonable(values: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}


def _reapply_notes(s: ReapplySummary) -> list[str]:
    notes = []
    if s.pattern and s.photos and not s.pattern_matched:
        notes.append(f"--pattern matched none of the {s.photos:,} photo path(s): no number came from a path")
    if s.sidecar and s.photos and not s.sidecar_matched:
        notes.append(f"no row of {Path(s.sidecar).name} matched any of the {s.photos:,} photo(s) (by file name, "
                     "examination number, or branch and detainee number)")
    if s.in_case_differs:
        notes.append(f"{s.in_case_differs:,} photo(s) already in a case read other numbers now: left in their case "
                     "for an analyst to correct or split (/archive/cases/ID/)")
    return notes


def reapply_command(collection: str, pattern: str | None, sidecar: str | None) -> str:
    """The command line that reads a collection's recorded photos again with these options."""
    return ("dalil numbers reapply --collection " + shlex.quote(collection)
            + (f" --pattern {shlex.quote(pattern)}" if pattern else "")
            + (f" --sidecar {shlex.quote(str(sidecar))}" if sidecar else ""))


def notes_on_numbers(summary, options, acquisition, run: IngestRun) -> list[str]:
    """What an ingest summary must say when its --pattern or --sidecar gave no numbers, or could not be applied
    to files an earlier run recorded: without it, a run reads as fine and leaves every photo outside a case."""
    notes = []
    pattern_failed = bool(options.pattern and summary.numbers_read and not summary.pattern_matched)
    sidecar_failed = bool(options.sidecar and summary.numbers_read and not summary.sidecar_matched)
    fix = reapply_command(options.collection, "…" if pattern_failed else options.pattern,
                          "…" if sidecar_failed else options.sidecar)
    if pattern_failed:
        example = (acquisition.sightings.filter(item__photo__isnull=False).order_by("pk")
                   .values_list("path", flat=True).first())
        notes.append(f"--pattern matched none of the {summary.numbers_read:,} photo path(s) read "
                     f"(e.g. {example!r}): no number came from a path, so these photos are in no case. Fix the "
                     f"pattern (it is searched in each path inside the source), then run `{fix}`: ingesting again "
                     "skips files already recorded")
    if sidecar_failed:
        notes.append(f"no row of the sidecar {Path(options.sidecar).name} matched any of the "
                     f"{summary.numbers_read:,} photo(s) read (by file name, examination number, or branch and "
                     f"detainee number). Fix it, then run `{fix}`")
    if summary.already_recorded and (options.pattern or options.sidecar) and _numbers_options_changed(options, run):
        notes.append(f"{summary.already_recorded:,} file(s) were recorded by an earlier run with another --pattern "
                     f"or --sidecar and keep the numbers read then (ingest reads numbers of new files only): run "
                     f"`{reapply_command(options.collection, options.pattern, options.sidecar)}` to read them "
                     "with these, unless you already have")
    return notes


def _sidecar_key(value) -> str | None:
    return str(Path(value).expanduser().resolve()) if value else None


def _numbers_options_changed(options, run: IngestRun) -> bool:
    earlier = (IngestRun.objects.filter(acquisition=run.acquisition).exclude(pk=run.pk)
               .exclude(status=IngestRun.Status.REFUSED).values_list("options", flat=True))
    mine = (options.pattern or None, _sidecar_key(options.sidecar))
    return any((o.get("pattern") or None, _sidecar_key(o.get("sidecar"))) != mine for o in earlier)
