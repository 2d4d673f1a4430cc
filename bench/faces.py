#!/usr/bin/env python3
"""Face identification benchmark (a benchmark, not a test).

Protocol (see ../shared/corpora/faces/SOURCE.md): for every person with two or
more photos, the first photo (lowest number) is the probe and stays clean; all
other photos plus every photo of the single-photo people form the gallery.
Gallery images are degraded per condition (Pillow, RGB). Embeddings: dlib
128-d via face_recognition, HOG detector, upsample 1 -> upsample 2 -> whole
image as face box. Method `dalil` runs the product's own backends instead
(dalil.faces.backend: archive_backend() for the gallery, probe_backend() for the
probes; no whole-image stand-in).

Usage:
  python bench/faces.py --corpus DIR [--conditions clean,gray,...]
      [--methods plain,flip,restore,jitter,probeaug,dalil,matched] [--limit-identities N]
      [--workers W] [--distractors 50000] [--json]
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import sys
import time
import warnings
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

warnings.filterwarnings("ignore", message="pkg_resources is deprecated")

ALL_CONDITIONS = ["clean", "gray", "jpeg10", "down3", "blur2", "blur4",
                  "contrast50", "combined"]
ALL_METHODS = ["plain", "flip", "restore", "jitter", "probeaug", "dalil", "matched"]
# matched: the dalil gallery, but the probe is embedded in a few conditions (MATCHED_VARIANTS) and each gallery
# face is compared with the one variant that matches that face's own condition, read from the gallery photo:
# greyscale (R=G=B) or not, and its face width in pixels (small -> the probe's low-resolution variant).
# Exactly one distance per (probe, gallery face): no minimum over variants.
MATCHED_VARIANTS = ["colour", "grey", "low", "greylow"]  # row order of a dalil-probe-matched cache entry
LOW_FACE_PX = 36  # the low-resolution probe variant: the probe picture scaled so its face box is this wide
SMALL_FACE_PX = 60  # a gallery face narrower than this is compared with the low-resolution variant
LFW_FACE_SHARE = 0.43  # bench only: dlib's HOG box on an LFW crop is ~0.43 of the picture's width
# dalil: the product's own backends (dalil.faces.backend): archive_backend() for the gallery, every face it
# finds (a photo with none adds nothing: no whole-image stand-in), probe_backend() for the probe, largest face
# (as dalil.faces.probe does); no face in the probe = a miss
DALIL_LEVELS = {"hog": 0, "hog-upsampled": 1, "none": 2, "cnn": 3}  # anything else (rotated-N): 4
# probeaug: the clean probe plus degraded copies of it, embedded with the clean face box;
# an identity's distance is the smallest over the copies (the gallery is embedded as in plain)
PROBE_VARIANTS = ["pblur2", "pblur4", "plow"]
CACHE_VERSION = "v1"  # dalil-method rows depend on dalil.faces.backend: clear their cache when it changes
IMG_EXT = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
HERE = Path(__file__).resolve().parent
DEFAULT_CACHE = HERE / "out" / "faces-cache"


# --------------------------------------------------------------------------
# degradations (SOURCE.md), applied to the RGB gallery image only

def _jpeg(im: Image.Image, q: int) -> Image.Image:
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=q)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def _third(im: Image.Image) -> Image.Image:
    w, h = im.size
    return im.resize((max(1, w // 3), max(1, h // 3)), Image.BICUBIC)


def degrade(im: Image.Image, condition: str) -> Image.Image:
    im = im.convert("RGB")
    if condition == "clean":
        return im
    if condition == "gray":
        return im.convert("L").convert("RGB")
    if condition == "jpeg10":
        return _jpeg(im, 10)
    if condition == "down3":
        return _third(im)
    if condition == "blur2":
        return im.filter(ImageFilter.GaussianBlur(2))
    if condition == "blur4":
        return im.filter(ImageFilter.GaussianBlur(4))
    if condition == "contrast50":
        im = ImageEnhance.Contrast(im).enhance(0.5)
        return ImageEnhance.Brightness(im).enhance(0.8)
    if condition == "combined":
        im = im.convert("L").convert("RGB")
        im = ImageEnhance.Contrast(im).enhance(0.6)
        im = im.filter(ImageFilter.GaussianBlur(1))
        im = _third(im)
        return _jpeg(im, 30)
    raise ValueError(f"unknown condition {condition!r}")


def restore(im: Image.Image) -> Image.Image:
    """Cheap archive-photo restoration: upscale small images back to ~250 px
    (bicubic), stretch contrast per channel (autocontrast, 1% cut-off), then an
    unsharp mask. No learned model."""
    w, h = im.size
    if max(w, h) < 200:
        f = 250 / max(w, h)
        im = im.resize((round(w * f), round(h * f)), Image.BICUBIC)
    im = ImageOps.autocontrast(im, cutoff=1)
    return im.filter(ImageFilter.UnsharpMask(radius=2, percent=150, threshold=2))


# --------------------------------------------------------------------------
# embedding

_fr = None


def _init_worker():
    global _fr
    warnings.filterwarnings("ignore")
    import face_recognition  # noqa: WPS433
    _fr = face_recognition


def _locate(arr):
    """HOG upsample 1, then 2, then the whole image. Returns (box, level)."""
    for level, up in ((0, 1), (1, 2)):
        boxes = _fr.face_locations(arr, number_of_times_to_upsample=up, model="hog")
        if boxes:
            # largest face
            box = max(boxes, key=lambda b: (b[2] - b[0]) * (b[1] - b[3]))
            return box, level
    h, w = arr.shape[:2]
    return (0, w, h, 0), 2  # (top, right, bottom, left)


def _encode(arr, jitters=1):
    box, level = _locate(arr)
    enc = _fr.face_encodings(arr, known_face_locations=[box], num_jitters=jitters)[0]
    return np.asarray(enc, dtype=np.float32), level


def probe_variant(im: Image.Image, variant: str):
    """A degraded copy of a probe and the factor its size changed by."""
    if variant == "pblur2":
        return im.filter(ImageFilter.GaussianBlur(2)), 1.0
    if variant == "pblur4":
        return im.filter(ImageFilter.GaussianBlur(4)), 1.0
    if variant == "plow":  # grey, a third of the size, soft: what an old archive print scanned small looks like
        small = _third(im.convert("L").convert("RGB").filter(ImageFilter.GaussianBlur(1)))
        return small, small.size[0] / im.size[0]
    raise ValueError(variant)


_dalil = {}


def embed_dalil(im: Image.Image, probe: bool):
    """(k, 128) float32 (k = 0 when no face) and the detector's level, through dalil's own backends."""
    if probe not in _dalil:
        sys.path.insert(0, str(HERE.parent))
        from dalil.faces.backend import archive_backend, probe_backend
        _dalil[probe] = probe_backend() if probe else archive_backend()
    found = _dalil[probe].detect_and_embed(np.asarray(im))
    if not found:
        return np.zeros((0, 128), np.float32), DALIL_LEVELS["none"]
    if probe:  # dalil.faces.probe: the largest face
        found = [max(found, key=lambda f: (f.box[2] - f.box[0]) * (f.box[1] - f.box[3]))]
    return np.stack([f.embedding for f in found]).astype(np.float32), DALIL_LEVELS.get(found[0].detector, 4)


def embed_matched_probe(im: Image.Image):
    """(4, 128) float32 rows in MATCHED_VARIANTS order (0 rows when no face), and the detector's level.

    The probe backend finds the largest face as usual (row colour = what dalil.faces.probe returns); the other
    rows embed the same face box in a greyscale copy, and in copies scaled so that the box is LOW_FACE_PX wide
    (bicubic), colour and greyscale: a probe seen in the conditions an archive face may be in.
    """
    embed_dalil(im, True)  # loads the backends
    backend = _dalil[True]
    found = backend.detect_and_embed(np.asarray(im))
    if not found:
        return np.zeros((0, 128), np.float32), DALIL_LEVELS["none"]
    face = max(found, key=lambda f: (f.box[2] - f.box[0]) * (f.box[1] - f.box[3]))
    emb, level = face.embedding[None, :], DALIL_LEVELS.get(face.detector, 4)
    if face.turns:
        im = Image.fromarray(np.ascontiguousarray(np.rot90(np.asarray(im), face.turns)))
    t, r, b, l = face.box
    grey = np.asarray(im.convert("L").convert("RGB"))
    f = LOW_FACE_PX / max(1, r - l)
    size = (max(1, round(im.size[0] * f)), max(1, round(im.size[1] * f)))
    box = [(round(t * f), round(r * f), round(b * f), round(l * f))]
    low = np.asarray(im.resize(size, Image.BICUBIC))
    greylow = np.asarray(Image.fromarray(grey).resize(size, Image.BICUBIC))
    rows = [emb[0], backend._embed(grey, [(t, r, b, l)])[0], backend._embed(low, box)[0],
            backend._embed(greylow, box)[0]]
    return np.stack(rows).astype(np.float32), level


def gallery_condition(path: str, condition: str):
    """(grey, face width px) of a degraded gallery photo: what ingest could record from the photo itself.
    Face width: the bench has no stored boxes, so LFW_FACE_SHARE x the picture width (LFW crops are aligned)."""
    im = degrade(Image.open(path), condition)
    a = np.asarray(im, dtype=np.int16)
    grey = bool(np.abs(a[..., 0] - a[..., 1]).mean() + np.abs(a[..., 1] - a[..., 2]).mean() < 3)
    return grey, LFW_FACE_SHARE * im.size[0]


def matched_code(grey: bool, width: float) -> int:
    """Index into MATCHED_VARIANTS for a gallery face."""
    return (1 if grey else 0) + (2 if width < SMALL_FACE_PX else 0)


def embed_image(path: str, condition: str, method: str):
    """Returns (128-d float32, fallback level 0/1/2); for dalil methods ((k, 128), level)."""
    im = Image.open(path).convert("RGB")
    if method == "dalil-probe-matched":
        return embed_matched_probe(degrade(im, condition))
    if method in ("dalil", "dalil-probe"):
        return embed_dalil(degrade(im, condition), method == "dalil-probe")
    if method in PROBE_VARIANTS:
        box, level = _locate(np.asarray(im))
        copy, f = probe_variant(im, method)
        arr = np.asarray(copy)
        h, w = arr.shape[:2]
        t, r, b, l = box
        box = (min(h - 1, round(t * f)), min(w - 1, round(r * f)), min(h - 1, round(b * f)), max(0, round(l * f)))
        enc = _fr.face_encodings(arr, known_face_locations=[box], num_jitters=1)[0]
        return np.asarray(enc, dtype=np.float32), level
    im = degrade(im, condition)
    if method == "restore" and condition != "clean":
        im = restore(im)
    arr = np.asarray(im)
    if method == "flip":
        e1, l1 = _encode(arr)
        e2, l2 = _encode(np.ascontiguousarray(arr[:, ::-1]))
        return (e1 + e2) / 2, max(l1, l2)
    jitters = 5 if method == "jitter" else 1
    return _encode(arr, jitters)


def cache_file(cache_dir: Path, path: str, condition: str, method: str) -> Path:
    key = f"{CACHE_VERSION}|{os.path.abspath(path)}|{condition}|{method}"
    h = hashlib.sha1(key.encode()).hexdigest()
    return cache_dir / h[:2] / f"{h}.npy"


def _job(args):
    path, condition, method, cfile = args
    emb, level = embed_image(path, condition, method)
    cfile = Path(cfile)
    cfile.parent.mkdir(parents=True, exist_ok=True)
    tmp = cfile.with_suffix(f".{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        if emb.ndim == 2:  # dalil: one row per face, the level in the last column; no face = one NaN row
            rows = emb if len(emb) else np.full((1, 128), np.nan, np.float32)
            np.save(f, np.hstack([rows, np.full((len(rows), 1), level, np.float32)]))
        else:
            np.save(f, np.append(emb, np.float32(level)))
    os.replace(tmp, cfile)
    return path, condition, method, emb, level


def embed_all(jobs, cache_dir, workers, label=""):
    """jobs: list of (path, condition, method). Returns dict key->(emb, level)."""
    out, todo = {}, []
    for path, cond, meth in jobs:
        cf = cache_file(cache_dir, path, cond, meth)
        if cf.exists():
            v = np.load(cf)
            if v.ndim == 2:
                out[(path, cond, meth)] = (v[~np.isnan(v[:, 0]), :128], int(v[0, 128]))
            else:
                out[(path, cond, meth)] = (v[:128], int(v[128]))
        else:
            todo.append((path, cond, meth, str(cf)))
    if todo:
        t0 = time.perf_counter()
        log(f"  embedding {len(todo)} images ({label}, {len(jobs) - len(todo)} cached) on {workers} workers")
        done = 0
        with Pool(workers, initializer=_init_worker) as pool:
            for path, cond, meth, emb, level in pool.imap_unordered(_job, todo, chunksize=4):
                out[(path, cond, meth)] = (emb, level)
                done += 1
                if done % 500 == 0:
                    el = time.perf_counter() - t0
                    log(f"    {done}/{len(todo)}  {done / el:.1f} img/s")
        el = time.perf_counter() - t0
        log(f"    done {len(todo)} in {el:.1f}s ({len(todo) / el:.1f} img/s)")
    return out


# --------------------------------------------------------------------------
# corpus and protocol

def log(msg):
    print(msg, file=sys.stderr, flush=True)


def scan(corpus: Path):
    people = {}
    for d in sorted(p for p in corpus.iterdir() if p.is_dir()):
        imgs = sorted(str(f) for f in d.iterdir()
                      if f.is_file() and f.suffix.lower() in IMG_EXT)
        if imgs:
            people[d.name] = imgs
    return people


def split(people, limit=None, seed=0):
    multi = sorted(n for n, v in people.items() if len(v) >= 2)
    single = sorted(n for n, v in people.items() if len(v) == 1)
    if limit and limit < len(multi):
        rng = random.Random(seed)
        n_single = round(limit * len(single) / max(1, len(multi)))
        multi = sorted(rng.sample(multi, limit))
        single = sorted(rng.sample(single, min(n_single, len(single))))
    probes = [(people[n][0], n) for n in multi]
    gallery = [(p, n) for n in multi for p in people[n][1:]]
    gallery += [(people[n][0], n) for n in single]
    return probes, gallery


# --------------------------------------------------------------------------
# metrics

def identity_distances(P, G, g_ids):
    """P (q,128), G (n,128), g_ids (n,) int -> (q, n_ids) min distance per id."""
    n_ids = int(g_ids.max()) + 1
    D = np.sqrt(np.maximum(
        (P ** 2).sum(1)[:, None] - 2 * P @ G.T + (G ** 2).sum(1)[None, :], 0))
    out = np.full((len(P), n_ids), np.inf, dtype=np.float32)
    order = np.argsort(g_ids, kind="stable")
    ids_sorted = g_ids[order]
    starts = np.r_[0, np.flatnonzero(np.diff(ids_sorted)) + 1]
    mins = np.minimum.reduceat(D[:, order], starts, axis=1)
    out[:, ids_sorted[starts]] = mins
    return out


def matched_identity_distances(V, G, g_ids, codes):
    """V (variants, q, 128); each gallery row j is compared with variant codes[j] only."""
    n_ids = int(g_ids.max()) + 1
    D = np.empty((V.shape[1], len(G)), np.float32)
    for v in range(V.shape[0]):
        cols = np.flatnonzero(codes == v)
        if len(cols):
            P, Gc = V[v], G[cols]
            D[:, cols] = np.sqrt(np.maximum(
                (P ** 2).sum(1)[:, None] - 2 * P @ Gc.T + (Gc ** 2).sum(1)[None, :], 0))
    out = np.full((V.shape[1], n_ids), np.inf, dtype=np.float32)
    order = np.argsort(g_ids, kind="stable")
    ids_sorted = g_ids[order]
    starts = np.r_[0, np.flatnonzero(np.diff(ids_sorted)) + 1]
    out[:, ids_sorted[starts]] = np.minimum.reduceat(D[:, order], starts, axis=1)
    return out


def metrics(P, p_ids, G, g_ids, far=1e-3, ID=None):
    """P: the probes, or a list of versions of them (an identity's distance is the smallest over them);
    ID: the (probes, identities) distances when already computed (method matched)."""
    versions = P if isinstance(P, list) else [P]
    if ID is None:
        ID = np.minimum.reduce([identity_distances(V, G, g_ids) for V in versions])
    P = versions[0]
    q = np.arange(len(P))
    genuine = ID[q, p_ids]
    # rank = 1 + number of other identities strictly closer
    rank = 1 + (ID < genuine[:, None]).sum(1)
    mask = np.ones_like(ID, dtype=bool)
    mask[q, p_ids] = False
    impostor = ID[mask]
    impostor = impostor[np.isfinite(impostor)]
    thr = float(np.quantile(impostor, far))
    calibration = {f"{t:.2f}": {"tar": round(100 * float((genuine < t).mean()), 2),
                                 "far": round(float((impostor < t).mean()), 6)} for t in (0.45, 0.5, 0.55, 0.6)}
    return {
        "calibration": calibration,
        "rank_1": round(100 * float((rank <= 1).mean()), 2),
        "rank_5": round(100 * float((rank <= 5).mean()), 2),
        "rank_10": round(100 * float((rank <= 10).mean()), 2),
        "tar_at_far_1e-3": round(100 * float((genuine <= thr).mean()), 2),
        "threshold": round(thr, 4),
        "n_probes": int(len(P)),
        "n_gallery": int(len(G)),
        "n_impostor_scores": int(impostor.size),
    }


def probe_row(emb):
    """A probe's vector; a dalil probe with no face is a vector far from every face (a miss)."""
    if emb.ndim == 1:
        return emb
    return emb[0] if len(emb) else np.full(128, 10.0, np.float32)


def matched_row(emb, variant: int):
    """Variant `variant` of a matched probe (a miss when the probe had no face)."""
    return emb[variant] if len(emb) else np.full(128, 10.0, np.float32)


def gallery_rows(embs, g_ids):
    """(G, ids): one row per gallery face (dalil: every face of a photo, none when no face), plus one far padding
    row of the last identity so that every identity has a column."""
    G, ids = [], []
    for e, i in zip(embs, g_ids):
        e = e[None, :] if e.ndim == 1 else e
        G.extend(e)
        ids.extend([i] * len(e))
    G.append(np.full(128, 100.0, np.float32))
    ids.append(int(g_ids.max()))
    return np.stack(G).astype(np.float32), np.array(ids)


def make_distractors(G_clean, n, seed=0):
    """Random Gaussian embeddings with the clean gallery's per-dimension mean and
    covariance (full 128x128, so the correlated structure of dlib space is kept),
    each rescaled to the norm of a randomly drawn real embedding."""
    rng = np.random.default_rng(seed)
    mu = G_clean.mean(0)
    cov = np.cov(G_clean.T) + 1e-6 * np.eye(G_clean.shape[1])
    X = rng.multivariate_normal(mu, cov, size=n, method="cholesky").astype(np.float32)
    norms = np.linalg.norm(G_clean, axis=1)
    X *= (rng.choice(norms, n) / np.linalg.norm(X, axis=1))[:, None]
    return X


def pct(a, p):
    return round(float(np.percentile(a, p)), 3)


def search_one(M, m_sq, q, k=10):
    d = m_sq - 2.0 * (M @ q)
    idx = np.argpartition(d, k)[:k]
    return idx[np.argsort(d[idx])]


# --------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True, type=Path)
    ap.add_argument("--conditions", default=",".join(ALL_CONDITIONS))
    ap.add_argument("--methods", default="plain",
                    help=f"comma list from {ALL_METHODS}; plain is the reference")
    ap.add_argument("--method", dest="methods", help="alias of --methods")
    ap.add_argument("--limit-identities", type=int, default=None,
                    help="sample N multi-photo people (seeded) and the same share of single-photo people")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--distractors", type=int, default=50000)
    ap.add_argument("--e2e-samples", type=int, default=100,
                    help="probes timed end to end (serial, uncached)")
    ap.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)

    conditions = [c for c in a.conditions.split(",") if c]
    methods = [m for m in a.methods.split(",") if m]
    for c in conditions:
        if c not in ALL_CONDITIONS:
            ap.error(f"unknown condition {c}")
    for m in methods:
        if m not in ALL_METHODS:
            ap.error(f"unknown method {m}")

    t_start = time.perf_counter()
    people = scan(a.corpus)
    probes, gallery = split(people, a.limit_identities, a.seed)
    names = sorted({n for _, n in probes} | {n for _, n in gallery})
    nid = {n: i for i, n in enumerate(names)}
    p_ids = np.array([nid[n] for _, n in probes])
    g_ids = np.array([nid[n] for _, n in gallery])
    log(f"corpus {a.corpus}: {len(people)} people; using {len(probes)} probes, "
        f"{len(gallery)} gallery photos of {len(set(g_ids.tolist()))} identities")

    # probe method: flip embeds probes flipped too; jitter/restore change only the gallery
    probe_method = {"plain": "plain", "flip": "flip", "restore": "plain", "jitter": "plain", "probeaug": "plain",
                    "dalil": "dalil-probe", "matched": "dalil-probe-matched"}
    gallery_method = {"probeaug": "plain", "matched": "dalil"}
    jobs = set()
    for m in methods:
        jobs |= {(p, "clean", probe_method[m]) for p, _ in probes}
        if m == "probeaug":
            jobs |= {(p, "clean", v) for p, _ in probes for v in PROBE_VARIANTS}
        for c in conditions:
            gm = "plain" if (m == "restore" and c == "clean") else gallery_method.get(m, m)
            jobs |= {(p, c, gm) for p, _ in gallery}
    ref = methods[0]  # search timing and distractors: the first method's clean gallery and probes
    jobs |= {(p, "clean", gallery_method.get(ref, ref)) for p, _ in gallery}
    jobs = sorted(jobs, key=lambda j: (j[2], j[1], j[0]))
    t0 = time.perf_counter()
    E = embed_all(jobs, a.cache_dir, a.workers, label=",".join(methods))
    t_embed = time.perf_counter() - t0

    results, fallbacks = {}, {}
    for m in methods:
        P = np.stack([probe_row(E[(p, "clean", probe_method[m])][0]) for p, _ in probes])
        pl = [E[(p, "clean", probe_method[m])][1] for p, _ in probes]
        fallbacks[f"probe/{m}"] = {"upsample2": pl.count(1), "whole_image": pl.count(2), "cnn": pl.count(3),
                                  "rotated": pl.count(4), "n": len(pl)}
        variants = [np.stack([E[(p, "clean", v)][0] for p, _ in probes]) for v in PROBE_VARIANTS] \
            if m == "probeaug" else []
        for c in conditions:
            gm = "plain" if (m == "restore" and c == "clean") else gallery_method.get(m, m)
            G, gi = gallery_rows([E[(p, c, gm)][0] for p, _ in gallery], g_ids)
            gl = [E[(p, c, gm)][1] for p, _ in gallery]
            key = c if m == "plain" else f"{c}/{m}"
            ID = None
            if m == "matched":
                V = np.stack([np.stack([matched_row(E[(p, "clean", probe_method[m])][0], v) for p, _ in probes])
                              for v in range(len(MATCHED_VARIANTS))])
                codes = []
                for p, _ in gallery:
                    code = matched_code(*gallery_condition(p, c))
                    codes.extend([code] * len(E[(p, c, gm)][0]))
                codes = np.array(codes + [0])
                ID = matched_identity_distances(V, G, gi, codes)
                used = np.bincount(codes[:-1], minlength=len(MATCHED_VARIANTS))
                log(f"  {c}/matched: gallery faces per probe variant " +
                    ", ".join(f"{n} {u}" for n, u in zip(MATCHED_VARIANTS, used)))
            results[key] = metrics([P, *variants], p_ids, G, gi, ID=ID)
            results[key]["method"] = m
            results[key]["condition"] = c
            fallbacks[key] = {"upsample2": gl.count(1), "whole_image": gl.count(2), "cnn": gl.count(3),
                             "rotated": gl.count(4), "n": len(gl)}

    # ---- search timing on a padded float32 matrix
    G_clean, gi_clean = gallery_rows([E[(p, "clean", gallery_method.get(ref, ref))][0] for p, _ in gallery], g_ids)
    G_clean, gi_clean = G_clean[:-1], gi_clean[:-1]  # without the padding row
    P_clean = np.stack([probe_row(E[(p, "clean", probe_method[ref])][0]) for p, _ in probes])
    D = make_distractors(G_clean, a.distractors, a.seed)
    M = np.ascontiguousarray(np.vstack([G_clean, D]).astype(np.float32))
    m_sq = (M ** 2).sum(1)
    for q in P_clean[:5]:
        search_one(M, m_sq, q)
    ts = []
    for q in P_clean:
        t = time.perf_counter()
        search_one(M, m_sq, q)
        ts.append((time.perf_counter() - t) * 1e3)
    search_ms = {"mean": round(float(np.mean(ts)), 3), "p95": pct(ts, 95),
                 "rows": int(M.shape[0]), "n_queries": len(ts),
                 "distractors": int(a.distractors),
                 "distractor_model": "multivariate Gaussian fit to clean gallery "
                                     "(mean + full covariance), norms resampled from real embeddings"}
    # rank-1 of the clean probes against the padded matrix (distractors never match)
    top1 = np.array([search_one(M, m_sq, q, k=1)[0] for q in P_clean])
    hit = (top1 < len(G_clean)) & (gi_clean[np.minimum(top1, len(G_clean) - 1)] == p_ids)
    search_ms["rank_1_clean_with_distractors"] = round(100 * float(hit.mean()), 2)

    # ---- end-to-end per query: decode + detect + embed + search, serial, uncached
    _init_worker()
    e2e, e2e_embed = [], []
    sample = [p for p, _ in probes][: a.e2e_samples]
    if sample:
        embed_image(sample[0], "clean", probe_method[ref])  # warm-up (model load)
    for path in sample:
        t = time.perf_counter()
        q, _ = embed_image(path, "clean", probe_method[ref])
        q = probe_row(q)
        t1 = time.perf_counter()
        search_one(M, m_sq, q)
        t2 = time.perf_counter()
        e2e.append((t2 - t) * 1e3)
        e2e_embed.append((t1 - t) * 1e3)
    end_to_end_ms = {"mean": round(float(np.mean(e2e)), 2) if e2e else None,
                     "p95": pct(e2e, 95) if e2e else None,
                     "embed_mean": round(float(np.mean(e2e_embed)), 2) if e2e else None,
                     "n_queries": len(e2e), "threads": 1}

    timing = {"embed_s": round(t_embed, 1), "total_s": round(time.perf_counter() - t_start, 1),
              "workers": a.workers, "n_embeddings": len(jobs)}
    if a.json:
        out = dict(results)
        out["search_ms"] = search_ms
        out["end_to_end_ms"] = end_to_end_ms
        out["fallbacks"] = fallbacks
        out["timing"] = timing
        print(json.dumps(out, indent=1))
        return

    print(f"faces: {len(probes)} probes, {len(gallery)} gallery photos, "
          f"{len(set(g_ids.tolist()))} gallery identities  (percent, by identity)")
    hdr = f"{'condition':<12}{'method':<9}{'rank1':>7}{'rank5':>7}{'rank10':>8}{'TAR@1e-3':>10}{'thr':>8}  fallbacks up2/whole|none/cnn/rot"
    print(hdr)
    print("-" * len(hdr))
    for c in conditions:
        for m in methods:
            key = c if m == "plain" else f"{c}/{m}"
            r, f = results[key], fallbacks[key]
            print(f"{c:<12}{m:<9}{r['rank_1']:>7.1f}{r['rank_5']:>7.1f}{r['rank_10']:>8.1f}"
                  f"{r['tar_at_far_1e-3']:>10.1f}{r['threshold']:>8.3f}  {f['upsample2']}/{f['whole_image']}/{f['cnn']}/{f['rotated']} of {f['n']}")
    for m in methods:
        f = fallbacks[f"probe/{m}"]
        print(f"probes ({m}): fallbacks up2/whole|none/cnn/rot {f['upsample2']}/{f['whole_image']}/{f['cnn']}/{f['rotated']} "
              f"of {f['n']}")
    print(f"distance thresholds (clean, {methods[0]}): " + "; ".join(
        f"< {t}: TAR {v['tar']:.1f}%, FAR {v['far']:.5f}"
        for t, v in results.get("clean" if methods[0] == "plain" else f"clean/{methods[0]}",
                                next(iter(results.values())))["calibration"].items()))
    print(f"search (exact, numpy float32 {search_ms['rows']}x128, 1 query): "
          f"mean {search_ms['mean']:.3f} ms, p95 {search_ms['p95']:.3f} ms over {search_ms['n_queries']} probes; "
          f"clean rank-1 with distractors {search_ms['rank_1_clean_with_distractors']:.1f}%")
    if e2e:
        print(f"end to end (decode+detect+embed 250x250 probe + search, 1 process): "
              f"mean {end_to_end_ms['mean']:.1f} ms, p95 {end_to_end_ms['p95']:.1f} ms over {len(e2e)} probes")
    print(f"embedding {timing['n_embeddings']} (incl. cached) took {timing['embed_s']}s on "
          f"{a.workers} workers; total {timing['total_s']}s")


if __name__ == "__main__":
    main()
