#!/usr/bin/env python3
"""Authenticity checks: how often they flag untouched photos, how often they catch manipulated copies.

Originals:
  camera     the corpus's camera JPEGs (../shared/corpora/exif-samples/jpg) with a camera make, less those its
             README says were scaled down with GIMP, the broken ones (corrupted.jpg, invalid/) and files with no
             camera make; provenance otherwise undocumented, so each flag is listed with its reasons.
  gimp       the files the corpus README documents as scaled down with GIMP 2.4.5: real edits, reported apart.
  synthetic  single-compressed camera-like JPEGs: the corpus's large photos reduced 4× (no JPEG grid left),
             cut into tiles, saved once with the camera's own tables and Exif fields, APP0 removed (cameras
             write Exif first) and no thumbnail.
Manipulations, made here from every camera and synthetic original: re-saved by Pillow (Exif dropped, as
Pillow does unless told), by Pillow keeping the Exif, by libvips (pyvips) and ImageMagick (`convert`, skipped
with a note when absent) at several qualities; resized; cropped; spliced from another original; a region
copied within the photo; DateTimeOriginal edited and all dates shifted with exiftool (skipped when absent);
retouched with the original's thumbnail left in place.

A copy counts as detected when any check flags it; detect rates are over the copies of originals that
were clean (a flagged original proves nothing about its copy). Everything is deterministic.

Usage: python bench/authenticity.py [--corpus DIR] [--json] [--limit N]
"""
from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dalil.authenticity import checks, jpeg  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "exif-samples"
MAGICK = next((p for p in ("/usr/bin/convert-im6.q16", "/usr/bin/magick", "/usr/bin/convert") if Path(p).exists()),
              None)
EXIFTOOL = shutil.which("exiftool")


def gimp_scaled(corpus: Path) -> set[str]:
    """The file names the corpus README lists as scaled down with GIMP."""
    text = (corpus / "jpg" / "README").read_text(errors="replace")
    return set(re.findall(r"^(\S+\.jpg)\s", text, flags=re.M))


def corpus_originals(corpus: Path) -> tuple[list, list]:
    camera, gimp = [], []
    scaled = gimp_scaled(corpus)
    for path in sorted((corpus / "jpg").rglob("*.jpg")):
        rel = str(path.relative_to(corpus / "jpg"))
        if rel.startswith("invalid/") or rel == "corrupted.jpg":
            continue
        data = path.read_bytes()
        if rel in scaled:
            gimp.append((rel, data))
            continue
        try:
            make = Image.open(io.BytesIO(data)).getexif().get(0x010F)
        except Exception:
            continue
        if make:
            camera.append((rel, data))
    return camera, gimp


def _strip_app0(data: bytes) -> bytes:
    s = jpeg.parse(data)
    for seg in s.segments:
        if seg.marker == "APP0":
            return data[:seg.offset] + data[seg.offset + 4 + seg.length:]
    return data


def synthetic_originals(camera: list) -> list:
    made = []
    for rel, data in camera:
        image = Image.open(io.BytesIO(data))
        if image.width < 1600:
            continue
        tables = image.quantization
        exif = image.getexif()
        small = image.convert("RGB").reduce(4)
        w, h = small.size
        tw, th = w * 3 // 5, h * 3 // 5
        for n, (x, y) in enumerate(((0, 0), (w - tw, 0), (0, h - th), (w - tw, h - th))):
            tile = small.crop((x, y, x + tw, y + th))
            fresh = Image.Exif()
            for tag in (0x010F, 0x0110, 0x0132):
                if exif.get(tag):
                    fresh[tag] = exif.get(tag)
            sub = exif.get_ifd(0x8769)
            fresh_sub = fresh.get_ifd(0x8769)
            for tag in (0x9003, 0x9004):
                if sub.get(tag):
                    fresh_sub[tag] = sub.get(tag)
            fresh_sub[0xA002], fresh_sub[0xA003] = tile.size
            buffer = io.BytesIO()
            tile.save(buffer, "JPEG", qtables=tables, exif=fresh.tobytes(), subsampling=2)
            made.append((f"synthetic/{Path(rel).stem}-{n}", _strip_app0(buffer.getvalue())))
    return made


# --- manipulations: each takes (data, other_original_data) and returns bytes or None (not possible here) ---

def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def _save(image: Image.Image, exif: bytes | None, quality) -> bytes:
    out = io.BytesIO()
    options = {"quality": quality}
    if exif:
        options["exif"] = exif
    image.save(out, "JPEG", **options)
    return out.getvalue()


def pillow(quality, keep_exif=False):
    def make(data, other):
        image = _open(data)
        return _save(image.convert("RGB"), image.info.get("exif") if keep_exif else None, quality)
    return make


def vips(quality):
    def make(data, other):
        import pyvips

        return pyvips.Image.new_from_buffer(data, "").jpegsave_buffer(Q=quality)
    return make


def magick(quality):
    def make(data, other):
        if MAGICK is None:
            return None
        return subprocess.run([MAGICK, "jpg:-", "-quality", str(quality), "jpg:-"], input=data,
                              capture_output=True, check=True).stdout
    return make


def resized(data, other):
    image = _open(data)
    return _save(image.convert("RGB").resize((image.width * 3 // 4, image.height * 3 // 4)),
                 image.info.get("exif"), 90)


def cropped(data, other):
    image = _open(data)
    w, h = image.size
    return _save(image.convert("RGB").crop((w // 10, h // 10, w - w // 10, h - h // 5)), image.info.get("exif"), 90)


def spliced(data, other):
    image = _open(data)
    donor = _open(other).convert("RGB")
    w, h = image.size
    patch = donor.resize((w // 3, h // 3))
    base = image.convert("RGB")
    base.paste(patch, (w // 2, h // 3))
    return _save_keep(image, base)


def _save_keep(original: Image.Image, edited: Image.Image) -> bytes:
    """Saved with the original's own tables and Exif (the hardest case for the pixel checks)."""
    out = io.BytesIO()
    edited.save(out, "JPEG", qtables=original.quantization, exif=original.info.get("exif", b""))
    return out.getvalue()


def copy_moved(data, other):
    image = _open(data)
    base = image.convert("RGB")
    w, h = base.size
    side = max(16, min(w, h) // 5)
    region = base.crop((w // 8, h // 8, w // 8 + side, h // 8 + side))
    base.paste(region, (w - w // 8 - side, h - h // 8 - side))
    return _save_keep(image, base)


def thumbnail_left(data, other):
    """A retouch (a quarter of the picture painted over), saved with the original's Exif and so its thumbnail."""
    image = _open(data)
    base = image.convert("RGB")
    w, h = base.size
    base.paste((40, 40, 40), (0, 0, w // 2, h // 2))
    return _save_keep(image, base)


def _exiftool(args):
    def make(data, other):
        if EXIFTOOL is None:
            return None
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "photo.jpg"
            path.write_bytes(data)
            subprocess.run([EXIFTOOL, "-q", "-overwrite_original", *args, str(path)], check=True,
                           capture_output=True)
            return path.read_bytes()
    return make


MANIPULATIONS = {
    "pillow_q60": pillow(60), "pillow_q75": pillow(75), "pillow_q90": pillow(90), "pillow_q95": pillow(95),
    "pillow_keep_exif_q85": pillow(85, keep_exif=True),
    "vips_q75": vips(75), "vips_q90": vips(90),
    "magick_q75": magick(75), "magick_q90": magick(90),
    "resized": resized, "cropped": cropped, "spliced": spliced, "copy_moved": copy_moved,
    "thumbnail_left": thumbnail_left,
    "exif_time_edited": _exiftool(["-DateTimeOriginal=2012:05:01 10:00:00"]),
    "exif_all_dates_shifted": _exiftool(["-AllDates+=0:0:0 1:00:00"]),
    "exif_model_edited": _exiftool(["-Model=Other camera"]),
}
GROUPS = {"re-saves": [m for m in MANIPULATIONS if m.startswith(("pillow", "vips", "magick"))],
          "exif edits": ["exif_time_edited", "exif_all_dates_shifted", "exif_model_edited"],
          "thumbnail": ["thumbnail_left"], "resize/crop": ["resized", "cropped"],
          "splice": ["spliced"], "copy-move": ["copy_moved"]}


def flags_of(data: bytes) -> dict:
    return {f.check: f.reasons for f in checks.examine(data) if f.result == checks.FLAG}


def run(corpus: Path, limit: int | None) -> dict:
    camera, gimp = corpus_originals(corpus)
    synthetic = synthetic_originals(camera)
    if limit:
        camera, synthetic = camera[:limit], synthetic[:limit]
    timings = []
    originals = {}
    for group, items in (("camera", camera), ("synthetic", synthetic), ("gimp", gimp)):
        for name, data in items:
            started = time.perf_counter()
            originals[name] = (group, data, flags_of(data))
            timings.append((time.perf_counter() - started) * 1000)
    per_check_orig = defaultdict(lambda: defaultdict(int))
    counts = defaultdict(int)
    listed = []
    for name, (group, data, flags) in originals.items():
        counts[group] += 1
        per_check_orig[group]["any"] += bool(flags)
        for check in flags:
            per_check_orig[group][check] += 1
        if flags:
            listed.append({"file": name, "group": group, "flags": flags})
    detect = defaultdict(lambda: defaultdict(int))
    tried = defaultdict(int)
    skipped = {}
    clean = [(n, d) for n, (g, d, f) in originals.items() if g in ("camera", "synthetic") and not f]
    for i, (name, data) in enumerate(clean):
        other = clean[(i + 1) % len(clean)][1]
        for manipulation, make in MANIPULATIONS.items():
            try:
                made = make(data, other)
            except Exception as exc:  # noted, not hidden
                skipped[manipulation] = f"{type(exc).__name__}: {exc}"[:200]
                continue
            if made is None:
                skipped[manipulation] = "tool not installed"
                continue
            tried[manipulation] += 1
            flags = flags_of(made)
            detect[manipulation]["any"] += bool(flags)
            for check in flags:
                detect[manipulation][check] += 1
    check_names = list(checks.VERSIONS)
    result = {
        "originals": dict(counts),
        "clean_originals_manipulated": len(clean),
        "ms_per_photo": {"median": round(float(np.median(timings)), 1), "p95": round(float(np.percentile(timings, 95)), 1),
                         "max": round(max(timings), 1)},
        "overall": {f"flag_rate_{g}": _rate(per_check_orig[g]["any"], counts[g]) for g in counts},
        "checks": {c: {"flag_rate": {g: _rate(per_check_orig[g][c], counts[g]) for g in counts},
                       "detect_rate": {m: _rate(detect[m][c], tried[m]) for m in tried}} for c in check_names},
        "manipulations": {m: {"copies": tried[m], "detect_rate": _rate(detect[m]["any"], tried[m])} for m in tried},
        "groups": {g: _rate(sum(detect[m]["any"] for m in ms if m in tried), sum(tried[m] for m in ms if m in tried))
                   for g, ms in GROUPS.items()},
        "skipped": skipped,
        "flagged_originals": listed,
    }
    return result


def _rate(hits: int, total: int) -> float | None:
    return round(hits / total, 3) if total else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--limit", type=int, help="at most N originals per group (a quick run)")
    args = parser.parse_args()
    if not (args.corpus / "jpg").is_dir():
        print(f"{args.corpus}: not the exif-samples corpus (no jpg/ folder)", file=sys.stderr)
        return 1
    result = run(args.corpus, args.limit)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"originals: {result['originals']}; ms per photo {result['ms_per_photo']}")
    print("false-flag rate (any check):", result["overall"])
    for check, figures in result["checks"].items():
        print(f"  {check:15} flag rate {figures['flag_rate']}")
    print("detection (any check), over copies of clean originals:")
    for manipulation, figures in result["manipulations"].items():
        per = {c: result["checks"][c]["detect_rate"].get(manipulation) for c in result["checks"]}
        print(f"  {manipulation:24} {figures['detect_rate']!s:6} of {figures['copies']:3}  {per}")
    print("by group:", result["groups"])
    if result["skipped"]:
        print("skipped:", result["skipped"])
    for item in result["flagged_originals"]:
        print(f"  flagged original {item['group']:9} {item['file']}: {item['flags']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
