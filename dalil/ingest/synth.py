"""A synthetic, non-graphic photo archive shaped like the Caesar archive.

The real archive holds photos of detainees who died in custody in Syria in
2011-2013: each body photographed 3-20 times, with a card in the frame giving
three numbers, security branch / detainee number / forensic examination
number. This module makes an archive with the same shape and the same
problems (exact copies, near duplicates, corrupt files, a sidecar with mixed
digit systems) but whose pictures are abstract scenes only: smooth shapes in
muted colours, sensor-like noise, and the white card. It feeds the demo, the
tests and the ingest benchmark.

Layout written under OUTDIR (see docs and `synthesize`)::

    manifest.json   ground truth, not part of what is ingested
    victims.csv     the sidecar, UTF-8 with BOM, one row per body
    victims.xlsx    the same rows as an Excel sheet
    photos/branch-<B>/<YYYY-MM>/exam-<E>/<E>_<SS>.jpg          originals
    photos/copies/branch-.../<E>_<SS>.jpg                      exact copies
    photos/batch-2/branch-.../<E>_<SS>.jpg                     near duplicates

The plan (bodies, numbers, dates, paths, which photo is copied or broken) is
made first from one seeded RNG and is cheap; rendering is done per photo in a
process pool, each photo from its own seeded RNG, so the bytes written depend
only on (seed, bodies, megapixels), never on the number of workers.
"""

from __future__ import annotations

import calendar
import colorsys
import csv
import datetime
import functools
import hashlib
import io
import json
import math
import os
import random
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

# What `dalil ingest --pattern` needs: searched (not anchored), so the copies/
# and batch-2/ prefixes match too. The detainee number and the full date are
# only in the sidecar.
PATH_PATTERN = r"branch-(?P<branch>\d+)/(?P<month>\d{4}-\d{2})/exam-(?P<exam>\d+)/\d+_(?P<seq>\d+)\.jpg"
PHOTOS_DIR = "photos"
SIDECAR_CSV = "victims.csv"
SIDECAR_XLSX = "victims.xlsx"
MANIFEST = "manifest.json"
SIDECAR_COLUMNS = ["exam_no", "detainee_no", "branch", "photo_date", "photos"]

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

FIRST_DAY = datetime.date(2011, 5, 1)
LAST_DAY = datetime.date(2013, 8, 31)
ORIGINAL_QUALITY = 90
# Branch numbers and how often they occur: 215 most, 227 many.
BRANCH_WEIGHTS = {"215": 45, "227": 25, "235": 8, "248": 8, "251": 7, "216": 3, "220": 2, "290": 2}
# Photos per body: 3..20, mode 4, long tail.
PHOTOS_PER_BODY_WEIGHTS = {
    3: 10, 4: 22, 5: 20, 6: 12, 7: 8, 8: 6, 9: 4.5, 10: 3.5, 11: 2.5, 12: 2,
    13: 1.6, 14: 1.3, 15: 1.1, 16: 0.9, 17: 0.7, 18: 0.6, 19: 0.5, 20: 0.5,
}  # fmt: skip
# More deaths (and photos) in 2012-2013 than in 2011.
YEAR_WEIGHTS = {2011: 1.0, 2012: 2.5, 2013: 3.5}
EXACT_DUPLICATE_SHARE = 0.02
NEAR_DUPLICATE_SHARE = 0.02
TRUNCATED_SHARE = 0.005
RESIZE_SCALE = (0.5, 0.8)  # near duplicates made by resizing
CROP_SHARE = (0.004, 0.010)  # near duplicates made by cropping: share of each dimension trimmed
FIXED_XLSX_TIME = datetime.datetime(2013, 9, 1, 9, 0, 0)

FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansArabic-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSansBold.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansArabic-Regular.otf",
    "/usr/share/fonts/noto/NotoSansArabic-Regular.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
    "C:/Windows/Fonts/arial.ttf",
]


@dataclass(frozen=True)
class Camera:
    make: str
    model: str
    software: str
    serial: str


CAMERAS = [
    Camera("NIKON CORPORATION", "NIKON D90", "Ver.1.00", "3017542"),
    Camera("Canon", "Canon EOS 5D Mark II", "Firmware Version 2.0.9", "0820417364"),
    Camera("NIKON CORPORATION", "NIKON D7000", "Ver.1.03", "4082216"),
]
CAMERA_WEIGHTS = [50, 30, 20]
D7000_FROM = datetime.date(2012, 1, 1)  # the third camera only joins in 2012


# ---------------------------------------------------------------- the plan


@dataclass
class Derivative:
    kind: str  # "exact_duplicate" | "near_duplicate"
    path: str
    method: str = ""  # near duplicates: "quality:75", "resize:0.63", "crop:l,t,r,b"


@dataclass
class PhotoSlot:
    seq: int
    path: str
    taken: datetime.datetime
    derivatives: list[Derivative] = field(default_factory=list)
    truncate_to: float = 0.0  # > 0: only this share of the JPEG's bytes is written, at `path`


@dataclass
class Body:
    branch: str
    detainee_no: str
    exam_no: str
    photo_date: datetime.date
    camera: Camera
    arabic_digits_in_sidecar: bool
    photos: list[PhotoSlot] = field(default_factory=list)


@dataclass
class Garbage:
    path: str
    exam_no: str
    size: int


@dataclass
class Plan:
    seed: int
    bodies: list[Body]
    garbage: list[Garbage]

    def slots(self):
        for body in self.bodies:
            for slot in body.photos:
                yield body, slot


def to_arabic_indic(text) -> str:
    """The ASCII digits of `text` written as Arabic-Indic digits (U+0660-U+0669)."""
    return str(text).translate(ARABIC_INDIC)


def card_text(branch, detainee_no, exam_no) -> str:
    """What the card in the frame says: `<branch> / <detainee> / <exam>` in Arabic-Indic digits."""
    return " / ".join(to_arabic_indic(n) for n in (branch, detainee_no, exam_no))


def photo_path(branch: str, photo_date: datetime.date, exam_no: str, seq: int, prefix: str = "") -> str:
    """Path of a photo relative to OUTDIR, e.g. photos/branch-215/2012-03/exam-1234/1234_01.jpg."""
    rel = f"branch-{branch}/{photo_date:%Y-%m}/exam-{exam_no}/{exam_no}_{seq:02d}.jpg"
    return f"{PHOTOS_DIR}/{prefix}{rel}"


def _weighted(rng: random.Random, weights: dict):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _random_date(rng: random.Random) -> datetime.date:
    months = []
    d = FIRST_DAY
    while d <= LAST_DAY:
        months.append((d.year, d.month))
        d = (d.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    year, month = rng.choices(months, weights=[YEAR_WEIGHTS[y] for y, _ in months])[0]
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, rng.randint(1, last))


def _detainee_numbers(rng: random.Random, count: int) -> list[str]:
    """`count` distinct numbers of 1-4 digits, mostly 3-4 digits."""
    if count > 8000:
        return [str(n) for n in rng.sample(range(1, max(10000, 2 * count)), count)]
    seen: set[int] = set()
    out = []
    while len(out) < count:
        digits = rng.choices([1, 2, 3, 4], weights=[3, 12, 35, 50])[0]
        n = rng.randint(1 if digits == 1 else 10 ** (digits - 1), 10**digits - 1)
        if n not in seen:
            seen.add(n)
            out.append(str(n))
    return out


def plan_archive(bodies: int, seed: int = 0) -> Plan:
    """Everything about the archive except the pixels: cheap, deterministic for (bodies, seed)."""
    if bodies < 1:
        raise ValueError("bodies must be at least 1")
    rng = random.Random(f"dalil-synth-plan:{seed}")

    # Bodies in date order get increasing examination numbers.
    drafts = [(_random_date(rng), rng.random(), _weighted(rng, BRANCH_WEIGHTS)) for _ in range(bodies)]
    drafts.sort()
    start = 1000 + rng.randint(0, min(200, max(0, 8999 - bodies)))
    step_max = max(1, min(5, 2 * ((9999 - start) // bodies) - 1))
    exam_numbers, n = [], start
    for _ in range(bodies):
        exam_numbers.append(n)
        n += rng.randint(1, step_max)

    by_branch: dict[str, int] = {}
    for _, _, branch in drafts:
        by_branch[branch] = by_branch.get(branch, 0) + 1
    detainees = {b: _detainee_numbers(rng, c) for b, c in sorted(by_branch.items())}

    out: list[Body] = []
    for (photo_date, _, branch), exam in zip(drafts, exam_numbers):
        exam_no = str(exam)
        cameras = CAMERAS if photo_date >= D7000_FROM else CAMERAS[:2]
        camera = rng.choices(cameras, weights=CAMERA_WEIGHTS[: len(cameras)])[0]
        body = Body(
            branch=branch,
            detainee_no=detainees[branch].pop(),
            exam_no=exam_no,
            photo_date=photo_date,
            camera=camera,
            arabic_digits_in_sidecar=rng.random() < 1 / 3,
        )
        count = _weighted(rng, PHOTOS_PER_BODY_WEIGHTS)
        # Working hours; the photos of one body a few seconds to a minute apart.
        taken = datetime.datetime.combine(photo_date, datetime.time(8, 30)) + datetime.timedelta(
            seconds=rng.randint(0, 6 * 3600 + 1800)
        )
        for seq in range(1, count + 1):
            body.photos.append(PhotoSlot(seq, photo_path(branch, photo_date, exam_no, seq), taken))
            taken += datetime.timedelta(seconds=rng.randint(3, 60))
        out.append(body)

    # Which photos are copied, re-encoded or broken: disjoint sets of slots.
    slots = [(b, s) for b in out for s in b.photos]
    total = len(slots)
    n_exact = max(1, round(EXACT_DUPLICATE_SHARE * total))
    n_near = max(1, round(NEAR_DUPLICATE_SHARE * total))
    n_trunc = round(TRUNCATED_SHARE * total)
    if bodies >= 5:
        n_trunc = max(1, n_trunc)
    n_garbage = 0 if bodies < 5 else (1 if bodies < 200 else 2)
    n_exact = min(n_exact, total)
    n_near = min(n_near, total - n_exact)
    n_trunc = min(n_trunc, total - n_exact - n_near)
    chosen = rng.sample(range(total), n_exact + n_near + n_trunc)
    for i in sorted(chosen[:n_exact]):
        b, s = slots[i]
        copy = photo_path(b.branch, b.photo_date, b.exam_no, s.seq, "copies/")
        s.derivatives.append(Derivative("exact_duplicate", copy))
    for i in sorted(chosen[n_exact : n_exact + n_near]):
        b, s = slots[i]
        how = rng.choice(["quality", "resize", "crop"])
        if how == "quality":
            method = f"quality:{rng.choice([60, 70, 75, 80, 95])}"
        elif how == "resize":
            method = f"resize:{rng.uniform(*RESIZE_SCALE):.3f}"
        else:
            # A thin trim: PDQ is translation-sensitive, and a crop of more than about 1% of a
            # dimension no longer stays within PDQ distance 31 (3% off one edge: ~40 on
            # average; 8%: ~115, no better than unrelated photos).
            share = rng.uniform(*CROP_SHARE)  # of each dimension, split between its two edges
            lx, ty = share * rng.uniform(0.3, 0.7), share * rng.uniform(0.3, 0.7)
            method = f"crop:{lx:.5f},{ty:.5f},{share - lx:.5f},{share - ty:.5f}"
        s.derivatives.append(
            Derivative("near_duplicate", photo_path(b.branch, b.photo_date, b.exam_no, s.seq, "batch-2/"), method)
        )
    for i in sorted(chosen[n_exact + n_near :]):
        slots[i][1].truncate_to = rng.uniform(0.40, 0.70)

    garbage = []
    for b in rng.sample(out, n_garbage):
        seq = len(b.photos) + 1
        path = photo_path(b.branch, b.photo_date, b.exam_no, seq)
        garbage.append(Garbage(path, b.exam_no, rng.randint(20_000, 200_000)))
    return Plan(seed=seed, bodies=out, garbage=garbage)


# ---------------------------------------------------------------- rendering


def image_size(megapixels: float) -> tuple[int, int]:
    """4:3 width and height for about `megapixels`, width a multiple of 16 (8 -> 3264x2448)."""
    width = max(64, round(math.sqrt(megapixels * 1e6 * 4 / 3) / 16) * 16)
    return width, width * 3 // 4


def _font_has_digits(path: str) -> bool:
    try:
        font = ImageFont.truetype(path, 48, layout_engine=ImageFont.Layout.BASIC)
    except (OSError, ValueError):
        return False

    def render(ch):
        im = Image.new("L", (120, 120), 0)
        ImageDraw.Draw(im).text((20, 20), ch, font=font, fill=255)
        return im.tobytes()

    notdef = render("\uffff")
    blank = bytes(120 * 120)
    shapes = [render(d) for d in "٠١٢٣٤٥٦٧٨٩"]
    # Every digit drawn, none is the .notdef box, and they are not all the same shape.
    return all(s != notdef and s != blank for s in shapes) and len(set(shapes)) >= 9


@functools.cache
def find_card_font() -> str | None:
    """Path of a TrueType font with real Arabic-Indic digit glyphs, or None (then digits are drawn)."""
    for path in FONT_CANDIDATES:
        if os.path.exists(path) and _font_has_digits(path):
            return path
    return None


@functools.cache
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)


# Arabic-Indic digit shapes as polylines in a unit cell (x right, y down), for
# machines with no usable font. Each entry: list of strokes; a stroke is a
# list of points, or ("dot", x, y, r).
_DIGIT_STROKES = {
    "٠": [("dot", 0.5, 0.62, 0.13)],
    "١": [[(0.5, 0.02), (0.5, 1.0)]],
    "٢": [[(0.3, 1.0), (0.28, 0.38), (0.5, 0.24), (0.74, 0.34), (0.85, 0.02)]],
    "٣": [[(0.2, 1.0), (0.18, 0.38), (0.36, 0.2), (0.5, 0.36), (0.66, 0.18), (0.8, 0.32), (0.9, 0.02)]],
    "٤": [[(0.72, 0.02), (0.36, 0.2), (0.66, 0.46), (0.3, 0.68), (0.4, 0.98), (0.78, 0.92)]],
    "٥": [[(0.5, 0.38), (0.72, 0.6), (0.72, 0.85), (0.5, 1.0), (0.28, 0.85), (0.28, 0.6), (0.5, 0.38)]],
    "٦": [[(0.22, 0.02), (0.38, 0.16), (0.7, 0.16), (0.7, 1.0)]],
    "٧": [[(0.2, 0.02), (0.5, 1.0), (0.8, 0.02)]],
    "٨": [[(0.2, 1.0), (0.5, 0.02), (0.8, 1.0)]],
    "٩": [[(0.62, 0.2), (0.5, 0.04), (0.32, 0.1), (0.3, 0.32), (0.46, 0.42), (0.64, 0.34), (0.64, 0.2), (0.64, 1.0)]],
}


def _draw_digit(draw: ImageDraw.ImageDraw, ch: str, x: float, y: float, w: float, h: float, width: int, fill):
    for stroke in _DIGIT_STROKES[ch]:
        if stroke[0] == "dot":
            _, cx, cy, r = stroke
            rr = r * h
            draw.ellipse([x + cx * w - rr, y + cy * h - rr, x + cx * w + rr, y + cy * h + rr], fill=fill)
            continue
        pts = [(x + px * w, y + py * h) for px, py in stroke]
        draw.line(pts, fill=fill, width=width, joint="curve")
        for px, py in (pts[0], pts[-1]):
            draw.ellipse([px - width / 2, py - width / 2, px + width / 2, py + width / 2], fill=fill)


def render_card(branch, detainee_no, exam_no, digit_height: int, font_path: str | None, angle: float = 0.0,
                paper=(236, 236, 230)) -> Image.Image:
    """The white card with the three numbers, rotated by `angle` degrees: an RGBA image."""
    tokens = card_text(branch, detainee_no, exam_no).split(" / ")
    ink = (18, 18, 18, 255)
    stroke = max(2, round(digit_height * 0.11))
    pad = round(digit_height * 0.55)
    gap = round(digit_height * 0.45)  # each side of a slash
    slash_w = round(digit_height * 0.35)
    if font_path:
        font = _font(font_path, round(digit_height * 1.45))
        boxes = [font.getbbox(t) for t in tokens]
        widths = [b[2] - b[0] for b in boxes]
        top = min(b[1] for b in boxes)
        bottom = max(b[3] for b in boxes)
        text_h = bottom - top
    else:
        cell = round(digit_height * 0.62)
        widths = [cell * len(t) for t in tokens]
        text_h = digit_height
    width = sum(widths) + 2 * (slash_w + 2 * gap) + 2 * pad
    height = text_h + 2 * pad
    card = Image.new("RGBA", (width, height), paper + (255,))
    draw = ImageDraw.Draw(card)
    x = pad
    for i, (token, w) in enumerate(zip(tokens, widths)):
        if font_path:
            draw.text((x - boxes[i][0], pad - top), token, font=font, fill=ink)
        else:
            for j, ch in enumerate(token):
                _draw_digit(draw, ch, x + j * cell + cell * 0.1, pad, cell * 0.8, text_h, stroke, ink)
        x += w
        if i < len(tokens) - 1:
            x += gap
            draw.line([(x + slash_w, pad + text_h * 0.05), (x, pad + text_h * 0.95)], fill=ink, width=stroke)
            x += slash_w + gap
    draw.rectangle([0, 0, width - 1, height - 1], outline=(200, 200, 195, 255), width=max(1, stroke // 3))
    if angle:
        card = card.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=paper + (0,))
    return card


def _muted(rng: random.Random, hue: float | None = None):
    h = rng.random() if hue is None else (hue + rng.uniform(-0.12, 0.12)) % 1.0
    r, g, b = colorsys.hsv_to_rgb(h, rng.uniform(0.08, 0.38), rng.uniform(0.22, 0.85))
    return (round(r * 255), round(g * 255), round(b * 255))


SCENE_SIZE = (320, 240)


SCENE_SUPERSAMPLE = 3


def render_scene(rng: random.Random) -> Image.Image:
    """An abstract low-resolution scene (SCENE_SIZE): a gradient and random translucent shapes.

    Drawn supersampled and reduced, so edges are anti-aliased; many shapes of many sizes
    give every photo a distinct PDQ hash (unrelated photos ~128 bits apart).
    """
    ss = SCENE_SUPERSAMPLE
    w, h = SCENE_SIZE[0] * ss, SCENE_SIZE[1] * ss
    hue = rng.random()
    c0, c1 = np.array(_muted(rng, hue), np.float32), np.array(_muted(rng, hue + 0.5), np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    sw, sh = SCENE_SIZE
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    t = (xx / sw - 0.5) * math.cos(angle) + (yy / sh - 0.5) * math.sin(angle) + 0.5
    t = np.clip(t, 0, 1)[..., None]
    base = Image.fromarray((c0 * (1 - t) + c1 * t).astype(np.uint8), "RGB").resize((w, h), Image.Resampling.BILINEAR)
    d = ImageDraw.Draw(base, "RGBA")  # translucent fills blend onto what is there
    for _ in range(rng.randint(15, 30)):
        fill = _muted(rng, hue if rng.random() < 0.6 else None) + (rng.randint(140, 235),)
        cx, cy = rng.uniform(-0.1, 1.1) * w, rng.uniform(-0.1, 1.1) * h
        rx, ry = rng.uniform(0.03, 0.4) * w, rng.uniform(0.03, 0.4) * h
        kind = rng.random()
        if kind < 0.45:
            d.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=fill)
        elif kind < 0.8:
            n = rng.randint(3, 6)
            a0 = rng.uniform(0, 2 * math.pi)
            pts = [
                (cx + rx * rng.uniform(0.5, 1.0) * math.cos(a0 + 2 * math.pi * k / n),
                 cy + ry * rng.uniform(0.5, 1.0) * math.sin(a0 + 2 * math.pi * k / n))
                for k in range(n)
            ]  # fmt: skip
            d.polygon(pts, fill=fill)
        else:
            x2, y2 = rng.uniform(0, 1) * w, rng.uniform(0, 1) * h
            d.line([(cx, cy), (x2, y2)], fill=fill, width=rng.randint(4, 22) * ss)
    return base.reduce(ss).filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 0.9)))


_NOISE_TILE = 256
_NOISE_LIMIT = 14  # |noise| <= this; every pixel is kept in [limit, 255 - limit] before it is added
_CLAMP = [min(255 - _NOISE_LIMIT, max(_NOISE_LIMIT, v)) for v in range(256)] * 3
_noise_cache: dict[tuple[int, int], Image.Image] = {}


def _noise_field(width: int, height: int) -> Image.Image:
    """Per process: a (width+T) x (height+T) RGB image of int8 noise stored two's-complement, tiled from one fixed tile.

    `ImageChops.add_modulo` of a crop of it onto a photo adds the noise exactly, with no
    clipping pass, because every pixel of the photo is in [_NOISE_LIMIT, 255 - _NOISE_LIMIT].
    """
    key = (width, height)
    if key not in _noise_cache:
        _noise_cache.clear()
        nrng = np.random.default_rng(0x5EED)
        luma = nrng.normal(0, 5.0, (_NOISE_TILE, _NOISE_TILE, 1))
        chroma = nrng.normal(0, 2.5, (_NOISE_TILE, _NOISE_TILE, 3))
        tile = np.clip(np.rint(luma + chroma), -_NOISE_LIMIT, _NOISE_LIMIT).astype(np.int8).view(np.uint8)
        reps_y = (height + _NOISE_TILE) // _NOISE_TILE + 1
        reps_x = (width + _NOISE_TILE) // _NOISE_TILE + 1
        field = np.tile(tile, (reps_y, reps_x, 1))[: height + _NOISE_TILE, : width + _NOISE_TILE]
        _noise_cache[key] = Image.fromarray(np.ascontiguousarray(field), "RGB")
    return _noise_cache[key]


def _upscale(scene: Image.Image, width: int, height: int) -> Image.Image:
    """The scene at full size, every value within [_NOISE_LIMIT, 255 - _NOISE_LIMIT].

    Bicubic to half size, clamp, then a 2x nearest-neighbour step: a fraction of the cost of a
    full-size bicubic resize, and invisible on a scene this smooth once noise is added.
    """
    half = scene.resize(((width + 1) // 2, (height + 1) // 2), Image.Resampling.BICUBIC).point(_CLAMP)
    return half.resize((width, height), Image.Resampling.NEAREST)


def render_photo(branch, detainee_no, exam_no, width: int, height: int, rng: random.Random) -> Image.Image:
    """One full-size photo: abstract scene, the card, mild sensor noise."""
    image = compose_photo(branch, detainee_no, exam_no, width, height, rng)
    ox, oy = rng.randrange(_NOISE_TILE), rng.randrange(_NOISE_TILE)
    noise = _noise_field(width, height).crop((ox, oy, ox + width, oy + height))
    return ImageChops.add_modulo(image, noise)


def compose_photo(branch, detainee_no, exam_no, width: int, height: int, rng: random.Random) -> Image.Image:
    """The photo before noise: every value within [_NOISE_LIMIT, 255 - _NOISE_LIMIT]."""
    image = _upscale(render_scene(rng), width, height)
    digit_h = max(10, round(height * rng.uniform(0.045, 0.06)))
    # Paper and ink inside [_NOISE_LIMIT, 255 - _NOISE_LIMIT], like the scene: see _noise_field.
    card = render_card(branch, detainee_no, exam_no, digit_h, find_card_font(), angle=rng.uniform(-12, 12),
                       paper=tuple(rng.randint(226, 240) for _ in range(3)))  # fmt: skip
    if card.width > width * 0.9:  # tiny images: keep the card inside the frame
        scale = width * 0.9 / card.width
        size = (max(1, round(card.width * scale)), max(1, round(card.height * scale)))
        card = card.resize(size, Image.Resampling.BILINEAR)
    margin = round(0.03 * width)
    x = rng.randint(min(margin, width - card.width), max(0, width - card.width - margin))
    y = rng.randint(min(margin, height - card.height), max(0, height - card.height - margin))
    image.paste(card, (x, y), card)
    return image


def exif_bytes(camera: Camera, taken: datetime.datetime) -> bytes:
    """Camera-only EXIF: Make, Model, Software, DateTime; DateTimeOriginal/Digitized and BodySerialNumber."""
    stamp = taken.strftime("%Y:%m:%d %H:%M:%S")
    exif = Image.Exif()
    exif[0x010F] = camera.make
    exif[0x0110] = camera.model
    exif[0x0131] = camera.software
    exif[0x0132] = stamp
    exif[0x0112] = 1  # Orientation: normal
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = stamp  # DateTimeOriginal
    sub[0x9004] = stamp  # DateTimeDigitized
    sub[0xA431] = camera.serial  # BodySerialNumber
    return exif.tobytes()


def _jpeg(image: Image.Image, quality: int, exif: bytes) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, exif=exif, optimize=False)
    return out.getvalue()


def _near_duplicate(image: Image.Image, method: str, exif: bytes) -> bytes:
    how, _, arg = method.partition(":")
    if how == "quality":
        return _jpeg(image, int(arg), exif)
    if how == "resize":
        f = float(arg)
        size = (round(image.width * f), round(image.height * f))
        return _jpeg(image.resize(size, Image.Resampling.LANCZOS), ORIGINAL_QUALITY, exif)
    if how == "crop":
        left, top, right, bottom = (float(v) for v in arg.split(","))
        w, h = image.size
        box = (round(left * w), round(top * h), w - round(right * w), h - round(bottom * h))
        return _jpeg(image.crop(box), ORIGINAL_QUALITY, exif)
    raise ValueError(f"unknown near-duplicate method {method!r}")


def _write(outdir: Path, rel: str, data: bytes) -> None:
    path = outdir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _record(rel: str, kind: str, exam_no: str, data: bytes, of: str | None = None, method: str | None = None) -> dict:
    rec = {"path": rel, "kind": kind, "of": of, "exam_no": exam_no,
           "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    if method:
        rec["method"] = method
    return rec


# Pillow frees image memory as soon as an image goes; at 8 MP that is several 24 MB images
# a photo, and the page faults of getting them back cost ~10% of the time. Keep freed blocks.
PILLOW_BLOCKS_MAX = 24


def _init_worker() -> None:
    Image.core.set_blocks_max(PILLOW_BLOCKS_MAX)


def render_task(task: dict) -> list[dict]:
    """Process-pool work unit: render one photo slot and write it and its derivatives; return file records."""
    outdir = Path(task["outdir"])
    rng = random.Random(f"dalil-synth-photo:{task['seed']}:{task['exam_no']}:{task['seq']}")
    image = render_photo(task["branch"], task["detainee_no"], task["exam_no"], task["width"], task["height"], rng)
    camera = Camera(*task["camera"])
    exif = exif_bytes(camera, datetime.datetime.fromisoformat(task["taken"]))
    data = _jpeg(image, ORIGINAL_QUALITY, exif)
    records = []
    if task["truncate_to"]:
        cut = data[: int(len(data) * task["truncate_to"])]
        _write(outdir, task["path"], cut)
        records.append(_record(task["path"], "truncated", task["exam_no"], cut))
    else:
        _write(outdir, task["path"], data)
        records.append(_record(task["path"], "original", task["exam_no"], data))
    for kind, rel, method in task["derivatives"]:
        blob = data if kind == "exact_duplicate" else _near_duplicate(image, method, exif)
        _write(outdir, rel, blob)
        records.append(_record(rel, kind, task["exam_no"], blob, of=task["path"], method=method or None))
    return records


# ---------------------------------------------------------------- sidecar and manifest


def sidecar_rows(plan: Plan) -> list[list[str]]:
    """One row per body, in examination-number order; about a third with Arabic-Indic digits."""
    rows = []
    for b in plan.bodies:
        nums = [b.exam_no, b.detainee_no, b.branch]
        if b.arabic_digits_in_sidecar:
            nums = [to_arabic_indic(n) for n in nums]
        rows.append([*nums, b.photo_date.isoformat(), str(len(b.photos))])
    return rows


def _write_sidecars(outdir: Path, rows: list[list[str]]) -> None:
    with open(outdir / SIDECAR_CSV, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(SIDECAR_COLUMNS)
        writer.writerows(rows)

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "victims"
    ws.append(SIDECAR_COLUMNS)
    for row in rows:
        ws.append(row)  # every cell text, exactly as in the CSV
    wb.properties.creator = "dalil synth"
    wb.properties.created = FIXED_XLSX_TIME
    wb.properties.modified = FIXED_XLSX_TIME
    raw = io.BytesIO()
    wb.save(raw)
    # openpyxl stamps the zip entries and docProps/core.xml's "modified" with the current
    # time: rewrite both with a fixed one, so the same seed gives the same bytes.
    from openpyxl.xml.functions import tostring

    wb.properties.modified = FIXED_XLSX_TIME
    core = tostring(wb.properties.to_tree())
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_XLSX_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, core if info.filename == "docProps/core.xml" else src.read(info.filename))
    (outdir / SIDECAR_XLSX).write_bytes(out.getvalue())


def _tasks(plan: Plan, outdir: Path, width: int, height: int) -> list[dict]:
    tasks = []
    for body, slot in plan.slots():
        tasks.append({
            "outdir": str(outdir), "seed": plan.seed, "width": width, "height": height,
            "branch": body.branch, "detainee_no": body.detainee_no, "exam_no": body.exam_no,
            "camera": (body.camera.make, body.camera.model, body.camera.software, body.camera.serial),
            "seq": slot.seq, "path": slot.path, "taken": slot.taken.isoformat(),
            "truncate_to": slot.truncate_to,
            "derivatives": [(d.kind, d.path, d.method) for d in slot.derivatives],
        })  # fmt: skip
    return tasks


def synthesize(outdir, bodies: int, seed: int = 0, megapixels: float = 8.0, workers: int | None = None,
               progress=None) -> dict:
    """Write the synthetic archive under `outdir` (created; must be empty) and return its summary.

    The summary (also in manifest.json) has bodies, photos (every file under photos/),
    originals (intact originals), exact_duplicates, near_duplicates, corrupt
    (truncated + garbage), truncated, garbage, bytes (of photos/), width, height.
    The returned dict adds `seconds`, `outdir`, `pattern` and `sidecar`.
    `progress(done, total)` is called in this process as photos are finished.
    """
    began = time.monotonic()
    outdir = Path(outdir)
    if outdir.exists() and (not outdir.is_dir() or any(outdir.iterdir())):
        raise FileExistsError(f"{outdir} exists and is not an empty folder")
    if megapixels <= 0:
        raise ValueError("megapixels must be positive")
    plan = plan_archive(bodies, seed)
    width, height = image_size(megapixels)
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / PHOTOS_DIR).mkdir()
    find_card_font()  # once here, so forked workers inherit the answer

    tasks = _tasks(plan, outdir, width, height)
    records: list[dict] = []
    workers = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
    if progress:
        progress(0, len(tasks))
    if workers == 1:
        blocks_max = Image.core.get_blocks_max()
        _init_worker()
        try:
            for i, task in enumerate(tasks, 1):
                records.extend(render_task(task))
                if progress:
                    progress(i, len(tasks))
        finally:
            Image.core.set_blocks_max(blocks_max)  # give the cached blocks back
    else:
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker) as pool:
            futures = [pool.submit(render_task, t) for t in tasks]
            for i, fut in enumerate(as_completed(futures), 1):
                records.extend(fut.result())
                if progress:
                    progress(i, len(tasks))

    grng = random.Random(f"dalil-synth-garbage:{seed}")
    for g in plan.garbage:
        data = bytearray(grng.randbytes(g.size))
        data[0] = 0x00  # never starts like a JPEG by chance
        _write(outdir, g.path, bytes(data))
        records.append(_record(g.path, "garbage", g.exam_no, bytes(data)))
    records.sort(key=lambda r: r["path"])

    _write_sidecars(outdir, sidecar_rows(plan))

    count = {k: 0 for k in ("original", "exact_duplicate", "near_duplicate", "truncated", "garbage")}
    for r in records:
        count[r["kind"]] += 1
    summary = {
        "bodies": len(plan.bodies),
        "photos": len(records),
        "originals": count["original"],
        "exact_duplicates": count["exact_duplicate"],
        "near_duplicates": count["near_duplicate"],
        "corrupt": count["truncated"] + count["garbage"],
        "truncated": count["truncated"],
        "garbage": count["garbage"],
        "bytes": sum(r["size"] for r in records),
        "width": width,
        "height": height,
    }
    manifest = {
        "seed": seed,
        "bodies": bodies,
        "megapixels": megapixels,
        "summary": summary,
        "bodies_list": [
            {
                "branch": b.branch,
                "detainee_no": b.detainee_no,
                "exam_no": b.exam_no,
                "photo_date": b.photo_date.isoformat(),
                "camera": {"make": b.camera.make, "model": b.camera.model, "serial": b.camera.serial},
                "photos": [s.path for s in b.photos],
            }
            for b in plan.bodies
        ],
        "files": records,
    }
    (outdir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return {
        **summary,
        "seconds": round(time.monotonic() - began, 2),
        "outdir": str(outdir),
        "pattern": PATH_PATTERN,
        "sidecar": str(outdir / SIDECAR_CSV),
    }


# Missing-person reports (`dalil synth --reports N`): realistic Syrian names written the ways families and
# organisations write them, some people reported twice (ground truth in the manifest), brothers reported together.
# Arabic, then the Latin spellings seen for it (the first is the most common).
MALE_NAMES = [
    ("محمد", ["Mohammad", "Muhammad", "Mohamed", "Mhd", "Mohammed"]), ("أحمد", ["Ahmad", "Ahmed"]),
    ("محمود", ["Mahmoud", "Mahmud"]), ("خالد", ["Khaled", "Khalid"]), ("عمر", ["Omar", "Umar"]),
    ("علي", ["Ali"]), ("حسن", ["Hasan", "Hassan"]), ("حسين", ["Hussein", "Husain"]),
    ("عبد الرحمن", ["Abdulrahman", "Abd al-Rahman", "Abdelrahman", "Abdul Rahman"]),
    ("عبد الله", ["Abdullah", "Abdallah", "Abd Allah"]), ("عبد الكريم", ["Abdulkarim", "Abdelkarim"]),
    ("يوسف", ["Yousef", "Yusuf", "Youssef"]), ("إبراهيم", ["Ibrahim", "Ebrahim"]), ("مصطفى", ["Mustafa", "Mostafa"]),
    ("سامر", ["Samer"]), ("مازن", ["Mazen", "Mazin"]), ("رامي", ["Rami", "Ramy"]), ("باسل", ["Basel", "Basil"]),
    ("طارق", ["Tarek", "Tariq"]), ("وائل", ["Wael", "Wail"]), ("عمار", ["Ammar"]), ("أنس", ["Anas"]),
    ("زياد", ["Ziad", "Ziyad"]), ("فراس", ["Firas", "Feras"]), ("غسان", ["Ghassan"]), ("هيثم", ["Haitham", "Haytham"]),
    ("أيمن", ["Ayman"]), ("وليد", ["Walid", "Waleed"]), ("جمال", ["Jamal"]), ("نبيل", ["Nabil", "Nabeel"]),
    ("ياسر", ["Yaser", "Yasser"]), ("حمزة", ["Hamza", "Hamzah"]), ("عثمان", ["Othman", "Osman"]),
    ("سليمان", ["Suleiman", "Sulaiman"]), ("قاسم", ["Qasem", "Kassem"]), ("صالح", ["Saleh", "Salih"]),
    ("إسماعيل", ["Ismail", "Ismael"]), ("عادل", ["Adel", "Adil"]), ("منير", ["Mounir", "Munir"]),
    ("شادي", ["Shadi", "Shady"]), ("فادي", ["Fadi", "Fady"]), ("معاذ", ["Moaz", "Muath"]),
    ("بلال", ["Bilal", "Belal"]), ("نزار", ["Nizar", "Nezar"]), ("ماهر", ["Maher", "Mahir"]),
    ("عماد", ["Imad", "Emad"]), ("رياض", ["Riad", "Riyad"]), ("جهاد", ["Jihad"]), ("كمال", ["Kamal"]),
]
FEMALE_NAMES = [
    ("فاطمة", ["Fatima", "Fatmeh", "Fatme"]), ("عائشة", ["Aisha", "Aysha"]), ("مريم", ["Maryam", "Mariam"]),
    ("زينب", ["Zeinab", "Zainab"]), ("خديجة", ["Khadija", "Khadijeh"]), ("نور", ["Nour", "Nur"]),
    ("رنا", ["Rana"]), ("هبة", ["Heba", "Hiba"]), ("سعاد", ["Souad", "Suad"]), ("أمل", ["Amal"]),
    ("نادية", ["Nadia", "Nadya"]), ("وفاء", ["Wafaa", "Wafa"]), ("جميلة", ["Jamila", "Jamileh"]),
    ("سمر", ["Samar"]), ("ليلى", ["Layla", "Leila"]), ("هدى", ["Huda", "Hoda"]), ("منى", ["Mona", "Muna"]),
]
FAMILY_NAMES = [
    ("الحلبي", ["Al-Halabi", "Halabi", "El Halaby", "Alhalabi"]), ("الحمصي", ["Al-Homsi", "Homsi"]),
    ("الشامي", ["Al-Shami", "Shami", "Chami"]), ("المصري", ["Al-Masri", "Masri"]),
    ("الخطيب", ["Al-Khatib", "Khatib", "El Khateeb"]), ("الحموي", ["Al-Hamwi", "Hamwi", "Hamawi"]),
    ("العلي", ["Al-Ali", "Alali"]), ("الحسن", ["Al-Hasan", "Al Hassan"]), ("الزعبي", ["Al-Zoubi", "Zoubi", "Zubi"]),
    ("الحوراني", ["Al-Hourani", "Hourani"]), ("قباني", ["Kabbani", "Qabbani"]), ("النجار", ["Al-Najjar", "Najjar"]),
    ("الحداد", ["Al-Haddad", "Haddad"]), ("العمر", ["Al-Omar", "Alomar"]), ("الدوماني", ["Al-Doumani", "Doumani"]),
    ("الإدلبي", ["Al-Idlibi", "Idlibi", "Edlebi"]), ("السيد", ["Al-Sayed", "El Sayed", "Alsayed"]),
    ("الخليل", ["Al-Khalil", "Khalil"]), ("الأحمد", ["Al-Ahmad", "Alahmad"]), ("عيسى", ["Issa", "Eissa"]),
    ("الحسين", ["Al-Hussein", "Alhussein"]), ("البيطار", ["Al-Bitar", "Bitar"]), ("الرفاعي", ["Al-Rifai", "Rifai"]),
    ("الصباغ", ["Al-Sabbagh", "Sabbagh"]), ("الجاسم", ["Al-Jasem", "Aljasem", "Al-Jassim"]),
    ("الخضر", ["Al-Khodr", "Khodr", "Al-Khidr"]), ("الشيخ", ["Al-Sheikh", "El Sheikh"]), ("حداد", ["Haddad"]),
    ("العثمان", ["Al-Othman", "Alothman"]), ("الموسى", ["Al-Mousa", "Almousa"]), ("الكردي", ["Al-Kurdi", "Kurdi"]),
    ("القاسم", ["Al-Qasem", "Alkasem"]), ("الحريري", ["Al-Hariri", "Hariri"]), ("التركماني", ["Al-Turkmani", "Turkmani"]),
]
TOWNS = [("حلب", "Aleppo"), ("حمص", "Homs"), ("دمشق", "Damascus"), ("درعا", "Daraa"), ("دوما", "Douma"),
         ("حماة", "Hama"), ("إدلب", "Idlib"), ("داريا", "Darayya"), ("المعضمية", "Moadamiyeh"), ("الزبداني", "Zabadani")]
REPORT_COLUMNS = ["report_id", "first_name_ar", "father_name_ar", "grandfather_name_ar", "family_name_ar",
                  "mother_name_ar", "first_name_latin", "father_name_latin", "grandfather_name_latin",
                  "family_name_latin", "mother_name_latin", "sex", "birth_date", "age_at_arrest", "home_town",
                  "arrest_date", "arrest_place", "person"]
REPORTS_CSV = "reports.csv"


def _person(rng: random.Random, pid: int, father=None) -> dict:
    """One missing person: names (Arabic and the Latin spellings of each), birth, town, arrest."""
    sex = "male" if rng.random() < 0.9 else "female"
    if father is not None:  # a brother or sister: same father, grandfather, family, mother, town
        person = dict(father, pid=pid, sex=sex)
        person["first"] = rng.choice([n for n in (MALE_NAMES if sex == "male" else FEMALE_NAMES)
                                      if n[0] != father["first"][0]])
        person["birth"] = father["birth"] + datetime.timedelta(days=rng.randint(400, 4000))
        person["arrest"] = father["arrest"] + datetime.timedelta(days=rng.randint(0, 3))
        return person
    born = datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randint(0, 365 * 35))
    return {
        "pid": pid, "sex": sex, "first": rng.choice(MALE_NAMES if sex == "male" else FEMALE_NAMES),
        "father": rng.choice(MALE_NAMES), "grandfather": rng.choice(MALE_NAMES), "family": rng.choice(FAMILY_NAMES),
        "mother": rng.choice(FEMALE_NAMES), "town": rng.choice(TOWNS), "birth": born,
        "arrest": FIRST_DAY + datetime.timedelta(days=rng.randint(0, (LAST_DAY - FIRST_DAY).days)),
    }


def _report_row(rng: random.Random, person: dict, rid: str) -> dict:
    """One report of a person as one family or organisation writes it: Arabic, Latin or both; parts left out."""
    script = rng.choices(["ar", "latin", "both"], weights=[5, 3, 2])[0]
    row = {c: "" for c in REPORT_COLUMNS}
    row.update(report_id=rid, person=person["pid"], sex=person["sex"])
    roles = ["first", "father", "grandfather", "family", "mother"]
    kept = {r for r in roles if r in ("first", "family") or rng.random() < {"father": 0.85, "grandfather": 0.45,
                                                                             "mother": 0.6}[r]}
    for role in roles:
        if role not in kept:
            continue
        arabic, spellings = person[role]
        if script in ("ar", "both"):
            row[f"{role}_name_ar"] = arabic
        if script in ("latin", "both"):
            row[f"{role}_name_latin"] = rng.choice(spellings) if rng.random() < 0.5 else spellings[0]
    if rng.random() < 0.6:
        row["birth_date"] = person["birth"].isoformat()
    elif rng.random() < 0.7:
        row["age_at_arrest"] = str(max(14, person["arrest"].year - person["birth"].year + rng.choice([-1, 0, 0, 1])))
    if rng.random() < 0.8:
        row["home_town"] = person["town"][0 if script == "ar" else rng.randint(0, 1)]
    if rng.random() < 0.7:
        row["arrest_date"] = (person["arrest"] + datetime.timedelta(days=rng.randint(-20, 20))).isoformat()
    return row


def synth_reports(people: int, seed: int = 0, duplicate_share: float = 0.25, sibling_share: float = 0.1) -> dict:
    """Report rows for `people` missing persons: some reported twice or three times (known duplicates), some
    with a brother or sister reported too (same father, family and mother: never a duplicate).

    Returns {"rows": [...], "duplicates": [[report_id, report_id], ...]} (every pair of reports of one person).
    """
    rng = random.Random(f"dalil-synth-reports:{seed}")
    persons: list[dict] = []
    while len(persons) < people:
        persons.append(_person(rng, len(persons)))
        if len(persons) < people and rng.random() < sibling_share:
            persons.append(_person(rng, len(persons), father=persons[-1]))
    rows, by_person = [], {}
    for person in persons:
        copies = 1 + (rng.random() < duplicate_share) + (rng.random() < duplicate_share / 5)
        for _copy in range(copies):
            rid = f"R{len(rows) + 1:06d}"
            rows.append(_report_row(rng, person, rid))
            by_person.setdefault(person["pid"], []).append(rid)
    rng.shuffle(rows)
    duplicates = sorted([a, b] for ids in by_person.values() for i, a in enumerate(ids) for b in ids[i + 1:])
    return {"rows": rows, "duplicates": duplicates}


# reports.csv as an association's spreadsheet: one column per name (a row in Arabic or in Latin letters), headers
# `dalil import table --kind reports` maps by itself. The manifest keeps every row whole (both scripts).
TABLE_HEADERS = [("id", "report_id"), ("first name", "first"), ("father name", "father"),
                 ("grandfather name", "grandfather"), ("family name", "family"), ("mother name", "mother"),
                 ("sex", "sex"), ("date of birth", "birth_date"), ("age", "age_at_arrest"), ("home town", "home_town"),
                 ("arrest date", "arrest_date"), ("arrest place", "arrest_place")]


def _table_row(row: dict) -> list[str]:
    script = "ar" if row["first_name_ar"] else "latin"
    return [row.get(f"{key}_name_{script}", "") if key in ("first", "father", "grandfather", "family", "mother")
            else str(row[key]) for _header, key in TABLE_HEADERS]


def write_reports(outdir, people: int, seed: int = 0) -> dict:
    """Write OUTDIR/reports.csv (as `dalil import table --kind reports` reads it) and add the reports, whole,
    with the known duplicate pairs (by report id) to manifest.json. Returns the counts."""
    outdir = Path(outdir)
    data = synth_reports(people, seed)
    with open(outdir / REPORTS_CSV, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([header for header, _key in TABLE_HEADERS])
        writer.writerows(_table_row(row) for row in data["rows"])
    manifest_path = outdir / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    manifest["reports"] = {"file": REPORTS_CSV, "people": people, "rows": data["rows"],
                           "duplicates": data["duplicates"]}
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return {"reports": len(data["rows"]), "people": people, "duplicate_pairs": len(data["duplicates"])}
