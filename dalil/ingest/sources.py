"""Walking a source (folder, zip, BagIt bag, single file) into entries to ingest.

An Entry carries only picklable facts and a `ref` that a worker process uses to
open the bytes itself, so the per-file work can run anywhere. Nothing here
follows a symbolic link, trusts a zip entry's name, or decompresses an entry
that declares itself a bomb: those become entries with a `problem` instead, and
the run goes on.
"""

import os
import re
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import bagit


class SourceRefused(Exception):
    """The whole source cannot be ingested (e.g. an invalid BagIt bag); nothing was recorded."""


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    readable: bool  # True: the bytes are still read, stored and hashed


@dataclass(frozen=True)
class Entry:
    path: str  # inside the source, '/'-separated, undecodable bytes as \xNN
    ref: tuple  # ("file", abs_path_bytes) or ("zip", zip_path, member_name)
    size: int | None = None
    mtime: float | None = None
    raw_path: bytes | None = None  # the name's bytes when they are not UTF-8
    problem: Problem | None = None
    warnings: tuple[str, ...] = field(default=())


def display_name(raw: bytes) -> tuple[str, bytes | None]:
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace"), raw


def detect_kind(source: Path) -> str:
    if source.is_dir():
        # A folder with a payload and manifests is a bag even when its bagit.txt was lost.
        looks_bagged = (source / "data").is_dir() and any(source.glob("manifest-*.txt"))
        return "bagit" if (source / "bagit.txt").is_file() or looks_bagged else "folder"
    if zipfile.is_zipfile(source):
        return "zip"
    return "file"


def scan(source: Path, kind: str, limits) -> Iterator[Entry]:
    if kind == "folder":
        yield from _scan_folder(source)
    elif kind == "bagit":
        yield from _scan_folder(source / "data")
    elif kind == "zip":
        yield from _scan_zip(source, limits)
    else:
        st = source.stat()
        yield Entry(source.name, ("file", os.fsencode(source)), st.st_size, st.st_mtime)


_BAGIT_TXT_LINE = re.compile(r"^(BagIt-Version|Tag-File-Character-Encoding): \S[^\r\n]*$")


def validate_bag(source: Path, processes: int = 1) -> dict:
    """Validate a BagIt bag fully (structure and every checksum); return its bag-info."""
    _check_bagit_txt(source)
    try:
        bag = bagit.Bag(str(source))
        bag.validate(processes=max(1, processes))
    except bagit.BagValidationError as exc:
        details = "; ".join(str(d) for d in getattr(exc, "details", [])[:5])
        raise SourceRefused(f"{source} is not a valid BagIt bag: {exc.message}{': ' + details if details else ''}") from None
    except bagit.BagError as exc:
        raise SourceRefused(f"{source} is not a valid BagIt bag: {exc}") from None
    return {"bagit_version": ".".join(map(str, bag.version_info)), "bag_info": {k: v for k, v in bag.info.items()}}


def _check_bagit_txt(source: Path) -> None:
    """RFC 8493 2.1.1: exactly 'BagIt-Version: M.N' and 'Tag-File-Character-Encoding: ENC' (bagit-python is lenient)."""
    try:
        text = (source / "bagit.txt").read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return  # bagit-python reports these with its own words
    for number, line in enumerate(text.splitlines(), start=1):
        if line and not line.startswith("\ufeff") and not _BAGIT_TXT_LINE.match(line):
            raise SourceRefused(f"{source} is not a valid BagIt bag: bagit.txt line {number} is {line!r}, "
                                "not 'Name: value' as RFC 8493 requires")


def _scan_folder(root: Path) -> Iterator[Entry]:
    root_b = os.fsencode(root)
    stack = [b""]
    while stack:
        rel_dir = stack.pop()
        abs_dir = os.path.join(root_b, rel_dir) if rel_dir else root_b
        try:
            children = sorted(os.scandir(abs_dir), key=lambda e: e.name)
        except OSError as exc:
            path, raw = display_name(rel_dir or b".")
            yield Entry(path, ("file", abs_dir), raw_path=raw,
                        problem=Problem("unreadable_folder", f"cannot list this folder: {exc.strerror}", False))
            continue
        subdirs = []
        for child in children:
            rel = os.path.join(rel_dir, child.name) if rel_dir else child.name
            path, raw = display_name(rel)
            try:
                st = child.stat(follow_symlinks=False)
            except OSError as exc:
                yield Entry(path, ("file", child.path), raw_path=raw,
                            problem=Problem("unreadable", f"cannot read its attributes: {exc.strerror}", False))
                continue
            if stat.S_ISLNK(st.st_mode):
                target = os.fsdecode(os.readlink(child.path))
                yield Entry(path, ("file", child.path), raw_path=raw, problem=Problem(
                    "symlink", f"symbolic link to {target!r}, not followed: ingest the target itself if it belongs here", False))
            elif stat.S_ISDIR(st.st_mode):
                subdirs.append(rel)
            elif stat.S_ISREG(st.st_mode):
                warnings = ("the file name is not valid UTF-8; its original bytes are kept",) if raw else ()
                yield Entry(path, ("file", child.path), st.st_size, st.st_mtime, raw, None, warnings)
            else:
                yield Entry(path, ("file", child.path), raw_path=raw, problem=Problem(
                    "not_a_file", f"not a regular file ({_kind_of(st.st_mode)}); nothing to read", False))
        stack.extend(reversed(subdirs))


def _kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "named pipe"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device")):
        if test(mode):
            return name
    return "special file"


def _scan_zip(source: Path, limits) -> Iterator[Entry]:
    with zipfile.ZipFile(source) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            raw = info.orig_filename.encode("cp437") if not info.flag_bits & 0x800 else info.orig_filename.encode()
            name = info.filename
            if not info.flag_bits & 0x800:
                # Not flagged UTF-8: most tools still wrote UTF-8; otherwise keep the bytes.
                try:
                    name = raw.decode("utf-8")
                    raw = None
                except UnicodeDecodeError:
                    name = raw.decode("utf-8", "backslashreplace")
            else:
                raw = None
            path = name.replace("\\", "/")
            ref = ("zip", os.fsencode(source), info.filename)
            mtime = _zip_mtime(info)
            warnings = ("the entry name is not valid UTF-8; its original bytes are kept",) if raw else ()
            parts = PurePosixPath(path).parts
            mode = info.external_attr >> 16
            if path.startswith("/") or (len(path) > 1 and path[1] == ":") or ".." in parts:
                problem = Problem("unsafe_zip_path", "zip entry name points outside the archive "
                                  f"({name!r}); stored by its hash only, never written to that path", True)
            elif stat.S_ISLNK(mode):
                problem = Problem("symlink", "zip entry is a symbolic link; its target text is stored, not followed", True)
            elif info.file_size > limits.max_zip_entry_bytes or (
                info.compress_size and info.file_size > 10 * 1024**2 and info.file_size / info.compress_size > limits.max_zip_ratio
            ):
                ratio = info.file_size / max(1, info.compress_size)
                problem = Problem("zip_bomb", f"zip entry declares {info.file_size:,} bytes, compressed {ratio:,.0f}:1 "
                                  "(possible zip bomb); not extracted: the zip file itself is preserved", False)
            else:
                problem = None
            yield Entry(path, ref, info.file_size, mtime, raw, problem, warnings)


def _zip_mtime(info: zipfile.ZipInfo) -> float | None:
    import datetime

    try:
        return datetime.datetime(*info.date_time, tzinfo=datetime.timezone.utc).timestamp()
    except ValueError:
        return None


def open_entry(ref: tuple, max_bytes: int | None = None):
    """Open an entry's bytes for reading (in whichever process does the work)."""
    if ref[0] == "file":
        return open(ref[1], "rb", buffering=0)
    if ref[0] == "zip":
        zf = zipfile.ZipFile(os.fsdecode(ref[1]))
        stream = zf.open(ref[2])
        return _ZipStream(zf, stream)
    raise ValueError(f"unknown entry reference {ref[0]!r}")


class _ZipStream:
    def __init__(self, zf, stream):
        self._zf, self._stream = zf, stream

    def read(self, n=-1):
        return self._stream.read(n)

    def close(self):
        self._stream.close()
        self._zf.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
