"""A JPEG file's structure, read from its bytes: segments in order, quantisation and Huffman tables, frame.

Small and bounds-checked on purpose: it reads lengths and never trusts them
past the end of the data, stops at the first scan's entropy-coded data for
the segments before it (and walks on to the end for markers after it), and
never raises on a malformed file: `problems` says what was wrong.
"""

from dataclasses import dataclass, field

# The example tables of ITU-T T.81 Annex K, natural (row-major) order: what libjpeg, and so Pillow,
# ImageMagick, libvips, GIMP and most editors, scale by a "quality" from 1 to 100.
IJG_LUMA = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)
IJG_CHROMA = (
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
    *([99] * 32),
)
# Annex K.3's Huffman code-length counts (BITS): the "standard" tables an encoder uses when it does not optimise.
STANDARD_HUFFMAN_BITS = {
    (0, "dc_luma"): (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0),
    (0, "dc_chroma"): (0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0),
    (1, "ac_luma"): (0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D),
    (1, "ac_chroma"): (0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77),
}
_STANDARD_BITS = set(STANDARD_HUFFMAN_BITS.values())

# Inverse of the zigzag scan: ZIGZAG[k] is the natural index of the k-th coefficient in a DQT segment.
ZIGZAG = (
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14,
    21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60,
    61, 54, 47, 55, 62, 63,
)

MARKER_NAMES = {0xD8: "SOI", 0xD9: "EOI", 0xDA: "SOS", 0xDB: "DQT", 0xC4: "DHT", 0xDD: "DRI", 0xFE: "COM",
                0xC0: "SOF0", 0xC1: "SOF1", 0xC2: "SOF2", 0xC3: "SOF3", 0xCC: "DAC"}
MARKER_NAMES.update({0xE0 + n: f"APP{n}" for n in range(16)})
MARKER_NAMES.update({0xC0 + n: f"SOF{n}" for n in (5, 6, 7, 9, 10, 11, 13, 14, 15)})
MARKER_NAMES.update({0xD0 + n: f"RST{n}" for n in range(8)})


@dataclass
class Segment:
    marker: str
    offset: int
    length: int  # of the payload, without marker and length bytes
    tag: str = ""  # what an APPn holds: "Exif", "JFIF", "XMP", "Adobe", "Photoshop", "ICC", "MPF", ...


@dataclass
class Structure:
    is_jpeg: bool = False
    segments: list[Segment] = field(default_factory=list)
    quant_tables: dict = field(default_factory=dict)  # table id -> 64 values, natural order
    huffman: list = field(default_factory=list)  # (class, id, bits tuple)
    components: list = field(default_factory=list)  # (id, h, v, quant table id)
    width: int = 0
    height: int = 0
    progressive: bool = False
    exif: bytes = b""  # the APP1 Exif payload after "Exif\0\0": a TIFF structure
    xmp: bytes = b""
    trailing_bytes: int = 0  # bytes after EOI
    problems: list = field(default_factory=list)

    @property
    def order(self) -> list[str]:
        return [f"{s.marker}:{s.tag}" if s.tag else s.marker for s in self.segments]

    def luma_table(self) -> tuple | None:
        if not self.components:
            return None
        return self.quant_tables.get(self.components[0][3])

    def chroma_table(self) -> tuple | None:
        if len(self.components) < 2:
            return None
        return self.quant_tables.get(self.components[1][3])

    def huffman_standard(self) -> bool | None:
        """True when every Huffman table is an Annex K table (an encoder that does not optimise)."""
        if not self.huffman:
            return None
        return all(bits in _STANDARD_BITS for _, _, bits in self.huffman)


def _app_tag(payload: bytes) -> str:
    for prefix, tag in ((b"Exif\0", "Exif"), (b"JFIF\0", "JFIF"), (b"JFXX\0", "JFXX"),
                        (b"http://ns.adobe.com/xap/1.0/\0", "XMP"), (b"http://ns.adobe.com/xmp/extension/\0", "XMP"),
                        (b"Adobe", "Adobe"), (b"Photoshop 3.0\0", "Photoshop"), (b"ICC_PROFILE\0", "ICC"),
                        (b"MPF\0", "MPF"), (b"Ducky", "Ducky")):
        if payload.startswith(prefix):
            return tag
    return ""


def parse(data: bytes) -> Structure:
    """Every marker segment of a JPEG, its tables and frame; `problems` names anything malformed."""
    s = Structure()
    if len(data) < 4 or data[:2] != b"\xff\xd8":
        s.problems.append("does not start with a JPEG start-of-image marker")
        return s
    s.is_jpeg = True
    s.segments.append(Segment("SOI", 0, 0))
    pos = 2
    end = len(data)
    while pos < end:
        if data[pos] != 0xFF:
            s.problems.append(f"expected a marker at byte {pos}")
            return s
        while pos < end and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= end:
            break
        code = data[pos]
        pos += 1
        name = MARKER_NAMES.get(code, f"0x{code:02X}")
        if code == 0xD9:
            s.segments.append(Segment("EOI", pos - 2, 0))
            s.trailing_bytes = end - pos
            return s
        if 0xD0 <= code <= 0xD7 or code == 0x01:
            continue
        if pos + 2 > end:
            s.problems.append(f"{name} segment cut off at byte {pos}")
            return s
        length = int.from_bytes(data[pos:pos + 2], "big") - 2
        if length < 0 or pos + 2 + length > end:
            s.problems.append(f"{name} segment at byte {pos - 2} runs past the end of the file")
            return s
        payload = data[pos + 2:pos + 2 + length]
        segment = Segment(name, pos - 2, length)
        s.segments.append(segment)
        if name.startswith("APP"):
            segment.tag = _app_tag(payload)
            if segment.tag == "Exif" and not s.exif:
                s.exif = payload[6:]
            elif segment.tag == "XMP":
                s.xmp += payload
        elif name == "DQT":
            _read_dqt(payload, s)
        elif name == "DHT":
            _read_dht(payload, s)
        elif name.startswith("SOF"):
            _read_sof(payload, name, s)
        pos += 2 + length
        if name == "SOS":
            pos = _skip_entropy_data(data, pos)
    s.problems.append("no end-of-image marker")
    return s


def _read_dqt(payload: bytes, s: Structure) -> None:
    i = 0
    while i < len(payload):
        precision, table_id = payload[i] >> 4, payload[i] & 15
        size = 128 if precision else 64
        values = payload[i + 1:i + 1 + size]
        if len(values) < size:
            s.problems.append("a quantisation table is cut short")
            return
        if precision:
            values = [int.from_bytes(values[k:k + 2], "big") for k in range(0, 128, 2)]
        natural = [0] * 64
        for k, v in enumerate(values):
            natural[ZIGZAG[k]] = v
        s.quant_tables[table_id] = tuple(natural)
        i += 1 + size


def _read_dht(payload: bytes, s: Structure) -> None:
    i = 0
    while i + 17 <= len(payload):
        table_class, table_id = payload[i] >> 4, payload[i] & 15
        bits = tuple(payload[i + 1:i + 17])
        s.huffman.append((table_class, table_id, bits))
        i += 17 + sum(bits)
    if i != len(payload):
        s.problems.append("a Huffman table segment has a length that does not match its tables")


def _read_sof(payload: bytes, name: str, s: Structure) -> None:
    if len(payload) < 6 or s.components:
        if s.components:
            s.problems.append("more than one frame header")
        return
    s.height = int.from_bytes(payload[1:3], "big")
    s.width = int.from_bytes(payload[3:5], "big")
    s.progressive = name in ("SOF2", "SOF6", "SOF10", "SOF14")
    count = payload[5]
    for n in range(count):
        at = 6 + 3 * n
        if at + 3 > len(payload):
            s.problems.append("the frame header is cut short")
            return
        s.components.append((payload[at], payload[at + 1] >> 4, payload[at + 1] & 15, payload[at + 2]))


def _skip_entropy_data(data: bytes, pos: int) -> int:
    """The position of the next marker after a scan's entropy-coded data (stuffed 0xFF00 and RSTn skipped)."""
    end = len(data)
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= end:
            return end
        nxt = data[pos + 1]
        if nxt == 0x00 or 0xD0 <= nxt <= 0xD7 or nxt == 0xFF:
            pos += 1 if nxt == 0xFF else 2
            continue
        return pos


def ijg_table(base: tuple, quality: int) -> tuple:
    """libjpeg's jpeg_quality_scaling applied to an Annex K table (baseline: values capped at 255)."""
    quality = min(max(quality, 1), 100)
    scale = 5000 // quality if quality < 50 else 200 - quality * 2
    return tuple(min(max((b * scale + 50) // 100, 1), 255) for b in base)


_IJG_LUMA = {q: ijg_table(IJG_LUMA, q) for q in range(1, 101)}
_IJG_CHROMA = {q: ijg_table(IJG_CHROMA, q) for q in range(1, 101)}


def estimate_quality(luma: tuple | None, chroma: tuple | None = None) -> dict:
    """The libjpeg quality whose tables are nearest; `exact` when the tables are libjpeg's, value for value."""
    if not luma:
        return {}
    best, best_err = 0, None
    for q in range(1, 101):
        err = sum(abs(a - b) for a, b in zip(luma, _IJG_LUMA[q]))
        if chroma:
            err += sum(abs(a - b) for a, b in zip(chroma, _IJG_CHROMA[q]))
        if best_err is None or err < best_err:
            best, best_err = q, err
    count = 128 if chroma else 64
    exact = best_err == 0
    return {"quality": best, "exact_libjpeg": exact, "mean_difference": round(best_err / count, 2)}
