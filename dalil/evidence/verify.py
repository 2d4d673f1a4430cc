"""Re-checking everything an instance holds: bytes, custody chain and seals.

A flipped bit, a missing file, an edited or removed log row or an altered seal
is reported by name. Stored objects are re-hashed in parallel threads
(hashlib releases the GIL), reading each file once.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

from dalil.evidence import custody, seals
from dalil.evidence.models import Collection, CustodyEvent, Item, Seal, Sighting
from dalil.evidence.store import StoreError, originals


@dataclass
class Report:
    collection: str = ""
    items_checked: int = 0
    bytes_checked: int = 0
    custody_rows: int = 0
    seals_checked: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}


def verify(collection_name: str | None = None, workers: int = 4, actor: str = "") -> Report:
    report = Report(collection=collection_name or "")
    items = Item.objects.all()
    seal_rows = Seal.objects.all()
    if collection_name:
        collection = Collection.objects.filter(name=collection_name).first()
        if collection is None:
            raise seals.SealError(f"there is no collection named {collection_name!r}")
        items = Item.objects.filter(sha256__in=seals.collection_shas(collection))
        seal_rows = seal_rows.filter(collection=collection_name)
    store = originals()
    rows = list(items.values_list("sha256", "size"))

    def check(row):
        sha, size = row
        try:
            actual = store.hash_of_stored(sha)
        except StoreError:
            return sha, size, "missing"
        return sha, size, None if actual == sha else actual

    with ThreadPoolExecutor(max(1, workers)) as pool:
        for sha, size, outcome in pool.map(check, rows):
            report.items_checked += 1
            if outcome is None:
                report.bytes_checked += size
                continue
            where = _where(sha)
            if outcome == "missing":
                report.problems.append(f"stored file {sha} ({where}) is missing from the store")
            else:
                report.problems.append(f"stored file {sha} ({where}) has changed: its bytes now hash to {outcome}")
    report.custody_rows = CustodyEvent.objects.count()
    report.problems += custody.check_chain()
    for record in seal_rows:
        report.seals_checked += 1
        report.problems += seals.check_seal(record)
    if collection_name and (latest := seal_rows.order_by("-sealed_at", "-pk").first()):
        unsealed = len(set(r[0] for r in rows) - set(latest.leaves.split("\n")))
        if unsealed:
            report.notes.append(f"{unsealed} file(s) were stored after the last seal: run `dalil seal` again")
    elif collection_name:
        report.notes.append("this collection has never been sealed: run `dalil seal --collection NAME`")
    custody.record(CustodyEvent.Action.VERIFIED, actor=actor, collection=collection_name or "",
                   details={"ok": report.ok, "items_checked": report.items_checked,
                            "problems": len(report.problems), "first_problems": report.problems[:5]})
    return report


def _where(sha: str) -> str:
    sighting = Sighting.objects.filter(item__sha256=sha).select_related("acquisition").first()
    return f"first seen at {sighting.path} in {sighting.acquisition.source}" if sighting else "a zip container"
