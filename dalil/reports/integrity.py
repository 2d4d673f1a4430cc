"""The report's integrity statement: the collection's latest seal and what a verify found.

Two ways to say what a verify found:
- fresh (`dalil report`, the default): every stored file of the collection is re-hashed now, the custody
  chain and the seals checked, and the verify written to the custody log like `dalil verify`;
- recorded (the web report form, `dalil report --no-verify`): nothing is re-hashed; the statement quotes
  the most recent `verified` custody row covering the collection (its time, who ran it, what it found) and
  says plainly when files were ingested, quarantined or the collection sealed after it, or when no verify
  was ever run. A re-hash of a real archive takes minutes to hours: a web request cannot wait for it.
"""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from dalil.evidence import seals, verify
from dalil.evidence.models import Collection, CustodyEvent, Seal

FRESH, RECORDED, NEVER = "fresh", "recorded", "never"
# Custody actions after which a recorded verify no longer vouches for the collection as it is now.
CHANGES = (CustodyEvent.Action.ACQUIRED, CustodyEvent.Action.INGESTED, CustodyEvent.Action.QUARANTINED,
           CustodyEvent.Action.SEALED)


@dataclass
class Statement:
    collection: str
    files_now: int  # stored originals of the collection today (photos, other files, zip containers)
    seal: Seal | None
    verified_at: object  # datetime of the verify (fresh: now; recorded: its custody row), None if never
    mode: str = FRESH  # FRESH, RECORDED or NEVER
    verified_by: str = ""
    verify_seq: int | None = None  # the custody row of the verify
    items_checked: int = 0
    bytes_checked: int = 0
    seals_checked: int = 0
    problems: list[str] = field(default_factory=list)  # recorded: the first few the verify named
    problem_count: int = 0
    notes: list[str] = field(default_factory=list)
    unsealed_files: int = 0  # stored since the latest seal
    changed_since: list[str] = field(default_factory=list)  # recorded: custody actions after the verify

    @property
    def checked(self) -> bool:
        """A verify (fresh or recorded) says something about these files."""
        return self.mode != NEVER

    @property
    def ok(self) -> bool:
        """A verify was run and found nothing wrong (a recorded one may predate later changes: see `stale`)."""
        return self.checked and not self.problem_count and not self.problems

    @property
    def stale(self) -> bool:
        return self.mode == RECORDED and bool(self.changed_since)

    @property
    def fresh(self) -> bool:
        return self.mode == FRESH

    @property
    def sealed(self) -> bool:
        return self.seal is not None

    def as_dict(self) -> dict:
        seal = self.seal
        return {
            "collection": self.collection, "files_now": self.files_now, "ok": self.ok, "mode": self.mode,
            "seal": None if seal is None else {
                "tree_size": seal.tree_size, "root": seal.root, "sealed_at": seal.sealed_at.isoformat(),
                "key_fingerprint": seal.key_fingerprint, "public_key": seal.public_key},
            "verified_at": self.verified_at.isoformat() if self.verified_at else None,
            "verified_by": self.verified_by, "verify_seq": self.verify_seq, "items_checked": self.items_checked,
            "bytes_checked": self.bytes_checked, "problems": self.problems, "problem_count": self.problem_count,
            "notes": self.notes, "unsealed_files": self.unsealed_files, "changed_since": self.changed_since,
        }


def statement(collection: Collection, actor: str, fresh: bool = True) -> Statement:
    """What the report says about the collection's integrity: a fresh verify (`fresh`) or the last recorded one.

    A fresh verify re-hashes every stored file of the collection, checks the custody chain and its seals,
    and is itself written to the custody log (as `dalil verify` is), naming the actor.
    """
    shas = seals.collection_shas(collection)
    latest = Seal.objects.filter(collection=collection.name).order_by("-sealed_at", "-pk").first()
    sealed = set(latest.leaves.split("\n")) if latest and latest.leaves else set()
    unsealed = len(set(shas) - sealed) if latest else len(shas)
    if not fresh:
        return recorded(collection, files_now=len(shas), seal=latest, unsealed=unsealed)
    result = verify.verify(collection.name, actor=actor)
    event = CustodyEvent.objects.filter(action=CustodyEvent.Action.VERIFIED, collection=collection.name).order_by(
        "-seq").values("seq").first()
    return Statement(
        collection=collection.name, files_now=len(shas), seal=latest, verified_at=timezone.now(), mode=FRESH,
        verified_by=actor, verify_seq=event["seq"] if event else None,
        items_checked=result.items_checked, bytes_checked=result.bytes_checked, seals_checked=result.seals_checked,
        problems=list(result.problems), problem_count=len(result.problems), notes=list(result.notes),
        unsealed_files=unsealed,
    )


def last_verify(collection: Collection) -> CustodyEvent | None:
    """The most recent `verified` custody row that covers the collection (a verify of it, or of everything)."""
    return (CustodyEvent.objects.filter(action=CustodyEvent.Action.VERIFIED)
            .filter(Q(collection=collection.name) | Q(collection="")).order_by("-seq").first())


def recorded(collection: Collection, files_now: int, seal: Seal | None, unsealed: int) -> Statement:
    event = last_verify(collection)
    notes = []
    if unsealed and seal is not None:
        notes.append(f"{unsealed} file(s) were stored after the last seal: run `dalil seal` again")
    elif seal is None:
        notes.append("this collection has never been sealed: run `dalil seal --collection NAME`")
    if event is None:
        return Statement(collection=collection.name, files_now=files_now, seal=seal, verified_at=None, mode=NEVER,
                         notes=notes, unsealed_files=unsealed)
    details = event.details or {}
    changed = list(CustodyEvent.objects.filter(seq__gt=event.seq, collection=collection.name, action__in=CHANGES)
                   .order_by().values_list("action", flat=True).distinct())
    problems = [str(p) for p in details.get("first_problems", [])]
    count = int(details.get("problems", len(problems)) or 0)
    if not details.get("ok", not count) and not count:
        count = 1  # a verify that failed without saying how often
    return Statement(
        collection=collection.name, files_now=files_now, seal=seal, verified_at=event.at, mode=RECORDED,
        verified_by=event.actor, verify_seq=event.seq, items_checked=int(details.get("items_checked", 0) or 0),
        problems=problems, problem_count=count, notes=notes, unsealed_files=unsealed,
        changed_since=sorted(str(a) for a in changed),
    )


def verify_summary(collection: Collection) -> dict:
    """For the report form: when the collection was last verified, with what result, and whether files changed since."""
    event = last_verify(collection)
    if event is None:
        return {"collection": collection.name, "never": True}
    details = event.details or {}
    changed = CustodyEvent.objects.filter(seq__gt=event.seq, collection=collection.name, action__in=CHANGES).exists()
    return {"collection": collection.name, "never": False, "at": event.at, "by": event.actor, "seq": event.seq,
            "ok": bool(details.get("ok")), "items_checked": details.get("items_checked", 0),
            "problems": details.get("problems", 0), "stale": changed}
