"""Ingest: walk a source, run the per-file work in parallel, record results in batches.

Each batch (items, photos, sightings and their custody rows) is one
transaction, written only after its bytes are safely in the store. A run
killed at any moment therefore leaves only whole batches behind, and the next
run skips the paths already recorded and finishes the rest: the end state is
the same as one uninterrupted run.
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
from dalil.evidence.models import Acquisition, Collection, CustodyEvent, Sighting
from dalil.evidence.store import derivatives, originals
from dalil.ingest import numbers, sources
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
    quarantined: int = 0
    quarantined_total: int = 0  # in this source, over all runs
    bytes: int = 0
    seconds: float = 0.0
    problems: list = field(default_factory=list)  # the first few, for the closing summary

    def as_dict(self) -> dict:
        return asdict(self)


def ingest(source: str | Path, options: Options, progress: Callable | None = None) -> Summary:
    started = time.monotonic()
    source = Path(source).expanduser()
    if not source.exists() and not source.is_symlink():
        raise IngestError(f"{source}: no such file or folder")
    source = source.resolve()
    kind = sources.detect_kind(source)
    pattern, sidecar = _prepare_numbers(options)
    details = {}
    if kind == "bagit":
        try:
            details = sources.validate_bag(source, processes=_workers(options))
        except sources.SourceRefused as exc:
            IngestRun.objects.create(source=str(source), actor=options.actor, status=IngestRun.Status.REFUSED,
                                     summary={"reason": str(exc)}, finished_at=timezone.now())
            raise IngestError(str(exc)) from None
    config = Config.from_settings()
    for store in (originals(), derivatives()):
        store.sweep_incoming()
    limits = _ZipLimits.from_settings()
    summary = Summary(collection=options.collection, source=str(source), kind=kind)

    container = process_entry(sources.Entry(source.name, ("file", os.fsencode(source))), config, "document") \
        if kind == "zip" else None
    acquisition = _acquire(source, kind, options, details, container)
    run = IngestRun.objects.create(acquisition=acquisition, source=str(source), actor=options.actor,
                                   options=_jsonable_options(options))
    if sidecar is not None and not sidecar.path.is_relative_to(source):
        _preserve_sidecar(sidecar.path, options, config)

    done = set(Sighting.objects.filter(acquisition=acquisition).values_list("path", flat=True))
    todo = []
    for entry in sources.scan(source, kind, limits):
        summary.files += 1
        if entry.path in done:
            summary.already_recorded += 1
        else:
            todo.append(entry)
    sidecar_path = str(sidecar.path) if sidecar else None
    if progress:
        progress("start", files=len(todo), bytes=sum(e.size or 0 for e in todo))

    pending: list[Result] = []
    last_flush = time.monotonic()
    for result in _run(todo, config, options, sidecar_path):
        pending.append(result)
        if progress:
            progress("file", bytes=result.size)
        if len(pending) >= BATCH_FILES or time.monotonic() - last_flush > BATCH_SECONDS:
            record_batch(pending, acquisition, options, pattern, sidecar, summary)
            pending, last_flush = [], time.monotonic()
    record_batch(pending, acquisition, options, pattern, sidecar, summary)
    summary.near_duplicates = near_duplicates.link_unchecked()
    summary.cases = grouping.group_photos(options.collection, actor=options.actor or "ingest").cases_created
    summary.faces = _scan_faces(options)  # after grouping: reports' face candidates are refreshed per case

    summary.quarantined_total = acquisition.sightings.filter(outcome=Sighting.Outcome.QUARANTINED).count()
    summary.seconds = round(time.monotonic() - started, 3)
    run.status, run.summary, run.finished_at = IngestRun.Status.FINISHED, summary.as_dict(), timezone.now()
    run.save()
    return summary


def _scan_faces(options: Options) -> int:
    """Scan the photos not scanned yet for faces, when face search is installed and not turned off."""
    from django.conf import settings

    from dalil.faces import backend

    if not settings.FACES_ENABLED or not backend.available():
        return 0
    from dalil.faces.stage import index_faces

    return index_faces(workers=_workers(options)).faces


def _run(todo, config: Config, options: Options, sidecar_path: str | None):
    """Results in completion order; the per-file work runs in worker processes."""
    roles = {entry.path: _role(entry, sidecar_path) for entry in todo}
    workers = _workers(options)
    if workers <= 1 or len(todo) < 2:
        for entry in todo:
            yield process_entry(entry, config, roles[entry.path])
        return
    # spawn, not fork: a forked child must never inherit (and on exit, unlock) the parent's SQLite handle.
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=worker_init) as pool:
        window = workers * 4
        queue = iter(todo)
        running = set()
        for entry in queue:
            running.add(pool.submit(process_entry, entry, config, roles[entry.path]))
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

    @classmethod
    def from_settings(cls):
        from django.conf import settings

        return cls(settings.MAX_ZIP_ENTRY_BYTES, settings.MAX_ZIP_RATIO)
