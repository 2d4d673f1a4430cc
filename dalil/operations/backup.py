"""`dalil backup OUT`: a consistent backup of a running instance, completed by the next run if it is stopped.

The order is what makes a backup of a running instance consistent:
1. the database snapshot first (database.py): one moment of the database, with the custody rows, seals and every
   stored file it references at that moment;
2. then the custody anchor file: each append writes its anchor line just after it commits, so once the copy
   covers the snapshot's newest custody row it vouches for every row of the snapshot (lines for rows added
   after the snapshot may be in the copy too; restore leaves those out);
3. then the store and the derivatives, listed after the snapshot: objects are never removed nor rewritten
   (content-addressed, write-once), so every object the snapshot references is in the listing; objects
   added after it are copied too, which is harmless;
4. the keys, with --with-keys, encrypted;
5. the manifest, last and atomically, naming this run's snapshot; only then is the previous run's snapshot
   removed. A run killed before step 5 leaves the previous manifest (or none) in place, and the next run copies
   only what is not yet there.
"""

import fcntl
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dalil.evidence import anchors
from dalil.evidence.keys import fingerprint, instance_public_raw
from dalil.evidence.store import derivatives, originals
from dalil.operations import database, keyfiles, manifest
from dalil.operations.copying import CopyResult, RateLimit, back_up_store, remove_partials
from dalil.operations.manifest import PARTIAL, BackupError, hash_file

ANCHOR_WAIT_SECONDS = 5


@dataclass
class BackupSummary:
    out: str
    snapshot: str = ""
    database: dict = field(default_factory=dict)
    copied: int = 0
    present: int = 0
    repaired: int = 0
    bytes_copied: int = 0
    bytes_present: int = 0
    custody_rows: int = 0
    anchor_lines: int = 0
    keys: bool = False
    seals: list[dict] = field(default_factory=list)
    manifest_sha256: str = ""
    removed_partial_files: int = 0
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def lock(out: Path):
    """Hold OUT/.lock for this run: two backups into one folder at once would remove each other's snapshot.
    The kernel drops the lock when the process ends, however it ends."""
    handle = open(out / ".lock", "a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise BackupError(f"another `dalil backup` is writing into {out} right now: wait for it to end") from None
    return handle


def run(out: Path, with_keys: bool = False, passphrase: str | None = None, workers: int = 4,
        rate: int = 0, rehash: bool = False, pg_format: str = "custom") -> BackupSummary:
    started = time.monotonic()
    out = out.resolve()
    if out.exists() and not out.is_dir():
        raise BackupError(f"{out} is a file: give a folder for the backup")
    out.mkdir(parents=True, exist_ok=True)
    ours = {"store", "derivatives", "snapshots", ".lock"}  # what a first run stopped midway leaves
    if not (out / manifest.NAME).exists() and any(p.name not in ours and not p.name.startswith(PARTIAL)
                                                    for p in out.iterdir()):
        raise BackupError(f"{out} holds files that are not a dalil backup: give an empty folder or an earlier "
                          "backup's folder")
    handle = lock(out)
    try:
        return _run(out, with_keys, passphrase, workers, rate, rehash, pg_format, started)
    finally:
        handle.close()


def _run(out, with_keys, passphrase, workers, rate, rehash, pg_format, started) -> BackupSummary:
    summary = BackupSummary(out=str(out))
    previous = manifest.read(out)
    summary.removed_partial_files = _remove_leftovers(out, previous)

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = out / "snapshots" / stamp
    folder.mkdir(parents=True)
    files: dict[str, dict] = {}

    # 1. The database, as of one moment.
    snap = database.take_snapshot(folder, pg_format)
    files[_relative(out, snap.file)] = {"sha256": snap.sha256, "size": snap.size}
    summary.snapshot = _relative(out, folder)
    summary.database = {"engine": snap.engine, "file": _relative(out, snap.file), "sha256": snap.sha256,
                        "size": snap.size, "server_version": snap.server_version}
    summary.custody_rows, summary.seals = snap.custody_rows, snap.seals

    # 2. The anchor file, once it vouches for the snapshot's newest custody row.
    anchor_file = _copy_anchors(folder, snap.custody_rows, summary)
    if anchor_file:
        files[_relative(out, anchor_file)] = dict(zip(("sha256", "size"), hash_file(anchor_file)))

    # 3. Originals and derivatives, listed after the snapshot.
    limit = RateLimit(rate)
    copied = CopyResult()
    for tree, store in (("store", originals()), ("derivatives", derivatives())):
        copied.add(back_up_store(store, tree, out, workers, limit, rehash))
    missing = [f"{tree} object {sha} is referenced by the database but is not in the instance's {tree}"
               for tree, shas in snap.referenced.items()
               for sha in sorted(shas) if manifest.object_path(tree, sha) not in copied.files]
    problems = copied.problems + missing
    if problems:
        shown = problems[:20] + ([f"… and {len(problems) - 20} more"] if len(problems) > 20 else [])
        raise BackupError("the backup is incomplete (no manifest written): run `dalil verify` on the instance:\n- "
                          + "\n- ".join(shown))
    files.update(copied.files)
    # Originals the snapshot does not record: stored after it (or by an ingest that had not recorded them yet).
    # Kept in the backup, but a restore leaves them out, or `dalil verify` would call them stray.
    unrecorded = sorted(path.rsplit("/", 1)[1] for path in copied.files
                        if path.startswith("store/") and path.rsplit("/", 1)[1] not in snap.referenced["store"])
    for name in ("copied", "present", "repaired", "bytes_copied", "bytes_present"):
        setattr(summary, name, getattr(copied, name))

    # 4. The keys, encrypted, only when asked for.
    if with_keys:
        payload = keyfiles.collect()
        if not payload["signing_key_pem"]:
            summary.notes.append("the instance has no signing key yet (nothing was ever sealed): none backed up")
        blob = keyfiles.encrypt(payload, passphrase)
        keys_file = folder / "keys.age"
        manifest.write_atomically(keys_file, blob)
        files[_relative(out, keys_file)] = dict(zip(("sha256", "size"), hash_file(keys_file)))
        summary.keys = True
    else:
        summary.notes.append("keys not included (use --with-keys): keep the instance's keys backed up apart")

    # 5. The manifest, last; then the previous snapshot can go.
    public = instance_public_raw()
    summary.seconds = round(time.monotonic() - started, 3)
    summary.manifest_sha256 = manifest.write(out, {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "snapshot": summary.snapshot,
        "database": summary.database,
        "custody_rows": snap.custody_rows,
        "seals": snap.seals,
        "key_fingerprint": fingerprint(public) if public else "",
        "anchors": _relative(out, anchor_file) if anchor_file else "",
        "keys": _relative(out, folder / "keys.age") if with_keys else "",
        "store_not_in_snapshot": unrecorded,
        "files": dict(sorted(files.items())),
    })
    for old in (out / "snapshots").iterdir():
        if old != folder:
            shutil.rmtree(old, ignore_errors=True)
    return summary


def _relative(out: Path, path: Path) -> str:
    return path.relative_to(out).as_posix()


def _remove_leftovers(out: Path, previous: dict | None) -> int:
    """What a killed run left: half-copied objects and snapshot folders no manifest names."""
    removed = sum(remove_partials(out, tree) for tree in ("store", "derivatives"))
    keep = previous["snapshot"] if previous else None
    for folder in (out / "snapshots").glob("*") if (out / "snapshots").is_dir() else []:
        if _relative(out, folder) != keep:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    for stray in out.glob(f"{PARTIAL}*"):
        stray.unlink(missing_ok=True)
    return removed


def _copy_anchors(folder: Path, custody_rows: int, summary: BackupSummary) -> Path | None:
    source, target = anchors.anchor_path(), folder / "custody-anchors.txt"
    deadline = time.monotonic() + ANCHOR_WAIT_SECONDS
    while True:
        try:
            data = source.read_bytes()
        except FileNotFoundError:
            if custody_rows:
                summary.notes.append(f"no custody anchor file at {source}: none backed up")
            return None
        data = data[: data.rfind(b"\n") + 1]  # a line being appended right now is left for the next backup
        manifest.write_atomically(target, data)
        found, _ = anchors.read(target)
        newest = max((a.rows for a in found), default=0)
        if newest >= custody_rows or not found or time.monotonic() > deadline:
            break
        time.sleep(0.05)  # the anchor of the snapshot's newest rows is written just after their commit
    if found and newest < custody_rows:
        summary.notes.append(f"the anchor file vouches for custody rows up to #{newest} only, the snapshot holds "
                             f"#{custody_rows}: `dalil verify` on a restore will name the rows after #{newest}")
    summary.anchor_lines = data.count(b"\n")
    return target
