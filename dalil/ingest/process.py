"""The per-file work of ingest: a pure function of one file's bytes and the settings.

`process_entry` reads the file exactly once, hashing the bytes while they are
copied into the store, then describes and derives from the same bytes in
memory. It touches no database, so it can run in a worker process here or on
another machine; the caller records what it returns.
"""

import io
import warnings
from dataclasses import dataclass, field

import filetype
from PIL import Image, ImageFile

from dalil.archive import imaging
from dalil.evidence.store import CHUNK, open_store
from dalil.ingest.sources import Entry, open_entry

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

    @classmethod
    def from_settings(cls) -> "Config":
        from django.conf import settings

        return cls(
            settings.STORE_URL, settings.DERIVATIVES_URL, str(settings.HOME / "tmp"), settings.STORE_FSYNC,
            settings.S3_ENDPOINT_URL, settings.MAX_IMAGE_PIXELS, settings.MAX_DECODE_BYTES,
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
    try:
        return _describe(result, entry, data, head, read_error, config, derived, role)
    finally:
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
        result.warnings.append(f"{result.media_type} cannot be decoded here; preserved and typed, no derivatives made")
        return result
    try:
        result.photo, found = _describe_photo(data, config, derived)
        result.warnings.extend(found)
    except imaging.TooManyPixels as exc:
        return result.quarantine("decompression_bomb", str(exc))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return result.quarantine("decompression_bomb", f"{exc}; preserved and hashed, not decoded")
    except (imaging.CorruptImage, OSError, ValueError, SyntaxError, EOFError) as exc:
        return result.quarantine("corrupt_image", f"the image cannot be decoded ({exc}); it may be truncated or "
                                 "damaged: the bytes are preserved, look for an intact copy")
    return result


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


def _describe_photo(data: bytes, config: Config, derived) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        facts = imaging.describe(Image.open(io.BytesIO(data)), config.max_image_pixels)
    thumb, preview, pdq, quality = imaging.derive(data, facts["width"], facts["height"], facts["format"] == "JPEG")
    warnings_found = facts.pop("warnings")
    facts["thumbnail_sha256"] = derived.put_bytes(thumb)
    facts["preview_sha256"] = derived.put_bytes(preview)
    facts["pdq"], facts["pdq_quality"] = pdq, quality
    return facts, warnings_found
