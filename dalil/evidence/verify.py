"""Re-checking everything an instance holds: bytes, store, custody chain, anchors and seals.

Written against an insider who can edit the database (triggers dropped): every
finding names the stored file, custody row, seal or anchor line, and none of
them relies on the database alone.
- stored files: each re-hashed (in parallel threads: hashlib releases the GIL)
  and its byte count compared with the size on record; objects in the store
  the database does not know (stray) and records whose object is gone (missing);
  stored files with no custody row, and custody rows naming files not on record;
- custody log: every link of the chain, then the chain against the anchors
  written outside the database after each append (anchors.py), which catches
  deleted newest rows, rows added behind dalil's back and a rewritten chain;
- seals: signature, root and files; the key compared with the instance's own;
  each seal against its "sealed" custody row (a deleted, added or re-signed
  seal) and against the custody head it signed.
"""

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings

from dalil.evidence import anchors, custody, keys, seals
from dalil.evidence.models import Acquisition, Collection, CustodyEvent, Item, Seal, Sighting
from dalil.evidence.store import CHUNK, StoreError, originals

MAX_NAMED = 50  # per kind of finding: a store with 10,000 stray files is one problem, said fifty times plus a count


class NotAnInstance(seals.SealError):
    pass


@dataclass
class Report:
    collection: str = ""
    home: str = ""
    items_checked: int = 0
    bytes_checked: int = 0
    store_objects: int = 0
    custody_rows: int = 0
    seals_checked: int = 0
    anchor_files: list[str] = field(default_factory=list)
    anchors_checked: int = 0
    key_fingerprint: str = ""
    problems: list[str] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)  # the problems, each with the check that found it
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, check: str, messages: list[str]) -> None:
        shown = messages[:MAX_NAMED]
        if len(messages) > MAX_NAMED:
            shown.append(f"… and {len(messages) - MAX_NAMED} more of the same kind ({check})")
        self.problems += shown
        self.findings += [{"check": check, "message": m} for m in shown]

    def as_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}


def verify(collection_name: str | None = None, workers: int = 4, actor: str = "",
           anchor_files: list[str | Path] | None = None) -> Report:
    """Check the instance (or one collection's files and seals; the chain and anchors are always whole).

    ANCHOR_FILES: copies of the anchor file kept elsewhere, compared as well as the instance's own.
    """
    report = Report(collection=collection_name or "", home=str(settings.HOME))
    store = originals()
    stored = set(store.shas())  # listed before the database is read: an object stored meanwhile is not stray
    anchor_paths = [anchors.anchor_path(), *(Path(p) for p in anchor_files or [])]
    lines, unreadable = [], []
    for path in dict.fromkeys(anchor_paths):
        found, bad = anchors.read(path)
        lines += found
        unreadable += bad
        if found or bad:
            report.anchor_files.append(str(path))
    _refuse_outside_an_instance(stored, lines, collection_name)

    items, seal_rows = Item.objects.all(), Seal.objects.all()
    if collection_name:
        collection = Collection.objects.filter(name=collection_name).first()
        if collection is None:
            raise seals.SealError(f"there is no collection named {collection_name!r} in the instance at "
                                  f"{settings.HOME}")
        items = Item.objects.filter(sha256__in=seals.collection_shas(collection))
        seal_rows = seal_rows.filter(collection=collection_name)
    records = list(seal_rows.order_by("sealed_at", "pk"))
    public_raw = keys.instance_public_raw()
    report.key_fingerprint = keys.fingerprint(public_raw) if public_raw else ""

    # The custody log, then what anchors and seals say about it.
    heads = {r.custody_rows for r in records if r.custody_rows} | {a.rows for a in lines}
    chain = custody.walk(heads)
    report.custody_rows = chain.rows
    report.add("custody", chain.problems)
    report.anchors_checked = len(lines)
    report.add("anchors", unreadable + anchors.compare(lines, chain.hashes, chain.last_seq, public_raw))
    _note_anchor_coverage(report, lines, chain.last_seq)

    for record in records:
        report.seals_checked += 1
        report.add("seals", seals.check_seal(record))
    report.add("seals", seals.check_against_instance(records, public_raw, chain.hashes, chain.last_seq,
                                                     collection_name))

    rows = list(items.values_list("sha256", "size"))
    _check_stored_files(report, store, rows, workers)
    _check_store_and_log(report, stored, {sha for sha, _ in rows})
    _note_unsealed(report, records, rows, collection_name)

    custody.record(CustodyEvent.Action.VERIFIED, actor=actor, collection=collection_name or "",
                   details={"ok": report.ok, "items_checked": report.items_checked,
                            "problems": len(report.problems), "first_problems": report.problems[:5],
                            "anchors_checked": report.anchors_checked})
    return report


def _refuse_outside_an_instance(stored: set, lines: list, collection_name: str | None) -> None:
    """An empty DALIL_HOME (a typo, an unset variable) must not be reported as an archive that verifies."""
    if stored or lines or Item.objects.exists() or CustodyEvent.objects.exists() or Seal.objects.exists() \
            or Collection.objects.exists():
        return
    raise NotAnInstance(
        f"nothing to verify: DALIL_HOME={settings.HOME} (database {settings.DATABASES['default']['NAME']}) holds "
        "no stored file, custody row, "
        "seal or anchor. This is not an instance, or not the one you meant: set DALIL_HOME (and "
        "DALIL_DATABASE_URL, if the instance uses one) to the instance's and run `dalil verify` again.")


def _hash_and_size(store, sha: str) -> tuple[str, int]:
    hasher, size = hashlib.sha256(), 0
    with store.open(sha) as f:
        while chunk := f.read(CHUNK):
            hasher.update(chunk)
            size += len(chunk)
    return hasher.hexdigest(), size


def _check_stored_files(report: Report, store, rows: list[tuple[str, int]], workers: int) -> None:
    def check(row):
        sha, size = row
        try:
            return sha, size, *_hash_and_size(store, sha)
        except StoreError:
            return sha, size, None, 0

    missing, changed, resized = [], [], []
    with ThreadPoolExecutor(max(1, workers)) as pool:
        for sha, size, actual, actual_size in pool.map(check, rows):
            report.items_checked += 1
            if actual is None:
                missing.append(f"stored file {sha} ({_where(sha)}) is missing from the store")
            elif actual != sha:
                changed.append(f"stored file {sha} ({_where(sha)}) has changed: its bytes now hash to {actual}")
            else:
                report.bytes_checked += actual_size
                if actual_size != size:
                    resized.append(f"stored file {sha} ({_where(sha)}) is recorded as {size:,} bytes but holds "
                                   f"{actual_size:,}: its size was edited in the database")
    report.add("stored files", missing)
    report.add("stored files", changed)
    report.add("sizes", resized)


def _check_store_and_log(report: Report, stored: set, in_scope: set) -> None:
    """Stray store objects, and the stored files and custody rows that should name each other."""
    report.store_objects = len(stored)
    recorded = set(Item.objects.values_list("sha256", flat=True))
    stray = sorted(stored - recorded)
    report.add("store", [f"file {sha} is in the store but recorded nowhere in the database: its record was deleted, "
                         "or an ingest stopped before recording it (run that ingest again)" for sha in stray])
    logged = set(CustodyEvent.objects.exclude(item_sha256="").values_list("item_sha256", flat=True).distinct())
    report.add("custody", [f"stored file {sha} ({_where(sha)}) has no row in the custody log: its rows were deleted "
                           "or it was recorded behind dalil's back" for sha in sorted(in_scope - logged)])
    unknown = logged - recorded
    if unknown:
        named = CustodyEvent.objects.filter(item_sha256__in=sorted(unknown)[:MAX_NAMED]).order_by("seq")
        first_row = {}
        for seq, sha in named.values_list("seq", "item_sha256"):
            first_row.setdefault(sha, seq)
        report.add("custody", [f"custody row #{first_row.get(sha, '?')} names file {sha}, which is no longer on "
                               "record in the database: its record was deleted" for sha in sorted(unknown)])


def _note_anchor_coverage(report: Report, lines: list, last_seq: int) -> None:
    path = anchors.anchor_path()
    if not lines:
        if last_seq:
            report.notes.append(f"no custody anchors found at {path}: deleted newest custody rows and a rewritten "
                                "log cannot be detected without them (dalil writes one after every custody "
                                "append from now on; if the file is kept elsewhere, give it with --anchors)")
        return
    first = min(a.first for a in lines)
    if first > 1:
        report.notes.append(f"custody rows #1-#{first - 1} were written before anchoring began: only the chain "
                            "and the seals vouch for them")


def _note_unsealed(report: Report, records: list[Seal], rows: list, collection_name: str | None) -> None:
    if not collection_name:
        return
    if records:
        latest = max(records, key=lambda r: (r.sealed_at, r.pk))
        unsealed = len({r[0] for r in rows} - set(latest.leaves.split("\n")))
        if unsealed:
            report.notes.append(f"{unsealed} file(s) were stored after the last seal: run `dalil seal` again")
    elif not CustodyEvent.objects.filter(action=CustodyEvent.Action.SEALED, collection=collection_name).exists():
        report.notes.append("this collection has never been sealed: run `dalil seal --collection NAME`")


def _where(sha: str) -> str:
    sighting = Sighting.objects.filter(item__sha256=sha).select_related("acquisition").first()
    if sighting:
        return f"first seen at {sighting.path} in {sighting.acquisition.source}"
    zipped = Acquisition.objects.filter(container__sha256=sha).first()
    return f"the zip {zipped.source}" if zipped else "seen nowhere on record"
