"""The backup folder's layout and its manifest, the one file that says a backup is complete.

    OUT/MANIFEST.json                       written last, atomically: no manifest, no complete backup
    OUT/store/ab/cd/<sha256>                originals, named by their hash (shared by every run)
    OUT/derivatives/ab/cd/<sha256>          thumbnails, previews, face crops (likewise)
    OUT/snapshots/<time>/database.*         this run's database snapshot (sqlite3, pgdump or sql)
    OUT/snapshots/<time>/custody-anchors.txt  the custody anchor file, copied after the snapshot
    OUT/snapshots/<time>/keys.age           with --with-keys only: the keys, encrypted with a passphrase (age)

The manifest lists every file of the backup with its SHA-256 and size. A new
run adds files and a new snapshot folder, then replaces the manifest in one
rename; until then the previous manifest still describes a complete backup
(its snapshot is removed only after the new manifest is in place).
"""

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

FORMAT = "dalil-backup/1"
NAME = "MANIFEST.json"
CHUNK = 1024 * 1024
PARTIAL = ".partial-"  # prefix of every file being written; never listed, removed by the next run


class BackupError(Exception):
    """A sentence the person running the backup or restore can act on."""


def object_path(tree: str, sha: str) -> str:
    """The path of a stored object inside the backup, relative to OUT."""
    return f"{tree}/{sha[:2]}/{sha[2:4]}/{sha}"


def write_atomically(path: Path, data: bytes) -> None:
    """Write PATH under a temporary name, flush it to disk, then rename: readers see the old file or the new one."""
    tmp = path.with_name(f"{PARTIAL}{path.name}-{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    """Make a rename in PATH durable (a power cut after it must not bring the old name back)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write(out: Path, manifest: dict) -> str:
    """Write OUT/MANIFEST.json; returns its SHA-256."""
    data = json.dumps({"format": FORMAT, **manifest}, indent=1, sort_keys=True, ensure_ascii=False).encode()
    write_atomically(out / NAME, data + b"\n")
    return hashlib.sha256(data + b"\n").hexdigest()


def read(out: Path) -> dict | None:
    """The manifest of OUT, or None when there is none (no backup yet, or one stopped before its end)."""
    path = out / NAME
    try:
        manifest = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path} cannot be read as a backup manifest ({exc}): it was damaged; make a new "
                          "backup into an empty folder") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a dalil backup manifest of the format {FORMAT}")
    return manifest


def require(out: Path) -> dict:
    """The manifest of OUT, or a sentence saying why OUT is not a complete backup."""
    if not out.is_dir():
        raise BackupError(f"there is no backup at {out}: the folder does not exist")
    manifest = read(out)
    if manifest is None:
        raise BackupError(f"{out} has no {NAME}: it is not a complete backup (a `dalil backup` into it was stopped "
                          f"before its end, or it is not a backup). Run `dalil backup {out}` again to complete it.")
    return manifest


def hash_file(path: Path) -> tuple[str, int]:
    hasher, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            hasher.update(chunk)
            size += len(chunk)
    return hasher.hexdigest(), size


def check(out: Path, manifest: dict, workers: int = 4) -> tuple[list[str], int]:
    """Re-hash every file the manifest lists: a sentence for each that is missing or differs, and bytes checked."""
    entries = sorted(manifest["files"].items())

    def one(entry):
        relative, expected = entry
        try:
            sha, size = hash_file(out / relative)
        except FileNotFoundError:
            return f"{out / relative} is missing from the backup", 0
        except OSError as exc:
            return f"{out / relative} cannot be read ({exc.strerror})", 0
        if sha != expected["sha256"]:
            return (f"{out / relative} has changed since the backup was made: its bytes hash to {sha}, "
                    f"the manifest says {expected['sha256']}"), 0
        if size != expected["size"]:
            return f"{out / relative} holds {size:,} bytes, the manifest says {expected['size']:,}", 0
        return None, size

    problems, checked = [], 0
    with ThreadPoolExecutor(max(1, workers)) as pool:  # hashlib releases the GIL: threads hash in parallel
        for problem, size in pool.map(one, entries):
            if problem:
                problems.append(problem)
            checked += size
    return problems, checked
