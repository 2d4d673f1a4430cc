"""The per-file work of ingest: a pure function of one file's bytes and the settings.

`process_entry` reads the file exactly once, hashing the bytes while they are
copied into the store, then describes and derives from the same bytes in
memory. A photo's pixels are decoded once (`imaging.decode`), at the smallest
scale every stage still gets enough from, and every stage that reads pixels
(PHOTO_STAGES: derivatives and PDQ, faces) gets the same `PhotoWork`. It
touches no database, so it can run in a worker process here or on another
machine; the caller records what it returns.
"""

import io
import logging
import warnings
import zipfile
from dataclasses import dataclass, field

import filetype
from PIL import Image, ImageFile

from dalil.archive import imaging
from dalil.evidence.store import CHUNK, open_store
from dalil.ingest.sources import Entry, ZipEntryMismatch, open_entry

log = logging.getLogger("dalil.ingest")

ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated photo must fail loudly, never load half grey
Image.MAX_IMAGE_PIXELS = None  # dalil checks the pixel count itself, with the limit from settings


@dataclass(frozen=True)
class Config:
    store_url: str
    derivatives_url: str
    tmp_root: str
    fsync: bool = True
    s3_endpoint_url: str = ""
    max_image_pixels: int = 150_000_000
    max_decode_bytes: int = 512 * 1024 * 1024
    faces: bool = False  # find faces in each photo, from the same decoded pixels (dalil.faces.scan)

    @classmethod
    def from_settings(cls) -> "Config":
        from django.conf import settings

        from dalil.faces import backend

        return cls(
            settings.STORE_URL, settings.DERIVATIVES_URL, str(settings.HOME / "tmp"), settings.STORE_FSYNC,
            settings.S3_ENDPOINT_URL, settings.MAX_IMAGE_PIXELS, settings.MAX_DECODE_BYTES,
            settings.FACES_ENABLED and backend.available(),
        )


@dataclass
class Result:
    entry: Entry
    outcome: str  # "ingested", "preserved" or "quarantined" (Sighting.Outcome)
    sha256: str | None = None
    size: int = 0
    complete: bool = True
    media_type: str = ""
    problem_code: str = ""
    problem: str = ""
    warnings: list[str] = field(default_factory=list)
    photo: dict | None = None
    faces: object = None  # dalil.faces.scan.Scanned (no photo id yet) when the faces stage ran here, else None
    decodes: int = 0  # pixel decodes this entry's work made (one per photo)

    def quarantine(self, code: str, message: str) -> "Result":
        self.outcome, self.problem_code, self.problem = "quarantined", code, message
        return self


_stores: dict = {}


def worker_init() -> None:
    """In a worker process: one libvips thread, since parallelism comes from the processes."""
    import pyvips

    pyvips.concurrency_set(1)


def _stores_for(config: Config):
    # One store object per worker process, made on first use.
    if config not in _stores:
        _stores[config] = (
            open_store(config.store_url, config.tmp_root, config.fsync, config.s3_endpoint_url),
            open_store(config.derivatives_url, config.tmp_root, False, config.s3_endpoint_url),
        )
    return _stores[config]


def process_entry(entry: Entry, config: Config, role: str = "photo") -> Result:
    """Store, hash, describe and derive one entry. `role="document"` preserves without expecting a photo."""
    result = Result(entry, "ingested", warnings=list(entry.warnings))
    if entry.problem and not entry.problem.readable:
        return result.quarantine(entry.problem.code, entry.problem.message)
    originals, derived = _stores_for(config)

    data, head, read_error, stored = _read_into_store(entry, originals, config, result)
    decodes_before = imaging.decodes()
    try:
        return _describe(result, entry, data, head, read_error, config, derived, role)
    except Exception as exc:  # whatever fails here, the bytes are stored: they must be recorded, never lost
        result.photo = None
        return result.quarantine("internal_error", f"dalil failed while describing this file ({_describe_error(exc)});"
                                 " its bytes are preserved and hashed: report this, with the file, to the maintainers")
    finally:
        result.decodes = imaging.decodes() - decodes_before
        if stored is not None:
            stored()  # the bytes are durably in the store before anyone records them


def _describe(result: Result, entry: Entry, data, head: bytes, read_error, config: Config, derived,
              role: str) -> Result:
    if result.sha256 is None:
        return result.quarantine("unreadable", f"cannot read the file: {read_error}")
    result.media_type = sniff(head)
    if read_error:
        return result.quarantine("read_error", f"reading stopped after {result.size:,} bytes ({read_error}); "
                                 "the bytes read are preserved, find a better copy of this file")
    if entry.problem:
        return result.quarantine(entry.problem.code, entry.problem.message)
    if result.size == 0:
        return result.quarantine("empty", "the file is empty (0 bytes); check the source medium for the real file")
    if role == "document":
        result.outcome = "preserved"
        return result
    if not result.media_type.startswith("image/"):
        return result.quarantine("not_an_image", f"not a photo: its bytes are {result.media_type}; "
                                 "preserved and hashed, review whether it belongs in this collection")
    if data is None:
        return result.quarantine("too_large", f"too large to decode safely ({result.size:,} bytes); preserved and hashed")
    if result.media_type in imaging.UNDECODABLE:
        result.outcome = "preserved"
        try:
            result.photo = imaging.describe_header(data, config.max_image_pixels)
        except imaging.TooManyPixels as exc:
            return result.quarantine("decompression_bomb", str(exc))
        read = "its size and metadata read" if result.photo else "nothing could be read from its header"
        result.warnings.append(f"{result.media_type} cannot be decoded here; preserved and typed, {read}, "
                               "no derivatives made")
        if result.photo:
            result.warnings.extend(result.photo.pop("warnings"))
            result.photo.update(thumbnail_sha256="", preview_sha256="", pdq="", pdq_quality=None)
        return result
    try:
        result.photo, found, result.faces = _describe_photo(data, result.media_type, config, derived)
        result.warnings.extend(found)
    except imaging.TooManyPixels as exc:
        return result.quarantine("decompression_bomb", str(exc))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return result.quarantine("decompression_bomb", f"{exc}; preserved and hashed, not decoded")
    except (imaging.CorruptImage, OSError, ValueError, SyntaxError, EOFError) as exc:
        return result.quarantine("corrupt_image", f"the image cannot be decoded ({exc}); it may be truncated or "
                                 "damaged: the bytes are preserved, look for an intact copy")
    if not entry.whole_archive and (appended := _appended_zip(data)):
        result.warnings.append(appended)
    return result


def _appended_zip(data: bytes) -> str:
    """A sentence when a picture also holds a zip archive after its image data (a polyglot), else ''.

    Inside a source the archive is noted, not extracted, as with any zip found inside a folder:
    ingesting the file on its own as a source records the archive's entries too.
    """
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return ""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = [info.filename for info in zf.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return ""
    if not names:
        return ""
    shown = ", ".join(repr(name) for name in names[:3]) + (", …" if len(names) > 3 else "")
    return (f"this picture also holds a zip archive of {len(names):,} entries after its image data ({shown}); "
            "they were not extracted: ingest this file on its own as a source to record them")


def _read_into_store(entry: Entry, originals, config: Config, result: Result):
    """Copy the entry into the store while hashing; keep the bytes in memory when small enough to decode.

    Returns (bytes or None, the first 8 kB for sniffing, read error or None, wait-for-commit or None).
    """
    chunks: list[bytes] | None = []
    head = b""
    error = None
    writer = None
    try:
        with open_entry(entry.ref) as stream:
            writer = originals.writer()
            while True:
                try:
                    chunk = stream.read(CHUNK)
                except Exception as exc:  # I/O error, zip CRC error, ...: keep what was read
                    error = _describe_error(exc)
                    break
                if not chunk:
                    break
                if not head:
                    head = chunk[:8192]
                writer.write(chunk)
                if chunks is not None:
                    chunks.append(chunk)
                    if writer.size > config.max_decode_bytes:
                        chunks = None
    except Exception as exc:
        if writer is None:
            return None, b"", _describe_error(exc), None
        error = error or _describe_error(exc)
    result.size = writer.size
    result.complete = error is None
    result.sha256, wait = writer.commit_in_background()
    return (b"".join(chunks) if chunks is not None else None), head, error, wait


def _describe_error(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    if isinstance(exc, ZipEntryMismatch):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def sniff(head: bytes) -> str:
    """The media type from the bytes themselves, never from the name."""
    if not head:
        return "application/x-empty"
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    try:
        head.decode("utf-8")
        return "text/plain"
    except UnicodeDecodeError:
        return "application/octet-stream"


@dataclass
class PhotoWork:
    """What the stages of one photo share: its bytes (as stored), its facts, and its pixels decoded once."""
    data: bytes
    media_type: str
    facts: dict
    decoded: imaging.Decoded
    config: Config
    derived: object  # the derivatives store
    faces: object = None  # what the faces stage found (dalil.faces.scan.Scanned), for the caller to record


def _describe_photo(data: bytes, media_type: str, config: Config, derived) -> tuple[dict, list, object]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        facts = imaging.describe(Image.open(io.BytesIO(data)), config.max_image_pixels, data)
    decoded = imaging.decode(data, facts["width"], facts["height"], facts["format"] == "JPEG", faces=config.faces)
    work = PhotoWork(data, media_type, facts, decoded, config, derived)
    for stage in PHOTO_STAGES:
        stage(work)
    return facts, facts.pop("warnings"), work.faces


def _derivatives(work: PhotoWork):
    """Thumbnail, blurred preview and PDQ hash, into the photo's facts."""
    thumb, preview, pdq, quality = imaging.derive(work.decoded)
    work.facts["thumbnail_sha256"] = work.derived.put_bytes(thumb)
    work.facts["preview_sha256"] = work.derived.put_bytes(preview)
    work.facts["pdq"], work.facts["pdq_quality"] = pdq, quality


def _faces(work: PhotoWork):
    """The faces in the photo and their crops (stored), when face search is on; recorded by the caller."""
    if not work.config.faces:
        return
    from dalil.faces import scan

    try:
        work.faces = scan.scan_pixels(work.decoded.face_rgb(), work.derived)
    except Exception:  # never lose the photo over its faces: the faces stage after grouping scans it again
        log.warning("faces: scanning a photo during ingest failed; left to the faces stage", exc_info=True)


# Every stage that reads a photo's pixels, in order, each given the same PhotoWork (one decode, shared):
# a stage adds to work.facts (recorded on the Photo) or to its own field of PhotoWork.
PHOTO_STAGES = (_derivatives, _faces)
