"""What dalil holds as evidence: originals by hash, where each was found, and its custody.

Lifecycle of an original (who moves it, when):
 1. acquired   - an archivist points `dalil ingest` at a source; one Acquisition row
                 records who handed it over and on what medium.
 2. stored     - the ingest worker streams the bytes once, hashing while it copies
                 them into the write-once store; an Item row is keyed by SHA-256.
 3. sighted    - every place the bytes were found becomes a Sighting (an exact
                 duplicate is one more sighting of the same Item, stored once).
 4. sealed     - `dalil seal` signs a Merkle root over the collection's items.
 5. verified   - `dalil verify` re-hashes the store and checks chain and seals.
Nothing here is ever edited: the custody log and seals refuse updates and deletes.
"""

import base64
import hashlib

from django.db import models

from dalil.evidence.append_only import AppendOnlyModel


class Collection(models.Model):
    """A named body of evidence, e.g. one archive as it was handed over."""

    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    """One original, stored once in the content-addressed store, named by its SHA-256."""

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.BigIntegerField()
    media_type = models.CharField(max_length=100, help_text="Sniffed from the bytes, not the file name.")
    complete = models.BooleanField(default=True, help_text="False when reading stopped early on an I/O error.")
    stored_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.sha256


class Acquisition(models.Model):
    """A source (folder, zip, BagIt bag or single file) received into a collection."""

    class Kind(models.TextChoices):
        FOLDER = "folder"
        ZIP = "zip"
        BAGIT = "bagit"
        FILE = "file"

    collection = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="acquisitions")
    source = models.CharField(max_length=2000, help_text="The source's absolute path as given to ingest.")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    received_from = models.TextField(blank=True)
    medium = models.TextField(blank=True)
    container = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.PROTECT, help_text="The zip file itself, when the source is a zip."
    )
    details = models.JSONField(default=dict, blank=True, help_text="e.g. the bag-info.txt of a BagIt bag.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["collection", "source"], name="one_acquisition_per_source")]

    def __str__(self) -> str:
        return f"{self.collection.name}: {self.source}"


class Sighting(models.Model):
    """One file found at one path of an acquisition, and what became of it."""

    class Outcome(models.TextChoices):
        INGESTED = "ingested", "ingested"
        PRESERVED = "preserved", "preserved (not a photo)"
        QUARANTINED = "quarantined", "quarantined"

    acquisition = models.ForeignKey(Acquisition, on_delete=models.PROTECT, related_name="sightings")
    item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.PROTECT, related_name="sightings")
    # What was received is identified by its raw name bytes (and, in a zip, its member's index), never by
    # the display form: two members named alike, or `a\\b.jpg` beside `a/b.jpg`, are two sightings.
    key = models.CharField(max_length=64, help_text="SHA-256 of the member index and raw path bytes: this "
                           "sighting's identity in its source (see sighting_key).")
    member_index = models.PositiveIntegerField(null=True, blank=True, help_text="The entry's index in a zip.")
    path = models.TextField(help_text="Path inside the source as shown: '/'-separated, undecodable bytes as \\xNN.")
    raw_path_b64 = models.TextField(blank=True, help_text="The path's original bytes (base64) when they differ "
                                    "from the path as shown (not UTF-8, or a zip's '\\' shown as '/').")
    size = models.BigIntegerField(null=True)
    modified_at = models.DateTimeField(null=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    problem_code = models.CharField(max_length=40, blank=True)
    problem = models.TextField(blank=True, help_text="Why it was quarantined, in words a person can act on.")
    warnings = models.JSONField(default=list, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["acquisition", "key"], name="one_sighting_per_key")]
        indexes = [models.Index(fields=["outcome"])]

    def __str__(self) -> str:
        return self.path

    @property
    def raw_path(self) -> bytes:
        """The path's bytes exactly as found in the source."""
        return base64.b64decode(self.raw_path_b64) if self.raw_path_b64 else self.path.encode("utf-8")


def sighting_key(raw_path: bytes, member_index: int | None = None) -> str:
    """A sighting's identity in its source: the raw path bytes, and the member index inside a zip."""
    prefix = b"-" if member_index is None else str(member_index).encode()
    return hashlib.sha256(prefix + b"\0" + raw_path).hexdigest()


def legacy_sighting_key(path: str) -> str:
    """The key given to a zip sighting recorded before member indexes were kept (see migration 0003)."""
    return hashlib.sha256(b"legacy\0" + path.encode("utf-8")).hexdigest()


class CustodyEvent(AppendOnlyModel):
    """One row of the append-only, hash-chained custody log."""

    class Action(models.TextChoices):
        ACQUIRED = "acquired"
        INGESTED = "ingested"
        QUARANTINED = "quarantined"
        SEALED = "sealed"
        VERIFIED = "verified"
        EXPORTED = "exported"
        ORIGINAL_VIEWED = "original_viewed"
        NUMBERS_READ = "numbers_read"  # a stored photo's numbers read again (`dalil numbers reapply`)

    seq = models.PositiveBigIntegerField(unique=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.CharField(max_length=200)
    at = models.DateTimeField()
    collection = models.CharField(max_length=200, blank=True, db_index=True)
    item_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    details = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} by {self.actor}"


class Seal(AppendOnlyModel):
    """A signed Merkle root over a collection's items at one moment."""

    collection = models.CharField(max_length=200, db_index=True)
    tree_size = models.PositiveBigIntegerField()
    root = models.CharField(max_length=64)
    statement = models.TextField(help_text="The exact JSON text that was signed.")
    signature = models.CharField(max_length=128)
    public_key = models.CharField(max_length=64)
    key_fingerprint = models.CharField(max_length=80)
    sealed_at = models.DateTimeField()
    leaves = models.TextField(help_text="The sealed SHA-256 digests, sorted, one per line.")
    # The custody log's head when the seal was made, also in the signed statement: a seal anchors the chain.
    # Nullable (no default) so that adding them keeps the table, and its append-only triggers, on SQLite.
    custody_rows = models.PositiveBigIntegerField(null=True, help_text="Custody rows when sealed (the head's seq).")
    custody_head = models.CharField(max_length=64, null=True, help_text="The hash of that newest custody row.")

    class Meta:
        ordering = ["sealed_at", "pk"]
