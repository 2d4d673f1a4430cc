"""Ingest: walk a source, run the per-file work in parallel, record results in batches.

Each batch (items, photos, sightings and their custody rows) is one
transaction, written only after its bytes are safely in the store. A run
killed at any moment therefore leaves only whole batches behind, and the next
run skips the entries already recorded (by their raw path bytes and zip member
index, never by the path as shown) and finishes the rest: the end state is the
same as one uninterrupted run, and the next run names the interrupted runs it
finished (see dalil.ingest.runs).
"""

import os
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from dalil.archive import grouping, near_duplicates
from dalil.evidence import custody
from dalil.evidence.models import Acquisition, Collection, CustodyEvent, Item, Sighting, legacy_sighting_key
from dalil.evidence.store import derivatives, originals
from dalil.ingest import numbers, reapply, runs, sources
from dalil.ingest.models import IngestRun
from dalil.ingest.process import Config, Result, process_entry, worker_init
from dalil.ingest.record import record_batch

BATCH_FILES = 64
BATCH_SECONDS = 2.0


class IngestError(Exception):
    """The run cannot start; nothing was recorded. The message says what to fix."""


@dataclass
class Options:
    collection: str
    received_from: str = ""
    medium: str = ""
    pattern: str | None = None
    sidecar: Path | None = None
    workers: int = 0  # 0: as many as there are CPUs
    actor: str = ""


@dataclass
class Summary:
    collection: str = ""
    source: str = ""
    kind: str = ""
    files: int = 0  # entries found in the source
    already_recorded: int = 0  # skipped: recorded by an earlier (maybe interrupted) run
    ingested: int = 0  # photos
    preserved: int = 0  # kept and hashed, not photos (e.g. a HEIC here, a sidecar)
    duplicates: int = 0  # exact: bytes already in the store
    near_duplicates: int = 0  # new pairs linked for review
    cases: int = 0  # new body cases grouped from the photos
    faces: int = 0  # faces found in new photos (when face search is installed, unless DALIL_FACES=0)
    authenticity_flagged: int = 0  # photos of the collection with an authenticity flag (unless DALIL_AUTHENTICITY=0)
    quarantined: int = 0
    quarantined_total: int = 0  # in this source, over all runs
    bytes: int = 0
    seconds: float = 0.0
    finished_interrupted: list = field(default_factory=list)  # ids of the interrupted runs whose work this finished
    unrecorded_in_store: int = 0  # originals nothing records (counted after finishing an interrupted run)
    numbers_read: int = 0  # photo sightings whose numbers were read from --pattern / --sidecar (new files only)
    pattern_matched: int = 0  # of those, how many --pattern gave a number to (0 with photos read: a warning)
    sidecar_matched: int = 0  # of those, how many a --sidecar row gave a number to (0 with photos read: a warning)
    problems: list = field(default_factory=list)  # the first few, for the closing summary
    notes: list = field(default_factory=list)
    # Pixel decodes: by the per-item work (one per photo, shared by every stage) and by the faces stage reading
    # originals back (only photos the per-item work did not scan: 0 in a run with face search on throughout).
    decodes: dict = field(default_factory=lambda: {"per_item": 0, "faces_stage": 0})

    def as_dict(self) -> dict:
        return asdict(self)


def ingest(source: str | Path, options: Options, progress: Callable | None = None) -> Summary:
    started = time.monotonic()
    given = Path(source).expanduser()
    if not given.exists() and not given.is_symlink():
        raise IngestError(f"{given}: no such file or folder")
    try:
        source = sources.check_source(given)
    except sources.OddSource as exc:
        _refuse(given, options, str(exc))
        raise IngestError(str(exc)) from None
    kind = sources.detect_kind(source)
    pattern, sidecar = _prepare_numbers(options)
    details = {}
    if kind == "bagit":
        try:
            details = sources.validate_bag(source, processes=_workers(options))
        except sources.SourceRefused as exc:
            _refuse(source, options, str(exc))
            raise IngestError(str(exc)) from None
    runs.mark_interrupted()
    run = IngestRun.objects.create(source=str(source), actor=options.actor, options=_jsonable_options(options),
                                   worker=runs.this_worker())
    try:
        summary = _ingest(source, kind, details, options, pattern, sidecar, run, progress)
    except BaseException as exc:  # including Ctrl-C: the row must not say "running" for ever
        runs.stop(run, f"interrupted: {type(exc).__name__}: {exc}; the next run of the same source finishes its work")
        raise
    summary.seconds = round(time.monotonic() - started, 3)
    run.status, run.summary, run.finished_at = IngestRun.Status.FINISHED, summary.as_dict(), timezone.now()
    run.save()
    return summary


def _ingest(source: Path, kind: str, details: dict, options: Options, pattern, sidecar, run: IngestRun,
            progress: Callable | None) -> Summary:
    config = Config.from_settings()
    for store in (originals(), derivatives()):
        store.sweep_incoming()
    limits = _ZipLimits.from_settings()
    summary = Summary(collection=options.collection, source=str(source), kind=kind)
    summary.finished_interrupted = [r.pk for r in runs.unfinished_before(run)]

    container = process_entry(sources.Entry(source.name, ("file", os.fsencode(source))), config, "document") \
        if kind == "zip" else None
    acquisition = _acquire(source, kind, options, details, container)
    run.acquisition = acquisition
    run.save(update_fields=["acquisition"])
    if sidecar is not None and not sidecar.path.is_relative_to(source):
        _preserve_sidecar(sidecar.path, options, config)

    todo = _not_yet_recorded(sources.scan(source, kind, limits), acquisition, summary)
    sidecar_path = str(sidecar.path) if sidecar else None
    if progress:
        progress("start", files=len(todo), bytes=sum(e.size or 0 for e in todo))

    pending: list[Result] = []
    faces = _faces_summary(config)
    last_flush = time.monotonic()
    for result in _run(todo, config, options, sidecar_path):
        pending.append(result)
        if progress:
            progress("file", bytes=result.size)
        if len(pending) >= BATCH_FILES or time.monotonic() - last_flush > BATCH_SECONDS:
            _record(pending, acquisition, options, pattern, sidecar, summary, faces)
            pending, last_flush = [], time.monotonic()
    _record(pending, acquisition, options, pattern, sidecar, summary, faces)
    summary.near_duplicates = near_duplicates.link_unchecked()
    summary.cases = grouping.group_photos(options.collection, actor=options.actor or "ingest").cases_created
    summary.faces = _scan_faces(options, faces, summary)  # after grouping: reports' candidates refreshed per case
    summary.authenticity_flagged = _check_authenticity(options)

    summary.quarantined_total = acquisition.sightings.filter(outcome=Sighting.Outcome.QUARANTINED).count()
    summary.notes += reapply.notes_on_numbers(summary, options, acquisition, run)
    if summary.finished_interrupted:
        _note_unrecorded_objects(summary)
    return summary


def _not_yet_recorded(entries, acquisition: Acquisition, summary: Summary) -> list:
    """The entries of the source with no sighting yet, matched by key (raw path bytes and member index)."""
    done = set(Sighting.objects.filter(acquisition=acquisition).values_list("key", flat=True))
    claimed = set()
    todo = []
    for entry in entries:
        summary.files += 1
        if entry.key in done:
            summary.already_recorded += 1
            continue
        if entry.index is not None:
            # A zip sighting recorded before member indexes were kept: matched once, by the path as shown.
            legacy = legacy_sighting_key(entry.path)
            if legacy in done and legacy not in claimed:
                claimed.add(legacy)
                summary.already_recorded += 1
                continue
        todo.append(entry)
    return todo


def _note_unrecorded_objects(summary: Summary) -> None:
    """After finishing a crashed run: say whether the store still holds originals nothing records."""
    recorded = set(Item.objects.values_list("sha256", flat=True))
    unrecorded = sorted(sha for sha in originals().shas() if sha not in recorded)
    summary.unrecorded_in_store = len(unrecorded)
    if unrecorded:
        summary.notes.append(
            f"{len(unrecorded):,} stored file(s) have no record in the database (e.g. {unrecorded[0]}), left by a "
            "crashed run of another source: ingest that source again to record them; `dalil verify` lists them all")


def _refuse(source: Path, options: Options, reason: str) -> None:
    IngestRun.objects.create(source=str(source), actor=options.actor, status=IngestRun.Status.REFUSED,
                             worker=runs.this_worker(), summary={"reason": reason}, finished_at=timezone.now())


def _faces_summary(config: Config):
    """The faces stage's counts for this run, when face search is installed and not turned off, else None."""
    if not config.faces:
        return None
    from dalil.faces.stage import StageSummary

    return StageSummary()


def _record(results: list[Result], acquisition: Acquisition, options: Options, pattern, sidecar, summary: Summary,
            faces) -> None:
    """A batch of results, then the faces the per-item work found in its new photos (read from the same pixels)."""
    record_batch(results, acquisition, options, pattern, sidecar, summary)
    summary.decodes["per_item"] += sum(r.decodes for r in results)
    scans = {r.sha256: r.faces for r in results if r.faces is not None and r.photo and r.sha256}
    if faces is not None and scans:
        from dalil.faces.stage import record_scanned

        record_scanned(scans, faces)


def _check_authenticity(options: Options) -> int:
    """The authenticity stage on the photos not examined yet (a higher app: imported here only, when on)."""
    from django.conf import settings

    if not settings.AUTHENTICITY_ENABLED:
        return 0
    from dalil.authenticity.stage import check_photos

    return check_photos(options.collection).flagged


def _scan_faces(options: Options, faces, summary: Summary) -> int:
    """Faces found by the per-item work, plus a scan of any photo still not scanned (read back from the store)."""
    if faces is None:
        return 0
    from dalil.faces.stage import index_faces

    index_faces(workers=_workers(options), summary=faces)
    summary.decodes["faces_stage"] = faces.decodes
    return faces.faces


def _run(todo, config: Config, options: Options, sidecar_path: str | None):
    """Results in completion order; the per-file work runs in worker processes."""
    workers = _workers(options)
    if workers <= 1 or len(todo) < 2:
        for entry in todo:
            yield process_entry(entry, config, _role(entry, sidecar_path))
        return
    # spawn, not fork: a forked child must never inherit (and on exit, unlock) the parent's SQLite handle.
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=worker_init) as pool:
        window = workers * 4
        queue = iter(todo)
        running = set()
        for entry in queue:
            running.add(pool.submit(process_entry, entry, config, _role(entry, sidecar_path)))
            if len(running) >= window:
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    yield future.result()
        for future in list(running):
            yield future.result()


def _role(entry: sources.Entry, sidecar_path: str | None) -> str:
    if entry.ref[0] == "file" and sidecar_path and os.fsdecode(entry.ref[1]) == sidecar_path:
        return "document"
    return "photo"


def _workers(options: Options) -> int:
    return options.workers if options.workers > 0 else (os.cpu_count() or 1)


def _prepare_numbers(options: Options):
    try:
        pattern = numbers.compile_pattern(options.pattern)
        sidecar = None
        if options.sidecar:
            path = Path(options.sidecar).expanduser().resolve()
            if not path.is_file():
                raise IngestError(f"sidecar {options.sidecar}: no such file")
            sidecar = numbers.Sidecar.load(path)
    except numbers.NumbersError as exc:
        raise IngestError(str(exc)) from None
    return pattern, sidecar


def _acquire(source: Path, kind: str, options: Options, details: dict, container: Result | None) -> Acquisition:
    """The acquisition row for this source, made once with its custody row in one transaction."""
    with transaction.atomic():
        collection, _ = Collection.objects.get_or_create(name=options.collection)
        acquisition = Acquisition.objects.filter(collection=collection, source=str(source)).first()
        if acquisition:
            return acquisition
        container_item = None
        if container is not None and container.sha256:
            from dalil.ingest.record import item_for

            container_item = item_for(container)
        acquisition = Acquisition.objects.create(
            collection=collection, source=str(source), kind=kind, received_from=options.received_from,
            medium=options.medium, container=container_item, details=details,
        )
        custody.record(
            CustodyEvent.Action.ACQUIRED, actor=options.actor, collection=collection.name,
            item_sha256=container_item.sha256 if container_item else "",
            details={"source": str(source), "kind": kind, "received_from": options.received_from,
                     "medium": options.medium, **({"bag_info": details.get("bag_info")} if details else {})},
        )
        return acquisition


def _preserve_sidecar(path: Path, options: Options, config: Config) -> None:
    """A sidecar handed over beside the photos is evidence too: kept as its own one-file source."""
    sidecar_options = Options(options.collection, options.received_from, options.medium, actor=options.actor)
    acquisition = _acquire(path, Acquisition.Kind.FILE, sidecar_options, {}, None)
    if not acquisition.sightings.exists():
        entry = next(sources.scan(path, "file", None))
        record_batch([process_entry(entry, config, "document")], acquisition, sidecar_options, None, None, Summary())


def _jsonable_options(options: Options) -> dict:
    data = asdict(options)
    data["sidecar"] = str(options.sidecar) if options.sidecar else None
    return data


@dataclass(frozen=True)
class _ZipLimits:
    max_zip_entry_bytes: int
    max_zip_ratio: int
    max_zip_total_bytes: int
    max_zip_total_ratio: int

    @classmethod
    def from_settings(cls):
        from django.conf import settings

        return cls(settings.MAX_ZIP_ENTRY_BYTES, settings.MAX_ZIP_RATIO, settings.MAX_ZIP_TOTAL_BYTES,
                   settings.MAX_ZIP_TOTAL_RATIO)
