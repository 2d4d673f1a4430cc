"""Copying a content-addressed store into a backup folder, incrementally, and back.

Every object is read through the store's own interface (dalil/evidence/store.py),
so a local folder and an S3 bucket are backed up the same way. An object is
hashed while it is copied and placed under its name only when its bytes hash to
that name (written under a temporary name, flushed, renamed): a file found under
its final name in the backup was therefore checked when it was placed, and is not
copied again. `--rehash` re-reads those too, for a backup medium that may rot.
"""

import hashlib
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from dalil.evidence.store import CHUNK, Store, StoreError
from dalil.operations.manifest import PARTIAL, fsync_dir, hash_file, object_path


class RateLimit:
    """At most BYTES_PER_SECOND read from the store, across every copying thread (so a backup leaves the running
    instance some of its disk); 0 means no limit."""

    def __init__(self, bytes_per_second: int = 0):
        self.rate = bytes_per_second
        self._lock = threading.Lock()
        self._start = time.monotonic()
        self._spent = 0

    def take(self, count: int) -> None:
        if not self.rate:
            return
        with self._lock:
            self._spent += count
            due = self._start + self._spent / self.rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)


@dataclass
class CopyResult:
    copied: int = 0
    present: int = 0
    repaired: int = 0
    bytes_copied: int = 0
    bytes_present: int = 0
    files: dict[str, dict] = field(default_factory=dict)  # path in the backup -> {"sha256", "size"}
    problems: list[str] = field(default_factory=list)

    def add(self, other: "CopyResult") -> None:
        for name in ("copied", "present", "repaired", "bytes_copied", "bytes_present"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.files.update(other.files)
        self.problems += other.problems


def remove_partials(out: Path, tree: str) -> int:
    """Remove the half-copied files a killed run left (never under a final name, so never counted as present)."""
    removed = 0
    for path in (out / tree).glob(f"??/??/{PARTIAL}*"):
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def back_up_store(store: Store, tree: str, out: Path, workers: int = 4, limit: RateLimit | None = None,
                  rehash: bool = False) -> CopyResult:
    """Copy every object of STORE not yet in OUT/TREE; list every object in the result either way."""
    limit = limit or RateLimit()
    made_dirs: set[Path] = set()
    dirs_lock = threading.Lock()

    def one(sha: str) -> CopyResult:
        result = CopyResult()
        relative = object_path(tree, sha)
        final = out / relative
        if final.exists():
            if not rehash:
                size = final.stat().st_size
                result.present, result.bytes_present = 1, size
                result.files[relative] = {"sha256": sha, "size": size}
                return result
            held, size = hash_file(final)
            if held == sha:
                result.present, result.bytes_present = 1, size
                result.files[relative] = {"sha256": sha, "size": size}
                return result
            result.repaired = 1  # the backup's copy rotted: copied again below
        with dirs_lock:
            if final.parent not in made_dirs:
                final.parent.mkdir(parents=True, exist_ok=True)
                made_dirs.add(final.parent)
        tmp = final.with_name(f"{PARTIAL}{sha}-{os.getpid()}-{threading.get_ident()}")
        hasher, size = hashlib.sha256(), 0
        try:
            with store.open(sha) as source, open(tmp, "wb") as target:
                while chunk := source.read(CHUNK):
                    limit.take(len(chunk))
                    hasher.update(chunk)
                    size += len(chunk)
                    target.write(chunk)
                target.flush()
                os.fsync(target.fileno())
        except StoreError as exc:
            tmp.unlink(missing_ok=True)
            result.problems.append(str(exc))
            return result
        if hasher.hexdigest() != sha:
            tmp.unlink(missing_ok=True)
            result.problems.append(f"{tree} object {sha} now holds bytes that hash to {hasher.hexdigest()}: the "
                                   "instance's copy is damaged (run `dalil verify`); it was not backed up")
            return result
        tmp.chmod(0o400)
        if final.exists():
            final.chmod(0o600)  # a rotted copy being replaced (--rehash)
        os.replace(tmp, final)
        result.copied, result.bytes_copied = 1, size
        result.files[relative] = {"sha256": sha, "size": size}
        return result

    total = CopyResult()
    with ThreadPoolExecutor(max(1, workers)) as pool:
        for result in pool.map(one, store.shas()):
            total.add(result)
    for folder in made_dirs:
        fsync_dir(folder)
    return total


def restore_store(store: Store, tree: str, out: Path, files: dict[str, dict], workers: int = 4,
                  skip: set[str] = frozenset()) -> CopyResult:
    """Put every object of OUT/TREE the manifest lists, less SKIP, into STORE (through its writer, hashing)."""
    prefix = tree + "/"

    def one(item) -> CopyResult:
        relative, expected = item
        result = CopyResult()
        sha = expected["sha256"]
        if store.exists(sha):  # a restore stopped midway and run again
            result.present, result.bytes_present = 1, expected["size"]
            return result
        writer = store.writer()
        try:
            with open(out / relative, "rb") as f:
                while chunk := f.read(CHUNK):
                    writer.write(chunk)
        except BaseException:
            writer.abort()
            raise
        if writer.hasher.hexdigest() != sha:
            writer.abort()
            result.problems.append(f"{out / relative} changed while it was being restored: its bytes now hash to "
                                   f"{writer.hasher.hexdigest()}")
            return result
        writer.commit()
        result.copied, result.bytes_copied = 1, writer.size
        return result

    total = CopyResult()
    wanted = [(path, entry) for path, entry in sorted(files.items())
              if path.startswith(prefix) and entry["sha256"] not in skip]
    with ThreadPoolExecutor(max(1, workers)) as pool:
        for result in pool.map(one, wanted):
            total.add(result)
    return total
