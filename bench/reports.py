"""Statistics, pages and reports at the real archive's size (~55,000 photos, ~6,800 bodies).

This is a benchmark, not a test. It builds one synthetic instance without
ingesting 55,000 images: a small synthetic archive goes through the real
ingest (so every table has rows written by the real code), then rows are
bulk-created the way ingest, grouping, coding and casework would have made
them (Items with tiny stored originals, Sightings, Photos, BodyCases, injury
codes, near-duplicate pairs, quarantined files, missing-person reports,
identifications and their steps, `ingested` custody rows), the collection is
sealed and verified once. Then it times:

- statistics.compute, staff (by month) and public (by quarter, suppressed);
- the staff page (ar, en) and the public page through Django's test client;
- `dalil report` HTML and PDF, prosecutor profile (the annex lists every case)
  and public, each in its own process, with its peak RSS (getrusage).

    .venv/bin/python bench/reports.py                       # 55,000 photos / 6,800 cases
    .venv/bin/python bench/reports.py --photos 5500 --cases 680   # a tenth, for the ratios
    .venv/bin/python bench/reports.py --json

Progress goes to stderr. Work goes under --workdir (bench/out/reports/, gitignored).
"""

import argparse
import datetime
import hashlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLLECTION = "caesar"
BRANCHES = [("215", 40), ("227", 20), ("216", 8), ("235", 8), ("248", 6), ("251", 4), ("220", 3), ("291", 3),
            ("261", 2), ("279", 2), ("285", 1), ("225", 1), ("", 2)]
CATEGORIES = [("custody", 80), ("soldier", 10), ("attack", 4), ("unknown", 6)]
CODES = ["emaciation", "ligature", "electrocution", "eye", "blunt", "cuts", "burns", "restraint", "other"]
FIRST_DAY, LAST_DAY = datetime.date(2011, 5, 1), datetime.date(2013, 8, 31)


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def _weighted(rng, pairs):
    return rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]


def setup_django(home: Path):
    os.environ["DALIL_HOME"] = str(home)
    os.environ.setdefault("DALIL_FACES", "0")
    os.environ["DALIL_STORE_FSYNC"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dalil.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# ---------------------------------------------------------------- the instance


def build(home: Path, photos: int, cases: int, seed: int) -> dict:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth.models import User
    from django.db import transaction
    from django.utils import timezone

    from dalil.archive.models import BodyCase, InjuryCode, NearDuplicate, Photo
    from dalil.evidence import custody, seals, verify
    from dalil.evidence.models import Acquisition, Collection, CustodyEvent, Item, Sighting
    from dalil.evidence.store import originals
    from dalil.identification.models import Identification, IdentificationStep, MissingPersonReport
    from dalil.ingest import synth
    from dalil.ingest.pipeline import Options, ingest
    from dalil.lib.roles import Role, grant

    began = time.monotonic()
    source = home / "synth"
    synth.synthesize(source, bodies=8, seed=seed, megapixels=0.3)
    ingest(source / synth.PHOTOS_DIR, Options(collection=COLLECTION, received_from="bench", medium="generated",
                                              pattern=synth.PATH_PATTERN, sidecar=source / synth.SIDECAR_CSV,
                                              actor="bench", workers=1))
    log(f"  real ingest of 8 bodies: {time.monotonic() - began:.1f} s")
    rng = random.Random(seed)
    analyst = User.objects.create_user("bench-analyst", password="bench password 123")
    grant(analyst, Role.ANALYST)
    archivist = User.objects.create_user("bench-archivist", password="bench password 123")
    grant(archivist, Role.ARCHIVIST)
    collection = Collection.objects.get(name=COLLECTION)
    have_photos, have_cases = Photo.objects.count(), BodyCase.objects.count()
    new_cases, new_photos = max(0, cases - have_cases), max(0, photos - have_photos)

    t = time.monotonic()
    store = originals()
    with transaction.atomic():
        acquisition = Acquisition.objects.create(collection=collection, source="/bench/bulk", kind="folder",
                                                 received_from="bench", medium="generated")
        span = (LAST_DAY - FIRST_DAY).days
        case_rows = []
        for i in range(new_cases):
            day = FIRST_DAY + datetime.timedelta(days=rng.randrange(span))
            case_rows.append(BodyCase(
                branch=_weighted(rng, BRANCHES), detainee_no=str(1000 + rng.randrange(9000)),
                exam_no=str(10000 + i), category=_weighted(rng, CATEGORIES),
                date=None if rng.random() < 0.03 else day, sex="male", needs_review=rng.random() < 0.02))
        BodyCase.objects.bulk_create(case_rows, batch_size=2000)
        case_rows = list(BodyCase.objects.filter(exam_no__in=[c.exam_no for c in case_rows]).order_by("pk"))
        # Photos: spread over the cases (~8 each), dated like their case.
        per_case = [1] * len(case_rows)
        for _ in range(new_photos - len(case_rows)):
            per_case[rng.randrange(len(case_rows))] += 1
        items, photo_rows, sightings = [], [], []
        n = 0
        for case, count in zip(case_rows, per_case):
            for seq in range(count):
                data = f"bench original {seed} {n}".encode()
                sha = store.put_bytes(data)
                items.append(Item(sha256=sha, size=len(data), media_type="image/jpeg"))
                photo_rows.append((sha, case, seq + 1))
                n += 1
        Item.objects.bulk_create(items, batch_size=2000)
        item_ids = dict(Item.objects.filter(sha256__in=[i.sha256 for i in items]).values_list("sha256", "pk"))
        photos_out = []
        for sha, case, seq in photo_rows:
            path = f"branch-{case.branch}/{case.date:%Y-%m}/exam-{case.exam_no}/{case.exam_no}_{seq:02d}.jpg" \
                if case.date else f"nodate/exam-{case.exam_no}/{case.exam_no}_{seq:02d}.jpg"
            sightings.append(Sighting(acquisition=acquisition, item_id=item_ids[sha], path=path, size=30,
                                      outcome="ingested"))
            photos_out.append(Photo(item_id=item_ids[sha], format="JPEG", width=3264, height=2448,
                                    branch=case.branch, detainee_no=case.detainee_no, exam_no=case.exam_no,
                                    photo_date=case.date, sequence=seq, case=case, near_duplicates_checked=True))
        # ~2% exact copies (another sighting of the same item) and ~0.5% quarantined files.
        for k in range(int(new_photos * 0.02)):
            sha, case, seq = photo_rows[rng.randrange(len(photo_rows))]
            sightings.append(Sighting(acquisition=acquisition, item_id=item_ids[sha], path=f"copies/{k}/{sha[:8]}.jpg",
                                      size=30, outcome="ingested"))
        quarantined = []
        for k in range(int(new_photos * 0.005)):
            data = f"bench broken {seed} {k}".encode()
            sha = store.put_bytes(data)
            quarantined.append((Item(sha256=sha, size=len(data), media_type="application/octet-stream"), k))
        Item.objects.bulk_create([q for q, _ in quarantined], batch_size=2000)
        for item, k in quarantined:
            sightings.append(Sighting(acquisition=acquisition, item=Item.objects.get(sha256=item.sha256),
                                      path=f"broken/{k}.jpg", size=item.size, outcome="quarantined",
                                      problem_code=rng.choice(["truncated", "not_an_image", "corrupt_image"]),
                                      problem="bench: cut short"))
        Sighting.objects.bulk_create(sightings, batch_size=2000)
        Photo.objects.bulk_create(photos_out, batch_size=2000)
        log(f"  {len(case_rows):,} cases, {len(photos_out):,} photos, {len(sightings):,} sightings: "
            f"{time.monotonic() - t:.1f} s")
        # Injury codes on ~60% of the cases.
        codes = []
        for case in case_rows:
            if rng.random() < 0.6:
                for code in rng.sample(CODES, rng.choice([1, 1, 2, 2, 3])):
                    codes.append(InjuryCode(case=case, code=code, coded_by=analyst))
        InjuryCode.objects.bulk_create(codes, batch_size=2000)
        # Near-duplicate pairs: ~2% of photos.
        photo_ids = list(Photo.objects.filter(item_id__in=item_ids.values()).values_list("pk", flat=True))
        pairs = set()
        while len(pairs) < int(new_photos * 0.02):
            a, b = sorted(rng.sample(photo_ids, 2))
            pairs.add((a, b))
        NearDuplicate.objects.bulk_create([NearDuplicate(a_id=a, b_id=b, distance=rng.randrange(5, 30),
                                                         status=rng.choice(["pending", "pending", "same", "different"]))
                                           for a, b in pairs], batch_size=2000)
        # Missing-person reports (~0.4 per case) and identifications of ~5% of the cases.
        reports = [MissingPersonReport(followup_digest=hashlib.sha256(f"bench {i}".encode()).hexdigest(),
                                       reference=f"DL-B{i:07d}", first_name_ar="محمد", sex="male",
                                       arresting_branch=_weighted(rng, BRANCHES))
                   for i in range(int(len(case_rows) * 0.4))]
        MissingPersonReport.objects.bulk_create(reports, batch_size=2000)
        reports = list(MissingPersonReport.objects.order_by("pk"))
        start = timezone.now() - datetime.timedelta(days=720)
        for report in reports:
            report.created_at = start + datetime.timedelta(days=rng.randrange(720))
        MissingPersonReport.objects.bulk_update(reports, ["created_at"], batch_size=2000)
        chosen = rng.sample(case_rows, int(len(case_rows) * 0.05))
        idents = [Identification(report=r, case=c, state=rng.choice(["claimed", "corroborated", "confirmed"]))
                  for r, c in zip(reports, chosen)]
        Identification.objects.bulk_create(idents, batch_size=2000)
        steps = []
        for ident in Identification.objects.select_related("report"):
            at = ident.report.created_at
            path = {"claimed": ["claimed"], "corroborated": ["claimed", "corroborated"],
                    "confirmed": ["claimed", "corroborated", "confirmed"]}.get(ident.state, ["claimed"])
            for state in path:
                at = at + datetime.timedelta(days=rng.randrange(1, 60))
                steps.append(IdentificationStep(identification=ident, to_state=state, actor=analyst))
                steps[-1]._at = at
        IdentificationStep.objects.bulk_create(steps, batch_size=2000)
        for step in steps:
            step.at = step._at
        IdentificationStep.objects.bulk_update(steps, ["at"], batch_size=2000)
    log(f"  codes, pairs, {len(reports):,} reports, {len(idents):,} identifications: {time.monotonic() - t:.1f} s")
    t = time.monotonic()
    shas = [i.sha256 for i in items] + [q.sha256 for q, _ in quarantined]
    for start in range(0, len(shas), 5000):
        custody.append([custody.Event(CustodyEvent.Action.INGESTED, "bench", COLLECTION, sha, {"bench": True})
                        for sha in shas[start:start + 5000]])
    log(f"  {len(shas):,} custody rows: {time.monotonic() - t:.1f} s")
    figures = {}
    t = time.monotonic()
    seals.seal(COLLECTION, actor="bench")
    figures["seal_s"] = time.monotonic() - t
    t = time.monotonic()
    result = verify.verify(COLLECTION, actor="bench")
    figures["verify_s"] = time.monotonic() - t
    log(f"  seal {figures['seal_s']:.1f} s, verify {figures['verify_s']:.1f} s ({result.items_checked:,} files, "
        f"ok={result.ok}: {result.problems[:2]})")
    figures["build_s"] = time.monotonic() - began
    figures["photos"], figures["cases"] = Photo.objects.count(), BodyCase.objects.count()
    return figures


# ---------------------------------------------------------------- measurements


def timed(fn, repeat: int = 3) -> float:
    """The best of `repeat` runs (after the first warms the caches the figures are about, not imports)."""
    best = None
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - t
        best = elapsed if best is None else min(best, elapsed)
    return best


def measure_in_process(repeat: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.contrib.auth.models import User
    from django.utils import translation

    from dalil.evidence.models import Collection
    from dalil.exports.profiles import PUBLIC
    from dalil.reports import statistics
    from dalil.reports.pages import chart_context

    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    collection = Collection.objects.get(name=COLLECTION)
    out = {}
    with translation.override("en"):
        with CaptureQueriesContext(connection) as queries:
            statistics.compute(collection)
        out["queries_staff"] = len(queries)
        out["compute_staff_s"] = timed(lambda: statistics.compute(collection), repeat)
        out["compute_all_s"] = timed(lambda: statistics.compute(None), repeat)
        out["compute_public_s"] = timed(lambda: chart_context(statistics.compute(collection, period="quarter"),
                                                              rtl=False, min_cell=PUBLIC.min_cell), repeat)
        out["findings_s"] = timed(lambda: (statistics.findings(collection, by="branch"),
                                           statistics.findings(collection, by="year")), repeat)
    staff = Client()
    staff.force_login(User.objects.get(username="bench-archivist"))
    public = Client()
    for name, client, url, lang in (("page_staff_ar_s", staff, f"/statistics/?collection={COLLECTION}", "ar"),
                                    ("page_staff_en_s", staff, "/statistics/", "en"),
                                    ("page_public_ar_s", public, "/statistics/public/", "ar"),
                                    ("page_report_form_s", staff, "/statistics/report/", "en"),
                                    ("page_exports_s", staff, "/exports/", "en")):
        client.cookies["django_language"] = lang

        def get():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        out[name] = timed(get, repeat)
        out[name[:-2] + "_bytes"] = len(get().content)
    return out


def child_report(args) -> None:
    """In a child process: one `dalil report`, then its own time and peak RSS as JSON on stdout's last line."""
    setup_django(Path(os.environ["DALIL_HOME"]))
    from io import StringIO

    from django.core.management import call_command

    t = time.perf_counter()
    call_command("report", *args, stdout=StringIO())
    seconds = time.perf_counter() - t
    # getrusage's ru_maxrss survives fork+exec on Linux: a child of the (large) benchmark process would report
    # the parent's peak. VmHWM is this process's own high-water mark since exec; print both.
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    hwm = next((int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")), rss)
    print(json.dumps({"seconds": seconds, "peak_rss_mib": hwm / 1024, "ru_maxrss_mib": rss / 1024}))


def measure_reports(home: Path, formats: list[str]) -> dict:
    out = {}
    outdir = home / "reports-out"
    outdir.mkdir(exist_ok=True)
    runs = []
    for fmt in formats:
        runs += [(f"report_{fmt}_prosecutor_ar_noverify", fmt, "prosecutor", "ar", ["--no-verify"]),
                 (f"report_{fmt}_public_ar", fmt, "public", "ar", ["--no-verify"])]
    runs.append(("report_html_prosecutor_en_fresh_verify", "html", "prosecutor", "en", []))
    for name, fmt, profile, lang, extra in runs:
        target = outdir / f"{name}.{fmt}"
        cmd = [sys.executable, __file__, "--child-report", "--", str(target), "--collection", COLLECTION,
               "--profile", profile, "--lang", lang, "--format", fmt, "--force", *extra]
        log(f"  {name} …")
        done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "DALIL_HOME": str(home)})
        if done.returncode != 0:
            log(done.stderr[-3000:])
            out[name] = {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["bytes"] = target.stat().st_size
        if fmt == "pdf":
            import pypdfium2

            result["pages"] = len(pypdfium2.PdfDocument(str(target)))
        out[name] = result
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=55_000)
    parser.add_argument("--cases", type=int, default=6_800)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="best of R for in-process timings (default 3)")
    parser.add_argument("--formats", default="html,pdf", help="report formats to time (default html,pdf)")
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out" / "reports")
    parser.add_argument("--keep", action="store_true", help="keep this run's DALIL_HOME (printed on stderr)")
    parser.add_argument("--home", type=Path, help="measure a DALIL_HOME kept by an earlier --keep run (no build)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child-report", action="store_true", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.child_report:
        child_report([a for a in rest if a != "--"])
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    if args.home:
        home, args.keep = args.home.resolve(), True
        setup_django(home)
        from dalil.archive.models import BodyCase, Photo

        figures = {"photos": Photo.objects.count(), "cases": BodyCase.objects.count(), "build_s": 0, "seal_s": 0,
                   "verify_s": 0}
    else:
        home = Path(tempfile.mkdtemp(prefix="home-", dir=args.workdir))
        setup_django(home)
        log(f"building {args.photos:,} photos / {args.cases:,} cases in {home} …")
        figures = build(home, args.photos, args.cases, args.seed)
    try:
        log("measuring in process …")
        figures.update(measure_in_process(args.repeat))
        log("measuring `dalil report` (one process each) …")
        figures["reports"] = measure_reports(home, [f for f in args.formats.split(",") if f])
    finally:
        if not args.keep:
            log(f"removing {home} (the store's many small folders take a minute or two) …")
            shutil.rmtree(home, ignore_errors=True)
        else:
            log(f"kept {home}: measure it again with --home {home}")
    figures["load"] = [round(x, 2) for x in load_before] + [round(x, 2) for x in os.getloadavg()]
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    per = 1000 / max(figures["cases"], 1)
    print(f"instance: {figures['photos']:,} photos, {figures['cases']:,} cases; built in {figures['build_s']:.0f} s "
          f"(seal {figures['seal_s']:.1f} s, verify of tiny stand-in files {figures['verify_s']:.1f} s); "
          f"load {figures['load'][:3]} -> {figures['load'][3:]}")
    print(f"{'what':<44} {'seconds':>9} {'per 1,000 cases':>16}  notes")
    print("-" * 96)
    rows = [("statistics.compute (staff, one collection)", figures["compute_staff_s"],
             f"{figures['queries_staff']} queries"),
            ("statistics.compute (staff, all collections)", figures["compute_all_s"], ""),
            ("compute + suppression (public, by quarter)", figures["compute_public_s"], ""),
            ("findings by branch and by year", figures["findings_s"], "")]
    for key, label in (("page_staff_ar", "staff statistics page, ar, collection"),
                       ("page_staff_en", "staff statistics page, en, all"),
                       ("page_public_ar", "public statistics page, ar"),
                       ("page_report_form", "report form (GET)"), ("page_exports", "exports page (GET)")):
        rows.append((label, figures[f"{key}_s"], f"{figures[f'{key}_bytes']:,} bytes"))
    for label, seconds, note in rows:
        print(f"{label:<44} {seconds:>9.3f} {seconds * per:>16.4f}  {note}")
    for name, result in figures["reports"].items():
        if "error" in result:
            print(f"{name:<44} {'failed':>9}  {result['error']}")
            continue
        note = f"peak RSS {result['peak_rss_mib']:.0f} MiB, {result['bytes']:,} bytes"
        if "pages" in result:
            note += f", {result['pages']:,} pages"
        print(f"{name:<44} {result['seconds']:>9.2f} {result['seconds'] * per:>16.4f}  {note}")


if __name__ == "__main__":
    main()
