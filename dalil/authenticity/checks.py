"""Authenticity checks on one photo's bytes: each gives a result, the evidence behind it, never a verdict.

`examine(data)` decodes the photo once and runs every check in CHECKS. Each
returns a `Finding`: `clean` (nothing the check looks for was found), `flag`
(something a person should look at, with `reasons` naming what) or
`not_applicable` (the check cannot run on this file, e.g. a PNG has no JPEG
tables), plus `evidence`: the numbers a reader can weigh. A flag is a reason
to look closer, not a finding of forgery: editors, transfer software and
messaging apps leave the same marks as a forger would. The checks touch no
database and are deterministic: the same bytes give the same findings, and
each finding carries its check's version so a changed check is never mixed
with an old result.
"""

import io
import re
import warnings
from dataclasses import asdict, dataclass, field
from datetime import datetime

import numpy as np
from PIL import ExifTags, Image

from dalil.authenticity import jpeg, pixels

CLEAN, FLAG, NOT_APPLICABLE = "clean", "flag", "not_applicable"

# Software names that re-encode or edit pictures (Exif Software, XMP CreatorTool). A manufacturer's transfer
# tool (Nikon Transfer, Canon ZoomBrowser) writes metadata without touching pixels: recorded, not flagged.
EDITORS = re.compile(
    r"photoshop|gimp|lightroom|paint\b|paint\.net|painttool|pixelmator|snapseed|imagemagick|graphicsmagick|"
    r"affinity|picasa|acdsee|canva|fotor|facetune|vsco|krita|irfanview|xnview|photo ?editor|corel|luminar|"
    r"capture one|darktable|rawtherapee|pillow|libvips|photoscape|photos? app|picsart|polarr|aperture|iphoto",
    re.I)
TIME_TOLERANCE_S = 2  # cameras write their timestamps within a second of each other


@dataclass
class Finding:
    check: str
    version: int
    result: str
    reasons: list = field(default_factory=list)  # codes, explained in dalil.authenticity.explain
    evidence: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Photo:
    """What the checks read, decoded once: the bytes, the JPEG structure, the EXIF, the picture."""
    data: bytes
    structure: jpeg.Structure
    image: Image.Image | None
    exif: dict  # IFD0 and Exif IFD tags by number
    thumbnail: bytes
    xmp: bytes
    problem: str = ""


def load(data: bytes, max_pixels: int = 150_000_000) -> Photo:
    structure = jpeg.parse(data)
    image, exif, thumbnail, xmp, problem = None, {}, b"", structure.xmp, ""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        if image.width * image.height > max_pixels:
            problem, image = f"{image.width}×{image.height} pixels is more than the limit of {max_pixels:,}", None
        else:
            if image.format == "JPEG" and image.mode == "RGB":
                image.draft("YCbCr", image.size)  # JPEG's own planes, full size: the DCT checks need Y unconverted
            image.load()
    except Exception as exc:  # Pillow raises many kinds for broken files
        problem, image = f"the picture could not be read ({type(exc).__name__})", None
    if image is not None:
        exif, thumbnail = _exif(image, structure)
        xmp = xmp or (image.info.get("xmp") or b"")
        if isinstance(xmp, str):
            xmp = xmp.encode("utf-8", "replace")
    return Photo(data, structure, image, exif, thumbnail, xmp, problem)


def _exif(image: Image.Image, structure: jpeg.Structure) -> tuple[dict, bytes]:
    try:
        raw = image.getexif()
        tags = dict(raw)
        tags.update(raw.get_ifd(ExifTags.IFD.Exif))
        ifd1 = raw.get_ifd(ExifTags.IFD.IFD1)
    except Exception:  # a broken IFD: the metadata check says so
        return {"_unreadable": True}, b""
    thumbnail = b""
    offset, length = ifd1.get(0x0201), ifd1.get(0x0202)
    if structure.exif and isinstance(offset, int) and isinstance(length, int) and length > 0:
        thumbnail = structure.exif[offset:offset + length]
    return tags, thumbnail


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("latin-1", "replace")
    return str(value or "").strip("\x00 ").strip()


def _time(value) -> datetime | None:
    try:
        return datetime.strptime(_text(value)[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def check_metadata(photo: Photo) -> Finding:
    """Camera fields present, times consistent with each other, no editor named, stated size = actual size."""
    f = Finding("metadata", 1, CLEAN)
    if photo.image is None:
        return Finding("metadata", 1, NOT_APPLICABLE, evidence={"problem": photo.problem})
    tags = photo.exif
    make, model = _text(tags.get(0x010F)), _text(tags.get(0x0110))
    software = _text(tags.get(0x0131))
    f.evidence.update(make=make, model=model, software=software,
                      serial=_text(tags.get(0xA431)), exif_present=bool(tags))
    if tags.get("_unreadable"):
        f.reasons.append("exif_unreadable")
    elif not make and not model:
        f.reasons.append("no_camera_metadata")
    original, digitized, modified = (_time(tags.get(t)) for t in (0x9003, 0x9004, 0x0132))
    f.evidence.update(captured=_iso(original), digitized=_iso(digitized), modified=_iso(modified))
    if original and digitized and abs((original - digitized).total_seconds()) > TIME_TOLERANCE_S:
        f.reasons.append("capture_times_differ")
        f.evidence["capture_digitized_seconds"] = int((digitized - original).total_seconds())
    if original and modified:
        seconds = int((modified - original).total_seconds())
        f.evidence["modified_after_capture_seconds"] = seconds
        if seconds < -TIME_TOLERANCE_S:
            f.reasons.append("modified_before_capture")
    if software and EDITORS.search(software):
        f.reasons.append("editing_software")
    history = _xmp_history(photo.xmp)
    if history:
        f.evidence["xmp"] = history
        if history.get("actions") or (history.get("creator_tool") and EDITORS.search(history["creator_tool"])):
            f.reasons.append("xmp_editing_history")
    stated = (tags.get(0xA002), tags.get(0xA003))
    if all(isinstance(v, int) and v > 0 for v in stated):
        actual = photo.image.size
        f.evidence.update(stated_size=list(stated), actual_size=list(actual))
        if sorted(stated) != sorted(actual):
            f.reasons.append("size_differs_from_exif")
    if f.reasons:
        f.result = FLAG
    return f


def _iso(value: datetime | None) -> str:
    return value.isoformat(sep=" ") if value else ""


def _xmp_history(xmp: bytes) -> dict:
    if not xmp:
        return {}
    text = xmp.decode("utf-8", "replace")
    found = {}
    tool = re.search(r'CreatorTool(?:="|>)([^"<]{1,120})', text)
    if tool:
        found["creator_tool"] = tool.group(1)
    actions = re.findall(r'stEvt:action(?:="|>)([^"<]{1,40})', text)
    if actions:
        found["actions"] = actions[:20]
    agents = re.findall(r'stEvt:softwareAgent(?:="|>)([^"<]{1,120})', text)
    if agents:
        found["software_agents"] = sorted(set(agents))[:10]
    return found


def check_structure(photo: Photo) -> Finding:
    """Marker order, tables and encoding against what cameras write; the estimated quality as evidence."""
    s = photo.structure
    if not s.is_jpeg:
        return Finding("jpeg_structure", 1, NOT_APPLICABLE, evidence={"format": photo.image.format if photo.image
                                                                        else ""})
    f = Finding("jpeg_structure", 1, CLEAN)
    quality = jpeg.estimate_quality(s.luma_table(), s.chroma_table())
    order = [o for o in s.order if not o.startswith(("RST",))]
    f.evidence.update(markers=order[:24], progressive=s.progressive, quality=quality,
                      huffman="standard" if s.huffman_standard() else "optimised" if s.huffman else "",
                      luma_table=list(s.luma_table() or ()), chroma_table=list(s.chroma_table() or ()),
                      trailing_bytes=s.trailing_bytes)
    if s.problems:
        f.evidence["problems"] = s.problems[:5]
        f.reasons.append("malformed")
    tags = [seg.tag for seg in s.segments if seg.marker.startswith("APP")]
    if "Exif" in tags:
        first_app = s.segments[1].tag if len(s.segments) > 1 else ""
        # The Exif standard puts APP1 first; libjpeg-based encoders write their JFIF APP0 before it.
        if first_app == "JFIF":
            f.reasons.append("jfif_before_exif")
    if "Photoshop" in tags or "Adobe" in tags:
        f.reasons.append("editor_segments")
    if s.progressive:
        f.reasons.append("progressive")
    if s.trailing_bytes > 1024:
        f.reasons.append("data_after_end")
    if f.reasons:
        f.result = FLAG
    return f


def check_thumbnail(photo: Photo) -> Finding:
    """The EXIF thumbnail against the main picture made as small: the same shape and the same content."""
    if photo.image is None or not photo.thumbnail:
        return Finding("thumbnail", 1, NOT_APPLICABLE, evidence={"thumbnail": bool(photo.thumbnail)})
    f = Finding("thumbnail", 1, CLEAN)
    try:
        thumb = Image.open(io.BytesIO(photo.thumbnail))
        thumb.load()
    except Exception:
        return Finding("thumbnail", 1, NOT_APPLICABLE, evidence={"thumbnail": "unreadable"})
    comparison = pixels.compare_thumbnail(photo.image, thumb)
    f.evidence.update(comparison)
    if comparison["aspect_difference"] > pixels.THUMB_MAX_ASPECT_DIFFERENCE:
        f.reasons.append("thumbnail_shape_differs")
    elif comparison["correlation"] < pixels.THUMB_MIN_CORRELATION:
        f.reasons.append("thumbnail_content_differs")
    if f.reasons:
        f.result = FLAG
    return f


def check_double_jpeg(photo: Photo) -> Finding:
    """Aligned double JPEG compression, from the histograms of the luminance DCT coefficients."""
    if photo.image is None or not photo.structure.is_jpeg or not photo.structure.luma_table():
        return Finding("double_jpeg", 1, NOT_APPLICABLE)
    luma = pixels.luma_plane(photo.image)
    if luma is None:
        return Finding("double_jpeg", 1, NOT_APPLICABLE, evidence={"problem": "no luminance plane"})
    evidence = pixels.double_compression(luma, np.array(photo.structure.luma_table(), dtype=np.float32))
    f = Finding("double_jpeg", 1, CLEAN, evidence=evidence)
    if evidence.get("frequencies_used", 0) < pixels.DJPEG_MIN_FREQUENCIES:
        f.result = NOT_APPLICABLE
    elif evidence["periodic_frequencies"] >= pixels.DJPEG_MIN_PERIODIC:
        f.result, f.reasons = FLAG, ["double_compression"]
    return f


def check_copy_move(photo: Photo) -> Finding:
    """The same region twice in one picture: block matching on low-frequency DCT features."""
    if photo.image is None:
        return Finding("copy_move", 1, NOT_APPLICABLE)
    evidence = pixels.copy_move(pixels.small_gray(photo.image, pixels.COPY_MOVE_SIDE))
    f = Finding("copy_move", 1, CLEAN, evidence=evidence)
    if evidence["matched_blocks"] >= pixels.COPY_MOVE_MIN_BLOCKS:
        f.result, f.reasons = FLAG, ["copied_region"]
    return f


CHECKS = (check_metadata, check_structure, check_thumbnail, check_double_jpeg, check_copy_move)
VERSIONS = {"metadata": 1, "jpeg_structure": 1, "thumbnail": 1, "double_jpeg": 1, "copy_move": 1}


def examine(data: bytes, max_pixels: int = 150_000_000) -> list[Finding]:
    """Every check on one photo's bytes, in CHECKS order."""
    photo = load(data, max_pixels)
    findings = []
    for check in CHECKS:
        try:
            findings.append(check(photo))
        except Exception as exc:  # one broken file must not stop the others' checks: recorded, not hidden
            name = check.__name__.removeprefix("check_").replace("structure", "jpeg_structure")
            findings.append(Finding(name, VERSIONS.get(name, 1), NOT_APPLICABLE,
                                    evidence={"problem": f"the check could not run ({type(exc).__name__})"}))
    return findings
