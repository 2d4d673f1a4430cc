"""Walking a source (folder, zip, BagIt bag, single file) into entries to ingest.

An Entry carries only picklable facts and a `ref` that a worker process uses to
open the bytes itself, so the per-file work can run anywhere. Nothing here
follows a symbolic link, trusts a zip entry's name, decompresses an entry that
declares itself a bomb, or lets one archive expand past its limits: those
become entries with a `problem` instead, and the run goes on.

An entry is identified by its raw path bytes and, in a zip, its member index
(`Entry.key`), never by the path as shown: two zip members named alike, or
`a\\b.jpg` beside `a/b.jpg`, are two entries, each opened by its own index.
"""

import copy
import datetime
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import bagit
import filetype

from dalil.ingest import bag_rules


class SourceRefused(Exception):
    """The whole source cannot be ingested (e.g. an invalid BagIt bag); nothing was recorded."""


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    readable: bool  # True: the bytes are still read, stored and hashed


@dataclass(frozen=True)
class Entry:
    path: str  # as shown: '/'-separated, undecodable bytes as \xNN; not unique, see key
    ref: tuple  # ("file", abs_path_bytes) or ("zip", zip_path_bytes, member_index)
    size: int | None = None
    mtime: float | None = None
    raw: bytes = b""  # the path's bytes exactly as found in the source
    index: int | None = None  # the member's index, in a zip
    problem: Problem | None = None
    warnings: tuple[str, ...] = field(default=())
    whole_archive: bool = False  # the zip source itself, when it is also a picture

    @property
    def key(self) -> str:
        """This entry's identity in its source (Sighting.key)."""
        from dalil.evidence.models import sighting_key  # lazily: workers unpickle entries without Django set up

        return sighting_key(self.raw, self.index)

    @property
    def raw_path(self) -> bytes | None:
        """The raw bytes when the path as shown does not give them back, else None."""
        return None if self.raw == self.path.encode("utf-8") else self.raw


def display_name(raw: bytes) -> tuple[str, bytes | None]:
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace"), raw


class OddSource(Exception):
    """The source is not a folder or a regular file (a loop, a pipe, a device): it is never read."""


def check_source(source: Path) -> Path:
    """The source resolved, once it is known to be a folder or a regular file; OddSource otherwise.

    Checked before anything opens it: opening a named pipe waits for a writer forever, and a
    device such as /dev/zero never ends.
    """
    try:
        os.lstat(source)
    except FileNotFoundError:
        raise OddSource(f"{source}: no such file or folder") from None
    try:
        resolved = source.resolve(strict=True)
    except (RuntimeError, OSError) as exc:  # Python 3.11 raises RuntimeError for a loop, later ones OSError
        if isinstance(exc, FileNotFoundError):
            raise OddSource(f"{source} is a symbolic link to {os.readlink(source)!r}, which does not exist: "
                            "point ingest at the real folder or file") from None
        raise OddSource(f"{source} is a symbolic link that leads back to itself (a loop), so there is nothing "
                        "to read: point ingest at the real folder or file") from None
    mode = os.stat(resolved).st_mode
    if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
        shown = f"{source} ({resolved})" if Path(source) != resolved else str(source)
        raise OddSource(f"{shown} is a {_kind_of(mode)}, not a file or folder, so it was not read: "
                        "copy what it holds into a file and ingest that")
    return resolved


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
        raw = os.fsencode(source.name)
        yield Entry(display_name(raw)[0], ("file", os.fsencode(source)), st.st_size, st.st_mtime, raw)


_BAGIT_TXT_LINE = re.compile(r"^(BagIt-Version|Tag-File-Character-Encoding): \S[^\r\n]*$")


def validate_bag(source: Path, processes: int = 1) -> dict:
    """Validate a BagIt bag fully (structure and every checksum); return its bag-info."""
    _check_bagit_txt(source)
    try:
        bag = bagit.Bag(str(source))
        if found := bag_rules.problems(bag):  # names the file, before bagit's Payload-Oxum counts
            raise SourceRefused(f"{source} is not a valid BagIt bag: {bag_rules.summarise(found)}")
        bag.validate(processes=max(1, processes))
    except bagit.BagValidationError as exc:
        details = "; ".join(str(d) for d in getattr(exc, "details", [])[:5])
        if not details and "Payload-Oxum" in exc.message:
            details = bag_rules.name_resized_files(bag, processes)
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
            raw = rel_dir or b"."
            yield Entry(display_name(raw)[0], ("file", abs_dir), raw=raw,
                        problem=Problem("unreadable_folder", f"cannot list this folder: {exc.strerror}", False))
            continue
        subdirs = []
        for child in children:
            rel = os.path.join(rel_dir, child.name) if rel_dir else child.name
            path, not_utf8 = display_name(rel)
            try:
                st = child.stat(follow_symlinks=False)
            except OSError as exc:
                yield Entry(path, ("file", child.path), raw=rel,
                            problem=Problem("unreadable", f"cannot read its attributes: {exc.strerror}", False))
                continue
            if stat.S_ISLNK(st.st_mode):
                target = os.fsdecode(os.readlink(child.path))
                yield Entry(path, ("file", child.path), raw=rel, problem=Problem(
                    "symlink", f"symbolic link to {target!r}, not followed: ingest the target itself if it belongs here", False))
            elif stat.S_ISDIR(st.st_mode):
                subdirs.append(rel)
            elif stat.S_ISREG(st.st_mode):
                warnings = ("the file name is not valid UTF-8; its original bytes are kept",) if not_utf8 else ()
                yield Entry(path, ("file", child.path), st.st_size, st.st_mtime, rel, warnings=warnings)
            else:
                yield Entry(path, ("file", child.path), raw=rel, problem=Problem(
                    "not_a_file", f"not a regular file ({_kind_of(st.st_mode)}); nothing to read", False))
        stack.extend(reversed(subdirs))


def _kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "named pipe"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device")):
        if test(mode):
            return name
    return "special file"


def _scan_zip(source: Path, limits) -> Iterator[Entry]:
    zip_size = source.stat().st_size
    picture = _picture_type(source)
    # Every member is bounded by its declared size (zipfile never yields more), so the declared sizes
    # bound what the whole archive may expand to: by bytes, and by a ratio to the zip's own size.
    allowed = min(limits.max_zip_total_bytes, limits.max_zip_total_ratio * zip_size)
    extracted = 0
    with zipfile.ZipFile(source) as zf:
        members = zf.infolist()
        if picture:
            # A picture with a zip appended (a polyglot): both natures are recorded. The picture is an
            # entry of its own, the file as a whole, described like any photo; the members follow.
            st = source.stat()
            yield Entry(display_name(os.fsencode(source.name))[0], ("file", os.fsencode(source)), st.st_size,
                        st.st_mtime, os.fsencode(source.name), whole_archive=True, warnings=(
                            f"this file is a picture ({picture}) and also a zip archive of {len(members):,} "
                            "entries appended after it: the picture is described here, and every entry of "
                            "the archive is recorded from the same file",))
        for index, info in enumerate(members):
            if info.is_dir():
                continue
            entry = _zip_entry(source, index, info)
            problem = entry.problem
            if problem is None or problem.readable:
                problem = _over_limits(info, limits, extracted, allowed, zip_size) or problem
            if problem is None or problem.readable:
                extracted += info.file_size
            yield Entry(entry.path, entry.ref, entry.size, entry.mtime, entry.raw, index, problem, entry.warnings)


def _zip_entry(source: Path, index: int, info: zipfile.ZipInfo) -> Entry:
    utf8_flagged = bool(info.flag_bits & 0x800)
    # zipfile decoded the name as UTF-8 (flagged) or cp437 (a bijection): encoding it back gives the bytes.
    raw = info.orig_filename.encode("utf-8" if utf8_flagged else "cp437")
    # Not flagged UTF-8: most tools still wrote UTF-8; otherwise the bytes are kept and shown as \xNN.
    # Old Windows tools wrote '\' between folders: shown as '/', the raw bytes keep the '\'.
    path, not_utf8 = display_name(raw.replace(b"\\", b"/"))
    warnings = ("the entry name is not valid UTF-8; its original bytes are kept",) if not_utf8 else ()
    parts = PurePosixPath(path).parts
    mode = info.external_attr >> 16
    if path.startswith("/") or (len(path) > 1 and path[1] == ":") or ".." in parts:
        problem = Problem("unsafe_zip_path", "zip entry name points outside the archive "
                          f"({path!r}); stored by its hash only, never written to that path", True)
    elif stat.S_ISLNK(mode):
        problem = Problem("symlink", "zip entry is a symbolic link; its target text is stored, not followed", True)
    else:
        problem = None
    return Entry(path, ("zip", os.fsencode(source), index), info.file_size, _zip_mtime(info), raw, index,
                 problem, warnings)


def _over_limits(info: zipfile.ZipInfo, limits, extracted: int, allowed: int, zip_size: int) -> Problem | None:
    """A Problem when extracting this member would pass a limit for one entry or for the whole archive."""
    ratio = info.file_size / max(1, info.compress_size)
    if info.file_size > limits.max_zip_entry_bytes or (
        info.compress_size and info.file_size > 10 * 1024**2 and ratio > limits.max_zip_ratio
    ):
        return Problem("zip_bomb", f"zip entry declares {info.file_size:,} bytes, compressed {ratio:,.0f}:1 "
                       "(possible zip bomb); not extracted: the zip file itself is preserved", False)
    if extracted + info.file_size <= allowed:
        return None
    if allowed == limits.max_zip_total_bytes:
        return Problem("zip_total_limit", f"not extracted: with its {info.file_size:,} bytes the archive would "
                       f"expand past {allowed:,} bytes, the limit for one archive (DALIL_MAX_ZIP_TOTAL_BYTES); "
                       "the zip file itself is preserved: raise the limit and ingest again to extract it", False)
    return Problem("zip_bomb", f"not extracted: with its {info.file_size:,} bytes the archive would expand past "
                   f"{limits.max_zip_total_ratio:,} times its own {zip_size:,} bytes (DALIL_MAX_ZIP_TOTAL_RATIO), "
                   "a possible zip bomb; the zip file itself is preserved", False)


def _picture_type(source: Path) -> str:
    """The media type when the file starts as a picture (a JPEG, PNG, ... with a zip appended), else ''."""
    with open(source, "rb") as f:
        kind = filetype.guess(f.read(8192))
    return kind.mime if kind is not None and kind.mime.startswith("image/") else ""


def _zip_mtime(info: zipfile.ZipInfo) -> float | None:
    try:
        return datetime.datetime(*info.date_time, tzinfo=datetime.timezone.utc).timestamp()
    except ValueError:
        return None


def open_entry(ref: tuple):
    """Open an entry's bytes for reading (in whichever process does the work)."""
    if ref[0] == "file":
        return _open_regular(ref[1])
    if ref[0] == "zip":
        zf = zipfile.ZipFile(os.fsdecode(ref[1]))
        try:
            info = zf.infolist()[ref[2]]  # by index: two members may share a name
            # zipfile checks the CRC-32 inside the read that reaches the end and then drops that read's
            # bytes; _ZipStream checks it itself, after every byte was handed over to be preserved.
            unchecked = copy.copy(info)
            del unchecked.CRC
            stream = zf.open(unchecked)
        except BaseException:
            zf.close()
            raise
        return _ZipStream(zf, stream, info)
    raise ValueError(f"unknown entry reference {ref[0]!r}")


def _open_regular(path: bytes):
    """Open a regular file without following a link or blocking on a pipe put there since the scan."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(f"it is now a {_kind_of(mode)}, not a regular file")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return open(fd, "rb", buffering=0)


class ZipEntryMismatch(Exception):
    """A zip member's bytes are not the ones its central directory describes."""


class _ZipStream:
    def __init__(self, zf, stream, info: zipfile.ZipInfo):
        self._zf, self._stream, self._info = zf, stream, info
        self._crc, self._size = 0, 0

    def read(self, n=-1):
        data = self._stream.read(n)
        if data:
            self._crc = zlib.crc32(data, self._crc)
            self._size += len(data)
        elif self._crc != self._info.CRC:
            raise ZipEntryMismatch(
                f"its bytes do not match the CRC-32 the zip records for it: it is damaged, or holds more "
                f"or other bytes than the {self._info.file_size:,} it declares")
        return data

    def close(self):
        self._stream.close()
        self._zf.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
