"""Camera facts from a Canon CIFF heap, as early Canon cameras wrote it into a JPEG's APP0 instead of EXIF.

The layout (Canon's CIFF 1.0r4, as Phil Harvey's ExifTool documents it): a header (byte order,
header length, "HEAP", a subtype such as "JPGM"), then a heap. A heap's last four bytes give the
offset of its record table: a 16-bit count, then 10-byte records (tag, size, offset within the
heap). Bits 0xC000 of a tag say where the value is (0x4000: in the record itself), bits 0x3800
its type (0x2800 and 0x3000: a nested heap). Only what dalil shows is read: make and model
(0x080A, "Canon\\0Canon PowerShot A5\\0") and the capture time (0x180E, seconds since 1970 on the
camera's clock). Everything is bounds-checked: a damaged heap gives nothing, never an error.
"""

import datetime
import struct

MAKE_MODEL = 0x080A
TIME_STAMP = 0x180E
_MAX_DEPTH = 8


def read(segment: bytes) -> dict:
    """{"make", "model", "captured_at"} (those found) from an APP0 payload that holds a CIFF heap, else {}."""
    if len(segment) < 26 or segment[:2] not in (b"II", b"MM") or segment[6:10] != b"HEAP":
        return {}
    order = "<" if segment[:2] == b"II" else ">"
    (header_length,) = struct.unpack_from(order + "I", segment, 2)
    values: dict[int, bytes] = {}
    _heap(segment, header_length, len(segment), order, values, 0)
    found = {}
    if MAKE_MODEL in values:
        parts = values[MAKE_MODEL].split(b"\0")
        make, model = (parts + [b"", b""])[:2]
        found.update(make=_text(make), model=_text(model))
    stamp = values.get(TIME_STAMP, b"")
    if len(stamp) >= 4:
        (seconds,) = struct.unpack_from(order + "I", stamp)
        try:
            found["captured_at"] = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).replace(
                tzinfo=None).isoformat()
        except (OverflowError, OSError, ValueError):
            pass
    return {k: v for k, v in found.items() if v}


def _heap(data: bytes, start: int, end: int, order: str, values: dict, depth: int) -> None:
    if depth > _MAX_DEPTH or not 0 <= start < end <= len(data) or end - start < 6:
        return
    (table,) = struct.unpack_from(order + "I", data, end - 4)
    table += start
    if not start <= table <= end - 6:
        return
    (count,) = struct.unpack_from(order + "H", data, table)
    for n in range(count):
        at = table + 2 + 10 * n
        if at + 10 > end:
            return
        tag, size, offset = struct.unpack_from(order + "HII", data, at)
        if tag & 0xC000 == 0x4000:
            value_start, value_end = at + 2, at + 10
        else:
            value_start, value_end = start + offset, start + offset + size
            if not start <= value_start <= value_end <= end:
                continue
        if tag & 0x3800 in (0x2800, 0x3000):
            _heap(data, value_start, value_end, order, values, depth + 1)
        elif tag & 0x3FFF in (MAKE_MODEL, TIME_STAMP):
            values.setdefault(tag & 0x3FFF, data[value_start:value_end])


def _text(value: bytes) -> str:
    return value.decode("latin-1").strip()
