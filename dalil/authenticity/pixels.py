"""Pixel evidence with numpy: DCT coefficient histograms, copy-move block matching, thumbnail comparison, ELA.

Each function takes decoded pixels and returns plain numbers (the evidence a
check records); the thresholds that turn them into flags sit here, beside the
statistics they apply to, and were set with bench/authenticity.py.
Every cost is bounded whatever the photo's size: the DCT statistics read at
most DJPEG_MAX_BLOCKS 8×8 blocks (the central ones, on the JPEG grid), copy-move
works on the picture reduced to COPY_MOVE_SIDE pixels on its longest side.
"""

import io

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image

# Double JPEG compression (Popescu & Farid; Lukáš & Fridrich): a JPEG's coefficients are multiples of its
# quantisation steps. Decoded and transformed again, they are whole numbers; re-saved at other steps, their
# histograms get periodic gaps and peaks that one compression never makes.
DJPEG_MAX_BLOCKS = 128 * 128  # 1 megapixel in the middle of the photo: ~20 ms, histograms of 16,384 values each
DJPEG_FREQUENCIES = 20  # the first AC coefficients in zigzag order: the ones with enough non-zero values
DJPEG_BINS = 14  # |k| from 2 to this: beyond it too few coefficients remain to see a period
DJPEG_MIN_COUNT = 40  # a bin's expected count below this says nothing
DJPEG_MIN_STEP = 3  # finer steps drown in the decoder's rounding (about 0.3 of a unit per coefficient)
DJPEG_ODD_RATIO = 0.25  # a bin this far (relative) from its neighbours' geometric mean is odd...
DJPEG_ODD_Z = 3.0  # ...if it is also this many standard errors away
DJPEG_ODD_BINS = 2  # a histogram with this many odd bins is periodic
DJPEG_MIN_FREQUENCIES = 4  # fewer usable histograms: not applicable (too small, too flat or too coarse)
DJPEG_MIN_PERIODIC = 3  # this many periodic histograms raise the flag

COPY_MOVE_SIDE = 384  # longest side searched: ~110,000 blocks, ~0.1 s
COPY_MOVE_BLOCK = 8
COPY_MOVE_MIN_STD = 8.0  # flat blocks (sky, walls) match everywhere: left out
COPY_MOVE_TOLERANCE = 1.5  # largest difference of any feature (grey levels) for two blocks to match
COPY_MOVE_MIN_SHIFT = 24  # pixels at the reduced size: nearer blocks overlap or are the same texture
COPY_MOVE_NEIGHBOURS = 6  # rows compared after sorting the features
COPY_MOVE_MIN_BLOCKS = 60  # blocks sharing one shift to raise a flag (~a 16×16 px region at the reduced size)

THUMB_SIDE = 24
THUMB_MAX_ASPECT_DIFFERENCE = 0.06
THUMB_MIN_CORRELATION = 0.80

ELA_QUALITY = 90
ELA_GAIN = 20


def _dct_matrix() -> np.ndarray:
    x = np.arange(8)
    c = np.cos((2 * x[None, :] + 1) * x[:, None] * np.pi / 16) * np.sqrt(2 / 8)
    c[0] /= np.sqrt(2)
    return c.astype(np.float64)


DCT = _dct_matrix()
ZIGZAG_NATURAL = (1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
                  13, 6, 7, 14, 21, 28, 35)


def luma_plane(image: Image.Image) -> np.ndarray | None:
    """The decoded luminance (JPEG's own Y plane when the picture was decoded as YCbCr), as uint8."""
    if image.mode == "YCbCr":
        return np.asarray(image.getchannel(0))
    if image.mode == "L":
        return np.asarray(image)
    return None


def double_compression(y: np.ndarray, table: np.ndarray) -> dict:
    """Histogram periodicity of the requantised DCT coefficients of the central blocks."""
    rows, cols = y.shape[0] // 8, y.shape[1] // 8
    take_r = min(rows, 128)
    take_c = min(cols, max(1, DJPEG_MAX_BLOCKS // max(take_r, 1)))
    r0, c0 = (rows - take_r) // 2, (cols - take_c) // 2
    region = y[r0 * 8:(r0 + take_r) * 8, c0 * 8:(c0 + take_c) * 8]
    blocks = region.reshape(take_r, 8, take_c, 8).swapaxes(1, 2).reshape(-1, 8, 8)
    # Clipped blocks (pure black or white) were rounded by the decoder's clamp: their coefficients lie.
    keep = (blocks.min(axis=(1, 2)) > 0) & (blocks.max(axis=(1, 2)) < 255)
    blocks = blocks[keep].astype(np.float64) - 128.0
    evidence = {"blocks": int(blocks.shape[0]), "frequencies_used": 0, "periodic_frequencies": 0, "odd_bins": []}
    if blocks.shape[0] < 256:
        return evidence
    coefficients = np.einsum("ux,nxy,vy->nuv", DCT, blocks, DCT, optimize=True).reshape(-1, 64)
    periodic = []
    for position in ZIGZAG_NATURAL[:DJPEG_FREQUENCIES]:
        step = float(table[position])
        if step < DJPEG_MIN_STEP:
            continue
        k = np.abs(np.rint(coefficients[:, position] / step)).astype(np.int64)
        hist = np.bincount(k, minlength=DJPEG_BINS + 2)[:DJPEG_BINS + 2].astype(np.float64)
        # One compression: a smooth, nearly exponential decay, so each bin is close to the geometric mean of
        # its neighbours. Bins 0 and 1 are left out: the dead zone around zero is sharper than exponential.
        expected = np.sqrt(hist[1:-2] * hist[3:])
        observed = hist[2:-1]
        usable = expected >= DJPEG_MIN_COUNT
        if usable.sum() < 3:
            continue
        ratio = observed[usable] / expected[usable]
        z = (observed[usable] - expected[usable]) / np.sqrt(observed[usable] + expected[usable] / 2 + 1)
        odd = int(((np.abs(ratio - 1) > DJPEG_ODD_RATIO) & (np.abs(z) > DJPEG_ODD_Z)).sum())
        periodic.append(odd)
    evidence["frequencies_used"] = len(periodic)
    evidence["periodic_frequencies"] = sum(odd >= DJPEG_ODD_BINS for odd in periodic)
    evidence["odd_bins"] = periodic
    return evidence


def small(image: Image.Image, side: int) -> Image.Image:
    """The picture reduced (box filter, deterministic) so that its longest side is at most about `side`."""
    factor = max(1, -(-max(image.size) // side))
    return image.reduce(factor) if factor > 1 else image


def small_gray(image: Image.Image, side: int) -> np.ndarray:
    reduced = small(image, side)
    if reduced.mode == "YCbCr":
        return np.asarray(reduced.getchannel(0))
    return np.asarray(reduced.convert("L"))


def _window_sums(a: np.ndarray, kernel_rows: np.ndarray, kernel_cols: np.ndarray) -> np.ndarray:
    """Separable 8×8 filtering at every position: a block's projection on one DCT basis picture."""
    across = sliding_window_view(a, 8, axis=1) @ kernel_cols
    return sliding_window_view(across, 8, axis=0) @ kernel_rows


def copy_move(gray: np.ndarray) -> dict:
    """Blocks that appear twice at one shift: the count for the most common shift, and where."""
    a = gray.astype(np.float64)
    evidence = {"size": [int(a.shape[1]), int(a.shape[0])], "blocks": 0, "matched_blocks": 0, "shift": None}
    if min(a.shape) < 4 * COPY_MOVE_BLOCK:
        return evidence
    ones = np.ones(8) / 8
    mean = _window_sums(a, ones, ones)
    var = _window_sums(a * a, ones, ones) - mean ** 2
    std = np.sqrt(np.maximum(var, 0))
    basis = [(u, v) for u in range(3) for v in range(3) if u + v <= 2]
    features = np.stack([_window_sums(a, DCT[u], DCT[v]) for u, v in basis], axis=-1)
    ys, xs = np.nonzero(std >= COPY_MOVE_MIN_STD)
    evidence["blocks"] = int(ys.size)
    if ys.size < COPY_MOVE_MIN_BLOCKS * 2:
        return evidence
    f = features[ys, xs]
    quantised = np.floor(f / (COPY_MOVE_TOLERANCE * 4)).astype(np.int64)
    order = np.lexsort(quantised.T[::-1])
    f, ys, xs = f[order], ys[order], xs[order]
    shifts = []
    for d in range(1, COPY_MOVE_NEIGHBOURS + 1):
        close = np.max(np.abs(f[d:] - f[:-d]), axis=1) <= COPY_MOVE_TOLERANCE
        dy = ys[d:] - ys[:-d]
        dx = xs[d:] - xs[:-d]
        far = dy * dy + dx * dx >= COPY_MOVE_MIN_SHIFT ** 2
        pick = close & far
        sign = np.where((dx[pick] < 0) | ((dx[pick] == 0) & (dy[pick] < 0)), -1, 1)
        shifts.append(np.stack([dx[pick] * sign, dy[pick] * sign], axis=1))
    shifts = np.concatenate(shifts) if shifts else np.empty((0, 2), dtype=np.int64)
    if not len(shifts):
        return evidence
    values, counts = np.unique(shifts, axis=0, return_counts=True)
    best = int(np.argmax(counts))
    evidence["matched_blocks"] = int(counts[best])
    evidence["shift"] = [int(values[best][0]), int(values[best][1])]
    evidence["threshold"] = COPY_MOVE_MIN_BLOCKS
    return evidence


def compare_thumbnail(image: Image.Image, thumb: Image.Image) -> dict:
    """Shape and content of the embedded thumbnail (black padding trimmed) against the main picture."""
    t = np.asarray(thumb.convert("L"), dtype=np.float64)
    lit_rows = np.nonzero(t.mean(axis=1) > 12)[0]
    lit_cols = np.nonzero(t.mean(axis=0) > 12)[0]
    if lit_rows.size and lit_cols.size:
        t = t[lit_rows[0]:lit_rows[-1] + 1, lit_cols[0]:lit_cols[-1] + 1]
    main_aspect = image.width / image.height
    thumb_aspect = t.shape[1] / t.shape[0]
    a = np.asarray(Image.fromarray(small_gray(image, 256)).resize((THUMB_SIDE, THUMB_SIDE), Image.Resampling.BOX),
                   dtype=np.float64)
    b = np.asarray(Image.fromarray(t.astype(np.uint8)).resize((THUMB_SIDE, THUMB_SIDE), Image.Resampling.BOX),
                   dtype=np.float64)
    a, b = a - a.mean(), b - b.mean()
    denominator = np.sqrt((a * a).sum() * (b * b).sum())
    correlation = float((a * b).sum() / denominator) if denominator > 0 else 1.0
    return {"thumbnail_size": [thumb.width, thumb.height], "main_size": [image.width, image.height],
            "aspect_difference": round(abs(main_aspect - thumb_aspect) / main_aspect, 3),
            "correlation": round(correlation, 3), "min_correlation": THUMB_MIN_CORRELATION}


def ela_png(image: Image.Image, max_side: int = 1600) -> bytes:
    """Error level analysis: the picture re-saved at one quality, the difference amplified, as a PNG.

    Regions saved fewer times than the rest often stand out; so do edges and textures. A picture for a
    trained person to look at, never a finding on its own.
    """
    rgb = image.convert("RGB")
    buffer = io.BytesIO()
    rgb.save(buffer, "JPEG", quality=ELA_QUALITY)
    resaved = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    difference = np.abs(np.asarray(rgb, dtype=np.int16) - np.asarray(resaved, dtype=np.int16))
    picture = Image.fromarray(np.clip(difference * ELA_GAIN, 0, 255).astype(np.uint8))
    picture.thumbnail((max_side, max_side), Image.Resampling.BOX)
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()
