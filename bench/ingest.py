"""Ingest benchmark: dalil ingest against a floor and a hand-made script pipeline, side by side.

Not a test: it prints figures and ratios measured in one run on the same files.

    .venv/bin/python bench/ingest.py [--photos 1000] [--megapixels 8] [--workers 2]
                                     [--workdir DIR] [--keep] [--skip-script] [--skip-scaling]
                                     [--json] [--repeat 1] [--faces both|off|on]

What it does (see bench/README.md):

1. Synthesizes (once, cached under the workdir, keyed by parameters) an archive
   of at least 2N photos with `dalil.ingest.synth`, and an N-photo subset of
   it made of hard links to the same files (whole bodies, every other body),
   with its own sidecar rows. Both share one per-file content distribution.
2. Reads every file once so all contenders run on a warm page cache (dropping
   the cache needs root; warm is the one state we can make equal for all).
3. Measures on the N subset:
     ingest  `dalil ingest ... --workers W --json` in a fresh DALIL_HOME
             (default settings, fsync on): its own `seconds` and the wall time
             of the whole command (process start, DB migration included),
             without and with the faces stage (--faces both, the default),
             and the pixel decodes each made per photo;
     floor   read + SHA-256 + Pillow draft-mode decode of each file, Pool(W);
     script  cp -r, bagit sha256 (processes=W), exiftool -json -r,
             ImageMagick thumbnails W-parallel (xargs -P W);
   and ingest of the full 2N archive in another fresh DALIL_HOME (scaling).
4. Prints a table and the ratios against their aims (or one JSON object).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import logging
import math
import multiprocessing
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from dalil.ingest import synth  # noqa: E402  (plan/synthesize only: no Django needed)

SEED = 0
PHOTOS_PER_BODY_GUESS = 6.5
AIMS = {
    "ingest_over_floor": ("<=", 1.5),
    "ingest_faces_over_floor": ("", None),  # no aim: the floor finds no faces; reported beside the one without
    "decodes_per_photo_faces": ("<=", 1.0),
    "ingest_over_script": ("<", 1.0),
    "scaling_2n_over_n": ("<=", 2.1),
}
INSTALL_HINT = "apt-get install -y libimage-exiftool-perl imagemagick"


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the machine


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    except OSError:
        nproc = str(len(os.sched_getaffinity(0)))
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "nproc": int(nproc) if nproc.isdigit() else nproc,
        "cpu_model": cpu or platform.processor(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "memory": mem,
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
    }


# ---------------------------------------------------------------- archives


def plan_count(bodies: int) -> int:
    """Files under photos/ that synthesize(bodies) will write: originals, copies, near duplicates, garbage."""
    plan = synth.plan_archive(bodies, SEED)
    return sum(1 + len(s.derivatives) for _, s in plan.slots()) + len(plan.garbage)


def bodies_for(photos: int) -> int:
    bodies = max(1, math.ceil(photos / PHOTOS_PER_BODY_GUESS))
    while plan_count(bodies) < photos:
        bodies += max(1, math.ceil((photos - plan_count(bodies)) / PHOTOS_PER_BODY_GUESS))
    # The fewest bodies that reach the count (plans differ by body count, so step back while still enough).
    while bodies > 1 and plan_count(bodies - 1) >= photos:
        bodies -= 1
    return bodies


def full_archive(workdir: Path, photos: int, megapixels: float) -> tuple[Path, dict]:
    """An archive of at least `photos` photos, synthesized once and cached."""
    bodies = bodies_for(photos)
    while True:
        out = workdir / "archives" / f"synth-seed{SEED}-mp{megapixels:g}-bodies{bodies}"
        done = out / ".complete"
        if done.exists():
            manifest = json.loads((out / synth.MANIFEST).read_text(encoding="utf-8"))
            log(f"archive cached: {out} ({manifest['summary']['photos']} photos)")
        else:
            if out.exists():
                shutil.rmtree(out)
            log(f"synthesizing {bodies} bodies at {megapixels:g} MP into {out} (once; cached for later runs)")
            last = [0.0]

            def progress(done_, total):
                if time.monotonic() - last[0] > 30 or done_ == total:
                    last[0] = time.monotonic()
                    log(f"  synth {done_}/{total} photo slots")

            summary = synth.synthesize(out, bodies, seed=SEED, megapixels=megapixels, workers=os.cpu_count(),
                                       progress=progress)
            log(f"  synthesized {summary['photos']} photos, {summary['bytes'] / 1e6:,.0f} MB in {summary['seconds']:.0f} s")
            manifest = json.loads((out / synth.MANIFEST).read_text(encoding="utf-8"))
            done.write_text(json.dumps(manifest["summary"]))
        if manifest["summary"]["photos"] >= photos:
            return out, manifest
        bodies += max(1, math.ceil((photos - manifest["summary"]["photos"]) / PHOTOS_PER_BODY_GUESS))


def subset_archive(full: Path, manifest: dict, photos: int) -> tuple[Path, list[dict]]:
    """At least `photos` photos of `full` as hard links: whole bodies, every other body first, own sidecar."""
    bodies = manifest["bodies_list"]
    by_exam: dict[str, list[dict]] = {}
    for rec in manifest["files"]:
        by_exam.setdefault(rec["exam_no"], []).append(rec)
    order = list(range(0, len(bodies), 2)) + list(range(1, len(bodies), 2))
    chosen, count = [], 0
    for i in order:
        if count >= photos:
            break
        chosen.append(i)
        count += len(by_exam.get(bodies[i]["exam_no"], []))
    chosen.sort()
    out = full.parent / f"{full.name}--subset-{count}"
    files = [rec for i in chosen for rec in by_exam.get(bodies[i]["exam_no"], [])]
    if (out / ".complete").exists():
        log(f"subset cached: {out} ({count} photos)")
        return out, files
    if out.exists():
        shutil.rmtree(out)
    log(f"making a {count}-photo subset of hard links: {out}")
    for rec in files:
        dst = out / rec["path"]
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(full / rec["path"], dst)
        except OSError:
            shutil.copy2(full / rec["path"], dst)
    # The sidecar: header plus the rows of the chosen bodies (row i is body i).
    with open(full / synth.SIDECAR_CSV, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    if len(rows) != len(bodies):
        raise SystemExit(f"{full / synth.SIDECAR_CSV}: {len(rows)} rows for {len(bodies)} bodies")
    with open(out / synth.SIDECAR_CSV, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows[i] for i in chosen)
    (out / ".complete").write_text(json.dumps({"photos": count, "bodies": len(chosen)}))
    return out, files


def folder_files(photos_dir: Path) -> list[Path]:
    return sorted(p for p in photos_dir.rglob("*") if p.is_file())


def warm(paths: list[Path]) -> tuple[float, int]:
    """Read every file once (page cache); returns (seconds, bytes)."""
    t0 = time.perf_counter()
    total = 0
    for p in paths:
        with open(p, "rb", buffering=0) as f:
            while chunk := f.read(1 << 20):
                total += len(chunk)
    return time.perf_counter() - t0, total


# ---------------------------------------------------------------- contenders


# The floor finds no faces: the aim (ingest / floor <= 1.5) is for ingest without them; with them, that no photo
# is decoded twice. The authenticity stage is off unless --authenticity (a second decode, see bench/README.md).
WITH_AUTHENTICITY = False


def clean_env(home: Path, faces: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DALIL_")}
    env["DALIL_HOME"] = str(home)
    env["DALIL_FACES"] = "1" if faces else "0"
    env["DALIL_AUTHENTICITY"] = "1" if WITH_AUTHENTICITY else "0"
    return env


def decodes_per_photo(summary: dict) -> dict | None:
    """Pixel decodes per photo (ingested or quarantined: a corrupt one is decoded once too), by where they
    happened; None from a dalil that does not count them."""
    counts = summary.get("decodes")
    files = summary.get("ingested", 0) + summary.get("quarantined", 0)
    if not isinstance(counts, dict) or not files:
        return None
    return {k: round(v / files, 3) for k, v in counts.items()} | {"total": round(sum(counts.values()) / files, 3)}


def dalil_ingest(archive: Path, home: Path, workers: int, faces: bool = False) -> dict:
    """`dalil ingest` in a fresh DALIL_HOME; its JSON summary plus the wall time of the whole command."""
    if home.exists():
        shutil.rmtree(home)
    cmd = [str(REPO / ".venv" / "bin" / "dalil"), "ingest", str(archive / synth.PHOTOS_DIR),
           "--collection", "bench", "--pattern", synth.PATH_PATTERN, "--sidecar", str(archive / synth.SIDECAR_CSV),
           "--workers", str(workers), "--json"]
    if not Path(cmd[0]).exists():
        cmd[0:1] = [sys.executable, "-m", "dalil.cli"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=clean_env(home, faces), capture_output=True, text=True, cwd=str(home.parent))
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 3):  # 3: finished, some files quarantined (the archive has corrupt ones)
        raise SystemExit(f"dalil ingest failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    lines = [line for line in proc.stdout.splitlines() if line.strip().startswith("{")]
    summary = json.loads(lines[-1])
    return {"wall_seconds": wall, "summary": summary, "exit": proc.returncode}


def _floor_one(path: str) -> tuple[int, bool]:
    from PIL import Image

    with open(path, "rb") as f:
        data = f.read()
    hashlib.sha256(data).hexdigest()
    try:
        im = Image.open(io.BytesIO(data))
        im.draft("RGB", (512, 512))
        im.load()
        ok = True
    except Exception:  # truncated or garbage files: ingest quarantines them, the floor just moves on
        ok = False
    return len(data), ok


def floor(paths: list[Path], workers: int) -> dict:
    t0 = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        results = list(pool.imap_unordered(_floor_one, [str(p) for p in paths], chunksize=4))
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "bytes": sum(r[0] for r in results), "decoded": sum(r[1] for r in results)}


def find_tools() -> dict:
    tools: dict = {"exiftool": None, "imagemagick": None, "bagit": None, "missing": []}
    exiftool = shutil.which("exiftool")
    if exiftool:
        tools["exiftool"] = exiftool
    else:
        tools["missing"].append("exiftool")
    candidates = ["/usr/bin/convert", "/usr/bin/magick", shutil.which("magick"), shutil.which("convert")]
    for c in candidates:
        if not c or not os.access(c, os.X_OK):
            continue
        try:
            out = subprocess.run([c, "-version"], capture_output=True, text=True, timeout=20).stdout
        except (OSError, subprocess.TimeoutExpired):
            continue
        if "Version: ImageMagick" in out:  # /usr/local/bin/convert on some machines is a stand-in, not ImageMagick
            tools["imagemagick"] = c
            tools["imagemagick_version"] = out.splitlines()[0]
            break
    if not tools["imagemagick"]:
        tools["missing"].append("ImageMagick (convert/magick)")
    try:
        import bagit

        tools["bagit"] = getattr(bagit, "VERSION", "") or "installed"
    except ImportError:
        tools["missing"].append("bagit-python (pip install bagit)")
    return tools


def script_pipeline(archive: Path, paths: list[Path], scratch: Path, workers: int, tools: dict) -> dict:
    """What an archivist would otherwise script: copy, bag, EXIF dump, thumbnails."""
    import bagit

    logging.getLogger("bagit").setLevel(logging.WARNING)
    src = archive / synth.PHOTOS_DIR
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True)
    copy, thumbs, exif_out = scratch / "copy", scratch / "thumbs", scratch / "exif.json"
    thumbs.mkdir()
    steps = {}

    t0 = time.perf_counter()
    subprocess.run(["cp", "-r", str(src), str(copy)], check=True)
    steps["cp -r"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    bagit.make_bag(str(copy), checksums=["sha256"], processes=workers)
    steps["bagit sha256"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    with open(exif_out, "wb") as f:
        proc = subprocess.run([tools["exiftool"], "-json", "-r", str(src)], stdout=f, stderr=subprocess.PIPE)
    steps["exiftool -json -r"] = time.perf_counter() - t0
    if exif_out.stat().st_size == 0:
        raise SystemExit(f"exiftool wrote nothing (exit {proc.returncode}): {proc.stderr[-2000:]!r}")
    exif_records = len(json.loads(exif_out.read_bytes()))

    pairs = bytearray()
    for p in paths:
        rel = p.relative_to(src).as_posix().replace("/", "__")
        pairs += os.fsencode(p) + b"\0" + os.fsencode(thumbs / rel) + b"\0"
    convert = tools["imagemagick"]
    t0 = time.perf_counter()
    proc = subprocess.run(
        ["xargs", "-0", "-n", "2", "-P", str(workers), "sh", "-c",
         f'exec "{convert}" -define jpeg:size=1024x1024 "$1" -thumbnail 512x512 "$2" 2>/dev/null', "sh"],
        input=bytes(pairs), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    steps["convert thumbnails"] = time.perf_counter() - t0
    made = sum(1 for _ in thumbs.iterdir())
    return {"steps": steps, "seconds": sum(steps.values()), "exif_records": exif_records, "thumbnails": made,
            "xargs_exit": proc.returncode}


# ---------------------------------------------------------------- running and reporting


def median_run(fn, repeat: int, key):
    runs = [fn() for _ in range(repeat)]
    runs.sort(key=key)
    return runs[len(runs) // 2], runs


def verdict(name: str, value: float | None) -> str:
    op, aim = AIMS[name]
    if value is None or aim is None:
        return "n/a"
    ok = value <= aim if op == "<=" else value < aim
    return "PASS" if ok else "MISS"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--photos", type=int, default=1000, help="N: photos in the measured archive (at least)")
    ap.add_argument("--megapixels", type=float, default=8.0)
    ap.add_argument("--workers", type=int, default=2, help="W: worker processes for every contender")
    ap.add_argument("--workdir", type=Path, default=REPO / "bench" / "out",
                    help="archives (cached) and scratch runs (default bench/out, gitignored)")
    ap.add_argument("--keep", action="store_true", help="keep the DALIL_HOMEs, copies and thumbnails of this run")
    ap.add_argument("--skip-script", action="store_true", help="skip the script-pipeline contender")
    ap.add_argument("--repeat", type=int, default=1, help="run each contender R times, report the median")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    ap.add_argument("--faces", nargs="?", const="on", default="both", choices=("both", "off", "on"),
                    help="ingest N without and with the faces stage (both, the default), or only off or on "
                         "(a bare --faces: on); the 2N scaling run is the first of them")
    ap.add_argument("--skip-scaling", action="store_true", help="skip the 2N ingest (the scaling ratio)")
    ap.add_argument("--authenticity", action="store_true", help="ingest with the authenticity stage on")
    args = ap.parse_args(argv)
    global WITH_AUTHENTICITY
    WITH_AUTHENTICITY = args.authenticity
    n, w = args.photos, args.workers
    modes = {"both": [False, True], "off": [False], "on": [True]}[args.faces]
    workdir = args.workdir.expanduser().resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    info = machine()

    # 1. archives: the full one (>= 2N) and the N subset of hard links into it.
    full, manifest = full_archive(workdir, 2 * n, args.megapixels)
    sub, _ = subset_archive(full, manifest, n)
    sub_paths = folder_files(sub / synth.PHOTOS_DIR)
    full_paths = folder_files(full / synth.PHOTOS_DIR)
    sub_bytes = sum(p.stat().st_size for p in sub_paths)
    full_bytes = sum(p.stat().st_size for p in full_paths)
    log(f"N archive: {len(sub_paths)} photos, {sub_bytes / 1e6:,.0f} MB; 2N archive: {len(full_paths)} photos, "
        f"{full_bytes / 1e6:,.0f} MB ({manifest['summary']['width']}x{manifest['summary']['height']})")

    tools = find_tools()
    script_skip = "--skip-script" if args.skip_script else ""
    if not args.skip_script and tools["missing"]:
        script_skip = "missing: " + ", ".join(tools["missing"])
        log(f"script pipeline skipped, {script_skip}. Install with: {INSTALL_HINT}"
            + ("; .venv/bin/pip install bagit" if not tools["bagit"] else ""))

    run_dir = Path(tempfile.mkdtemp(prefix=time.strftime("run-%Y%m%d-%H%M%S-"), dir=workdir))

    def done_with(path: Path) -> None:
        if not args.keep and path.exists():
            shutil.rmtree(path)

    # 2. warm: every file read once, then the start-up of each contender once on a few files.
    secs, nbytes = warm(full_paths)
    log(f"warm read of all {len(full_paths)} files: {nbytes / 1e6:,.0f} MB in {secs:.1f} s")
    warmup = run_dir / "warmup"
    for rec in manifest["files"][:8]:
        dst = warmup / rec["path"]
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.link(full / rec["path"], dst)
    shutil.copy(full / synth.SIDECAR_CSV, warmup / synth.SIDECAR_CSV)
    for faces in modes:
        dalil_ingest(warmup, run_dir / "home-warmup", w, faces)
    floor(folder_files(warmup / synth.PHOTOS_DIR), w)
    if not script_skip:
        subprocess.run([tools["exiftool"], "-ver"], capture_output=True)
        subprocess.run([tools["imagemagick"], "-version"], capture_output=True)
    done_with(run_dir / "home-warmup")
    log("warm-up done (cache, imports, first migration)")

    def rewarm(paths):
        s, _ = warm(paths)
        return round(s, 3)

    rows = []  # (contender, photos, bytes, seconds)
    result: dict = {"machine": info, "params": {"photos": n, "megapixels": args.megapixels, "workers": w,
                                                 "repeat": args.repeat, "workdir": str(workdir)},
                    "archives": {"n": {"path": str(sub), "photos": len(sub_paths), "bytes": sub_bytes},
                                 "2n": {"path": str(full), "photos": len(full_paths), "bytes": full_bytes,
                                        "synth_summary": manifest["summary"]}},
                    "rewarm_seconds": {}}

    # Read-from-cache reference.
    secs = rewarm(sub_paths)
    rows.append(("warm read (1 process)", len(sub_paths), sub_bytes, secs))

    # 3b. floor
    log(f"floor: read + sha256 + draft decode, Pool({w}) ...")
    result["rewarm_seconds"]["floor"] = rewarm(sub_paths)
    fl, fl_runs = median_run(lambda: floor(sub_paths, w), args.repeat, key=lambda r: r["seconds"])
    rows.append((f"floor (read+sha256+draft decode, {w} procs)", len(sub_paths), fl["bytes"], fl["seconds"]))
    result["floor"] = {**fl, "runs": [r["seconds"] for r in fl_runs]}
    log(f"  floor {fl['seconds']:.1f} s ({fl['decoded']} decoded)")

    # 3a. ingest N, without and with the faces stage
    by_mode = {}
    for faces in modes:
        key, label = ("ingest_n_faces", " with faces") if faces else ("ingest_n", "")

        def ingest_n(faces=faces, key=key):
            result["rewarm_seconds"].setdefault(key, []).append(rewarm(sub_paths))
            r = dalil_ingest(sub, run_dir / "home-n", w, faces)
            done_with(run_dir / "home-n")
            return r

        log(f"ingest N{label} ({len(sub_paths)} photos) ...")
        one, one_runs = median_run(ingest_n, args.repeat, key=lambda r: r["wall_seconds"])
        s = one["summary"]
        rows.append((f"dalil ingest N{label} (its own 'seconds')", s["files"], s["bytes"], s["seconds"]))
        rows.append((f"dalil ingest N{label} (wall: start+migrate+ingest)", s["files"], s["bytes"],
                     one["wall_seconds"]))
        result[key] = {**one, "runs": [(r["summary"]["seconds"], r["wall_seconds"]) for r in one_runs],
                       "decodes_per_photo": decodes_per_photo(s)}
        by_mode[faces] = one
        log(f"  ingest N{label} {s['seconds']:.1f} s (wall {one['wall_seconds']:.1f} s): {s['ingested']} ingested, "
            f"{s['quarantined']} quarantined, {s['duplicates']} duplicates, {s['near_duplicates']} near-dup pairs, "
            f"{s.get('faces', 0)} faces, decodes {s.get('decodes', 'not counted')}")
    ing = by_mode[modes[0]]
    s = ing["summary"]

    # 3c. script pipeline
    if not script_skip:
        def script():
            result["rewarm_seconds"].setdefault("script", []).append(rewarm(sub_paths))
            r = script_pipeline(sub, sub_paths, run_dir / "script", w, tools)
            done_with(run_dir / "script")
            return r

        log("script pipeline: cp -r, bagit, exiftool, convert ...")
        sc, sc_runs = median_run(script, args.repeat, key=lambda r: r["seconds"])
        for step, secs in sc["steps"].items():
            rows.append((f"script: {step}", len(sub_paths), sub_bytes, secs))
        rows.append(("script pipeline total", len(sub_paths), sub_bytes, sc["seconds"]))
        result["script"] = {**sc, "runs": [r["seconds"] for r in sc_runs], "tools": tools}
        log(f"  script total {sc['seconds']:.1f} s " + ", ".join(f"{k} {v:.1f}" for k, v in sc["steps"].items()))
    else:
        result["script"] = {"skipped": script_skip, "install": INSTALL_HINT}

    # 3d. scaling: ingest 2N
    def ingest_2n():
        result["rewarm_seconds"].setdefault("ingest_2n", []).append(rewarm(full_paths))
        r = dalil_ingest(full, run_dir / "home-2n", w, modes[0])
        done_with(run_dir / "home-2n")
        return r

    if args.skip_scaling:
        ing2 = s2 = None
    else:
        log(f"ingest 2N ({len(full_paths)} photos) ...")
        ing2, ing2_runs = median_run(ingest_2n, args.repeat, key=lambda r: r["wall_seconds"])
        s2 = ing2["summary"]
        rows.append(("dalil ingest 2N (its own 'seconds')", s2["files"], s2["bytes"], s2["seconds"]))
        rows.append(("dalil ingest 2N (wall: start+migrate+ingest)", s2["files"], s2["bytes"], ing2["wall_seconds"]))
        result["ingest_2n"] = {**ing2, "runs": [(r["summary"]["seconds"], r["wall_seconds"]) for r in ing2_runs]}
        log(f"  ingest 2N {s2['seconds']:.1f} s (wall {ing2['wall_seconds']:.1f} s)")

    done_with(run_dir)
    info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]

    # Ratios. ingest/floor and ingest/script use the wall time of the whole command (what a user waits for);
    # the scaling ratio uses ingest's own seconds, normalised to exactly twice the photos.
    photo_ratio = s2["files"] / s["files"] if s2 else None
    no_faces, with_faces = by_mode.get(False), by_mode.get(True)
    faces_decodes = decodes_per_photo(with_faces["summary"]) if with_faces else None
    ratios = {
        "ingest_over_floor": no_faces["wall_seconds"] / fl["seconds"] if no_faces else None,
        "ingest_faces_over_floor": with_faces["wall_seconds"] / fl["seconds"] if with_faces else None,
        "decodes_per_photo_faces": faces_decodes["total"] if faces_decodes else None,
        "ingest_over_script": ing["wall_seconds"] / result["script"]["seconds"] if not script_skip else None,
        "scaling_2n_over_n": s2["seconds"] / s["seconds"] * 2 / photo_ratio if s2 else None,
    }
    # The figures issue 12 asks for, at the top level of --json.
    result["ratio_no_faces"] = None if ratios["ingest_over_floor"] is None else round(ratios["ingest_over_floor"], 3)
    result["ratio_faces"] = (None if ratios["ingest_faces_over_floor"] is None
                             else round(ratios["ingest_faces_over_floor"], 3))
    result["decodes_per_photo"] = {"no_faces": result.get("ingest_n", {}).get("decodes_per_photo"),
                                   "faces": faces_decodes}
    if no_faces and with_faces:
        extra = with_faces["wall_seconds"] - no_faces["wall_seconds"]
        result["faces_stage_seconds_per_photo"] = round(extra / max(1, with_faces["summary"]["ingested"]), 4)
        result["faces_stage_over_rest"] = round(extra / no_faces["wall_seconds"], 3)

    def _own(run):
        return f"ingest's own seconds: {run['summary']['seconds'] / fl['seconds']:.2f}"

    ratio_notes = {
        "ingest_over_floor": (f"without faces: wall {no_faces['wall_seconds']:.1f} s / floor {fl['seconds']:.1f} s "
                              f"({_own(no_faces)})") if no_faces else "not run (--faces on)",
        "ingest_faces_over_floor": (f"with faces: wall {with_faces['wall_seconds']:.1f} s / floor "
                                    f"{fl['seconds']:.1f} s ({_own(with_faces)}; the floor finds no faces)")
                                   if with_faces else "not run (--faces off)",
        "decodes_per_photo_faces": (f"with faces: {faces_decodes}" if faces_decodes else
                                    "not counted by this dalil" if with_faces else "not run (--faces off)"),
        "ingest_over_script": (f"wall {ing['wall_seconds']:.1f} s / script {result['script']['seconds']:.1f} s "
                               f"(ingest's own seconds: {s['seconds'] / result['script']['seconds']:.2f})")
                              if not script_skip else f"skipped ({script_skip})",
        "scaling_2n_over_n": (f"ingest's own seconds {s2['seconds']:.1f} / {s['seconds']:.1f} = "
                              f"{s2['seconds'] / s['seconds']:.2f} for {photo_ratio:.3f}x the photos, scaled to "
                              f"exactly 2x (wall: {ing2['wall_seconds'] / ing['wall_seconds']:.2f} unscaled)")
                             if s2 else "skipped (--skip-scaling)",
    }
    result["table"] = [{"contender": c, "photos": p, "mb": round(b / 1e6, 1), "seconds": round(t, 3),
                        "photos_per_s": round(p / t, 2) if t else None, "mb_per_s": round(b / 1e6 / t, 1) if t else None}
                       for c, p, b, t in rows]
    result["ratios"] = {k: {"value": None if v is None else round(v, 3),
                            "aim": f"{AIMS[k][0]} {AIMS[k][1]}" if AIMS[k][1] is not None else "-",
                            "verdict": verdict(k, v), "note": ratio_notes[k]} for k, v in ratios.items()}

    if args.json:
        print(json.dumps(result, indent=1, default=str))
        return 0

    print(f"machine: nproc {info['nproc']}, {info['cpu_model']}, Python {info['python']}, {info['memory']} RAM, "
          f"load {info['loadavg_start']} -> {info['loadavg_end']} (shared, noisy)")
    print(f"archive: {args.megapixels:g} MP ({manifest['summary']['width']}x{manifest['summary']['height']}), "
          f"N = {len(sub_paths)} photos / {sub_bytes / 1e6:,.0f} MB, 2N = {len(full_paths)} photos / "
          f"{full_bytes / 1e6:,.0f} MB; workers {w}; warm page cache; "
          f"{'median of ' + str(args.repeat) + ' runs' if args.repeat > 1 else 'one run each'}")
    print()
    width = max(len(r[0]) for r in rows)
    print(f"{'contender':<{width}}  {'photos':>6}  {'MB':>8}  {'seconds':>8}  {'photos/s':>8}  {'MB/s':>7}")
    print("-" * (width + 46))
    for c, p, b, t in rows:
        print(f"{c:<{width}}  {p:>6}  {b / 1e6:>8,.1f}  {t:>8.2f}  {p / t:>8.2f}  {b / 1e6 / t:>7.1f}")
    print()
    names = {"ingest_over_floor": "ingest / floor", "ingest_faces_over_floor": "ingest+faces / floor",
             "decodes_per_photo_faces": "decodes/photo, with faces",
             "ingest_over_script": "ingest / script pipeline", "scaling_2n_over_n": "time(2N) / time(N)"}
    for k, v in result["ratios"].items():
        value = "  n/a" if v["value"] is None else f"{v['value']:5.2f}"
        print(f"{names[k]:<26} {value}  aim {v['aim']:<6} {v['verdict']:<4}  {v['note']}")
    if "faces_stage_seconds_per_photo" in result:
        print(f"faces stage: {result['faces_stage_seconds_per_photo'] * 1000:.0f} ms per photo (wall, with faces "
              f"minus without), {result['faces_stage_over_rest']:.2f}x the rest of ingest")
    if script_skip and not args.skip_script:
        print(f"\nscript pipeline skipped ({script_skip}); install with: {INSTALL_HINT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
