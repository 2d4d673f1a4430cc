"""Taking identifying metadata out of what goes to a partner organisation, and nothing else.

A photo's EXIF and XMP can name the camera (serial number, owner), where it was
(GPS) and on what computer it was handled (software): enough to find the person
who took the photos. The partner profile receives each original with those
segments cut out, losslessly: the compressed image data is copied byte for
byte, never decoded or re-encoded, so nothing about the picture changes. Its
SHA-256 is no longer the sealed one; the package says so, names what was cut,
and carries the inclusion proof of the original it was cut from.

Formats whose metadata cannot be cut out without re-encoding (TIFF, RAW,
HEIC...) are withheld from a partner package, with the reason.
"""

import struct
from dataclasses import dataclass, field


class CannotRedact(Exception):
    """This file's metadata cannot be removed without touching the image data."""


@dataclass
class Redacted:
    data: bytes
    removed: list[dict] = field(default_factory=list)  # {"what", "offset", "length"}, offsets in the original


# JPEG markers kept: APP0 only as JFIF, APP2 only as an ICC colour profile, APP14 (Adobe colour transform).
_JFIF, _ICC = b"JFIF\x00", b"ICC_PROFILE\x00"
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM, RST0-7: no length field


def _jpeg_segment_name(marker: int, body: bytes) -> str:
    if marker == 0xE1:
        return "APP1 (XMP)" if body.startswith(b"http://ns.adobe.com/") else "APP1 (Exif)"
    if marker == 0xFE:
        return "COM (comment)"
    if marker == 0xED:
        return "APP13 (IPTC/Photoshop)"
    if 0xE0 <= marker <= 0xEF:
        return f"APP{marker - 0xE0}"
    return f"marker 0x{marker:02X}"


def _keep_jpeg_segment(marker: int, body: bytes) -> bool:
    if marker == 0xE0:
        return body.startswith(_JFIF)
    if marker == 0xE2:
        return body.startswith(_ICC)
    if marker == 0xEE:
        return True
    return not (0xE1 <= marker <= 0xEF or marker == 0xFE)


def jpeg(data: bytes) -> Redacted:
    """The JPEG without Exif, XMP, IPTC, comments, vendor segments or anything after its end marker."""
    if not data.startswith(b"\xff\xd8"):
        raise CannotRedact("not a JPEG stream")
    out, removed, pos = [b"\xff\xd8"], [], 2
    n = len(data)
    while pos < n:
        if data[pos] != 0xFF:
            raise CannotRedact(f"unexpected byte at offset {pos}: the JPEG structure is damaged")
        start = pos
        while pos < n and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= n:
            break
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI: whatever follows (trailers, hidden extra images) is dropped
            out.append(b"\xff\xd9")
            if pos < n:
                removed.append({"what": "data after the end of the image", "offset": pos, "length": n - pos})
            return Redacted(b"".join(out), removed)
        if marker in _STANDALONE:
            out.append(data[start:pos])
            continue
        if pos + 2 > n:
            raise CannotRedact("the JPEG ends inside a segment header")
        (length,) = struct.unpack(">H", data[pos:pos + 2])
        end = pos + length
        if length < 2 or end > n:
            raise CannotRedact(f"segment at offset {start} runs past the end of the file (truncated)")
        body = data[pos + 2:end]
        if _keep_jpeg_segment(marker, body):
            out.append(data[start:end])
        else:
            removed.append({"what": _jpeg_segment_name(marker, body), "offset": start, "length": end - start})
        pos = end
        if marker == 0xDA:  # start of scan: copy the entropy-coded data up to the next real marker
            scan = pos
            while True:
                nxt = data.find(b"\xff", scan)
                if nxt < 0 or nxt + 1 >= n:
                    raise CannotRedact("the JPEG ends inside its image data (truncated)")
                follower = data[nxt + 1]
                if follower == 0x00 or 0xD0 <= follower <= 0xD7:  # a stuffed 0xFF or a restart marker
                    scan = nxt + 2
                    continue
                break
            out.append(data[pos:nxt])
            pos = nxt
    raise CannotRedact("the JPEG has no end-of-image marker (truncated)")


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Chunks that describe pixels or colour only; everything else (tEXt, iTXt, zTXt, eXIf, tIME, private) goes.
_PNG_KEEP = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"bKGD",
             b"pHYs", b"hIST", b"acTL", b"fcTL", b"fdAT"}


def png(data: bytes) -> Redacted:
    if not data.startswith(_PNG_SIGNATURE):
        raise CannotRedact("not a PNG stream")
    out, removed, pos, n = [_PNG_SIGNATURE], [], len(_PNG_SIGNATURE), len(data)
    while pos + 12 <= n:
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        end = pos + 12 + length
        if end > n:
            raise CannotRedact(f"chunk at offset {pos} runs past the end of the file (truncated)")
        if kind in _PNG_KEEP:
            out.append(data[pos:end])
        else:
            removed.append({"what": f"{kind.decode('latin-1')} chunk", "offset": pos, "length": end - pos})
        pos = end
        if kind == b"IEND":
            if pos < n:
                removed.append({"what": "data after the end of the image", "offset": pos, "length": n - pos})
            return Redacted(b"".join(out), removed)
    raise CannotRedact("the PNG has no IEND chunk (truncated)")


REDACTORS = {"image/jpeg": jpeg, "image/png": png}


def redact(data: bytes, media_type: str) -> Redacted:
    redactor = REDACTORS.get(media_type)
    if redactor is None:
        raise CannotRedact(f"metadata cannot be removed from {media_type or 'this kind of file'} without "
                           "re-encoding it")
    return redactor(data)


# EXIF tags a partner may see: how the picture was made, never who made it or where.
EXIF_KEEP = {"Make", "Model", "Orientation", "DateTime", "XResolution", "YResolution", "ResolutionUnit",
             "ImageWidth", "ImageLength"}
EXIF_SUB_KEEP = {"DateTimeOriginal", "DateTimeDigitized", "SubsecTimeOriginal", "OffsetTimeOriginal",
                 "ExifImageWidth", "ExifImageHeight", "ColorSpace", "ExposureTime", "FNumber", "ISOSpeedRatings",
                 "FocalLength", "Flash"}


def exif(tags: dict) -> dict:
    """The EXIF tags (as archive.imaging stores them) a partner may see; no GPS, serial, owner or software."""
    kept = {k: v for k, v in (tags or {}).items() if k in EXIF_KEEP}
    sub = {k: v for k, v in ((tags or {}).get("Exif") or {}).items() if k in EXIF_SUB_KEEP}
    if sub:
        kept["Exif"] = sub
    return kept
