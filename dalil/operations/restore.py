"""`dalil restore OUT`: a backup back into an empty instance, checked against its manifest before anything is written.

Order: the manifest and every file it lists are checked first (a file whose hash differs stops the restore
before the instance is touched), then the passphrase opens the keys (a wrong one stops it too). Then store,
derivatives, anchors and keys are written, and the database last: a restore stopped midway leaves an empty
database beside objects of this same backup, which the next `dalil restore OUT` accepts and completes.
"""

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from dalil.evidence import anchors
from dalil.evidence.keys import fingerprint, instance_public_raw
from dalil.evidence.store import derivatives, originals
from dalil.operations import database, keyfiles, manifest
from dalil.operations.copying import CopyResult, restore_store
from dalil.operations.manifest import BackupError

TREES = ("store", "derivatives")


@dataclass
class RestoreSummary:
    out: str
    home: str
    database: dict = field(default_factory=dict)
    bytes_checked: int = 0
    restored: int = 0
    present: int = 0
    bytes_restored: int = 0
    custody_rows: int = 0
    anchor_lines: int = 0
    anchor_lines_left_out: int = 0
    keys: bool = False
    seals: list[dict] = field(default_factory=list)
    seals_match_backup: bool = False
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def check(out: Path, workers: int = 4) -> tuple[dict, int]:
    """The manifest of OUT once every file it lists is there with its hash; else a sentence naming each that is not."""
    found = manifest.require(out)
    problems, checked = manifest.check(out, found, workers)
    if problems:
        shown = problems[:50] + ([f"… and {len(problems) - 50} more"] if len(problems) > 50 else [])
        raise BackupError(f"the backup at {out} does not match its manifest, so nothing was restored:\n- "
                          + "\n- ".join(shown))
    return found, checked


def anchors_as_of(data: bytes, custody_rows: int) -> tuple[bytes, int]:
    """The anchor lines for rows the snapshot holds, byte for byte, and how many later lines were left out."""
    kept, left_out = [], 0
    for line in data.splitlines(keepends=True):
        parts = line.split()
        try:
            rows = int(parts[1])
        except (IndexError, ValueError):
            kept.append(line)  # not an anchor: kept as found, for verify to name as it would on the original
            continue
        if rows <= custody_rows:
            kept.append(line)
        else:
            left_out += 1
    return b"".join(kept), left_out


def run(out: Path, passphrase: Callable[[], str], skip_keys: bool = False, workers: int = 4) -> RestoreSummary:
    started = time.monotonic()
    out = out.resolve()
    found = manifest.require(out)
    summary = RestoreSummary(out=str(out), home=str(settings.HOME), database=found["database"],
                             custody_rows=found["custody_rows"])
    anchor_data, summary.anchor_lines_left_out = (
        anchors_as_of((out / found["anchors"]).read_bytes(), found["custody_rows"]) if found["anchors"] else (b"", 0))
    _refuse_a_non_empty_instance(found, anchor_data)
    database.check_restore_tools(found["database"]["engine"])
    found, summary.bytes_checked = check(out, workers)

    payload = None
    if found["keys"] and not skip_keys:
        payload = keyfiles.decrypt((out / found["keys"]).read_bytes(), passphrase(), out / found["keys"])
        if problems := keyfiles.conflicts(payload):
            raise BackupError("; ".join(problems))

    copied = CopyResult()
    for tree, store in zip(TREES, (originals(), derivatives())):
        skip = set(found["store_not_in_snapshot"]) if tree == "store" else set()
        copied.add(restore_store(store, tree, out, found["files"], workers, skip))
    if copied.problems:
        raise BackupError("the restore stopped:\n- " + "\n- ".join(copied.problems[:20]))
    summary.restored, summary.present, summary.bytes_restored = copied.copied, copied.present, copied.bytes_copied
    if found["store_not_in_snapshot"]:
        summary.notes.append(f"{len(found['store_not_in_snapshot'])} original(s) stored after the database snapshot "
                             "(or not yet recorded by an ingest) were left out: the database restored does not "
                             "know them")

    if found["anchors"]:
        path = anchors.anchor_path()
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        manifest.write_atomically(path, anchor_data)
        os.chmod(path, 0o600)
        summary.anchor_lines = anchor_data.count(b"\n")
    if payload:
        summary.notes += keyfiles.install(payload)
        summary.keys = True
    _note_signing_key(found, summary, skip_keys)

    database.restore(out / found["database"]["file"], found["database"]["engine"])

    from dalil.evidence.models import Seal

    summary.seals = [{"collection": c, "root": r, "tree_size": n}
                     for c, r, n in Seal.objects.order_by("sealed_at", "pk").values_list("collection", "root",
                                                                                           "tree_size")]
    summary.seals_match_backup = summary.seals == [
        {k: s[k] for k in ("collection", "root", "tree_size")} for s in found["seals"]]
    if not summary.seals_match_backup:
        summary.notes.append("the restored database's seals differ from those the manifest lists: the backup's "
                             "manifest or database was altered")
    summary.seconds = round(time.monotonic() - started, 3)
    return summary


def _refuse_a_non_empty_instance(found: dict, anchor_data: bytes) -> None:
    held = database.holdings()
    for tree, store in zip(TREES, (originals(), derivatives())):
        ours = {e["sha256"] for p, e in found["files"].items() if p.startswith(tree + "/")}
        # Objects of this very backup are what a stopped restore left: the next run completes it.
        others = sum(1 for sha in store.shas() if sha not in ours)
        if others:
            held.append(f"{others:,} object(s) in its {'store' if tree == 'store' else 'derivatives'} that are "
                        "not from this backup")
    path = anchors.anchor_path()
    if path.exists() and path.stat().st_size and path.read_bytes() != anchor_data:
        held.append(f"a custody anchor file at {path}")
    if held:
        raise BackupError(
            f"the instance at DALIL_HOME={settings.HOME} (database {database.describe()}) is not empty: it holds "
            f"{', '.join(held)}. A backup is restored only into an empty instance: set DALIL_HOME to a new folder "
            "(and, on PostgreSQL, DALIL_DATABASE_URL to a new empty database), then run the restore again.")


def _note_signing_key(found: dict, summary: RestoreSummary, skip_keys: bool) -> None:
    from dalil.evidence.keys import key_path

    public = instance_public_raw()
    wanted = found.get("key_fingerprint")
    if not wanted:
        return
    if public is None:
        summary.notes.append(f"this instance has no signing key: put the original's ({wanted}) at {key_path()} "
                             "(or set DALIL_SIGNING_KEY_FILE) before `dalil verify`, which checks seals and "
                             "anchors with it")
    elif fingerprint(public) != wanted:
        summary.notes.append(f"this instance's signing key {fingerprint(public)} is not the original's ({wanted}): "
                             "`dalil verify` will refuse the seals and anchors until the original key is in place")
    elif skip_keys or not found["keys"]:
        summary.notes.append(f"the signing key in place is the original's ({wanted})")
