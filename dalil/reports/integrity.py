"""The report's integrity statement: the collection's latest seal and what a fresh verify found."""

from dataclasses import dataclass, field

from django.utils import timezone

from dalil.evidence import seals, verify
from dalil.evidence.models import Collection, Seal


@dataclass
class Statement:
    collection: str
    files_now: int  # stored originals of the collection today (photos, other files, zip containers)
    seal: Seal | None
    verified_at: object  # datetime of the fresh verify
    items_checked: int = 0
    bytes_checked: int = 0
    seals_checked: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unsealed_files: int = 0  # stored since the latest seal

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def sealed(self) -> bool:
        return self.seal is not None

    def as_dict(self) -> dict:
        seal = self.seal
        return {
            "collection": self.collection, "files_now": self.files_now, "ok": self.ok,
            "seal": None if seal is None else {
                "tree_size": seal.tree_size, "root": seal.root, "sealed_at": seal.sealed_at.isoformat(),
                "key_fingerprint": seal.key_fingerprint, "public_key": seal.public_key},
            "verified_at": self.verified_at.isoformat(), "items_checked": self.items_checked,
            "bytes_checked": self.bytes_checked, "problems": self.problems, "notes": self.notes,
            "unsealed_files": self.unsealed_files,
        }


def statement(collection: Collection, actor: str) -> Statement:
    """Re-hash every stored file of the collection, check the custody chain and its seals, and say what was found.

    The verify itself is written to the custody log (as `dalil verify` is), naming the actor.
    """
    shas = seals.collection_shas(collection)
    latest = Seal.objects.filter(collection=collection.name).order_by("-sealed_at", "-pk").first()
    result = verify.verify(collection.name, actor=actor)
    sealed = set(latest.leaves.split("\n")) if latest and latest.leaves else set()
    return Statement(
        collection=collection.name, files_now=len(shas), seal=latest, verified_at=timezone.now(),
        items_checked=result.items_checked, bytes_checked=result.bytes_checked, seals_checked=result.seals_checked,
        problems=list(result.problems), notes=list(result.notes),
        unsealed_files=len(set(shas) - sealed) if latest else len(shas),
    )
