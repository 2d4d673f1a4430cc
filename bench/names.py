"""Names across scripts (a benchmark, not a test): cross-script recall, duplicate detection, search at scale.

    .venv/bin/python bench/names.py --pairs ../shared/corpora/names/ar2en-eval.txt
    .venv/bin/python bench/names.py --pairs FILE --json --people 1500 --records 100000

1. --pairs FILE (arabic<TAB>latin lines): each Arabic name is a query against every distinct Latin name of
   the file, each Latin name against every Arabic name; recall at 1 and 10 (percent) per direction and the
   p95 query time, for dalil.names (dalil.names.gallery) and, in the same run, for the baseline: plain
   rapidfuzz (fuzz.ratio) on a naive letter-by-letter transliteration of the Arabic.
2. --people N: `dalil.ingest.synth.synth_reports` writes reports of N people (some reported twice, some
   brothers reported together); they are saved one by one into a fresh instance, so duplicates are found
   on arrival as in use; precision and recall of the open pairs against the known duplicates, at the
   default threshold (DALIL_DUPLICATE_THRESHOLD) and a few others.
3. --records N: N more synthetic reports are indexed (bulk), then 200 names are searched as a caseworker
   types them (`dalil.names.index.search`); p50/p95 query time.

Work goes under --workdir (bench/out/names/, gitignored). DALIL_DATABASE_URL set: that database is used.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NAIVE = {"ا": "a", "أ": "a", "إ": "i", "آ": "a", "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "kh",
         "د": "d", "ذ": "dh", "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z",
         "ع": "a", "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h", "و": "w",
         "ي": "y", "ى": "a", "ة": "a", "ء": "", "ؤ": "w", "ئ": "y"}


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def p95(values):
    return round(statistics.quantiles(values, n=20)[18], 2) if len(values) > 1 else round(values[0], 2)


def read_pairs(path: Path):
    from dalil.names.script import arabic_plain, latin_plain

    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        arabic, _tab, latin = line.partition("\t")
        if arabic_plain(arabic) and latin_plain(latin):
            pairs.append((arabic_plain(arabic), latin_plain(latin)))
    return pairs


def _recall(queries, search, gold):
    r1 = r10 = 0
    times = []
    for q in queries:
        began = time.perf_counter()
        top = search(q)
        times.append((time.perf_counter() - began) * 1000)
        r1 += bool(top) and top[0] in gold[q]
        r10 += bool(set(top[:10]) & gold[q])
    return {"recall_1": round(100 * r1 / len(queries), 1), "recall_10": round(100 * r10 / len(queries), 1)}, times


def cross_script(path: Path) -> dict:
    from rapidfuzz import fuzz, process

    from dalil.names.gallery import Gallery

    pairs = read_pairs(path)
    arabic, latin = sorted({a for a, _ in pairs}), sorted({b for _, b in pairs})
    gold: dict[str, set] = {}
    for a, b in pairs:
        gold.setdefault(a, set()).add(b)
        gold.setdefault(b, set()).add(a)
    out = {"n_pairs": len(pairs)}
    began = time.perf_counter()
    latin_gallery, arabic_gallery = Gallery(latin), Gallery(arabic)
    out["gallery_build_s"] = round(time.perf_counter() - began, 2)
    out["ar_to_latin"], t1 = _recall(arabic, lambda q: [latin[i] for i, _s in latin_gallery.search(q, 10)], gold)
    out["latin_to_ar"], t2 = _recall(latin, lambda q: [arabic[i] for i, _s in arabic_gallery.search(q, 10)], gold)
    out["query_ms_p95"] = p95(t1 + t2)

    def naive(text):
        return "".join(NAIVE.get(c, "") for c in text)

    naive_arabic = [naive(a) for a in arabic]
    base = {}
    base["ar_to_latin"], b1 = _recall(arabic, lambda q: [r[0] for r in process.extract(
        naive(q), latin, scorer=fuzz.ratio, limit=10)], gold)
    base["latin_to_ar"], b2 = _recall(latin, lambda q: [arabic[r[2]] for r in process.extract(
        q, naive_arabic, scorer=fuzz.ratio, limit=10)], gold)
    base["query_ms_p95"] = p95(b1 + b2)
    out["baseline"] = base
    return out


def setup_django(workdir: Path):
    home = Path(tempfile.mkdtemp(prefix="home-", dir=workdir))
    os.environ["DALIL_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dalil.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return home


def _report(row):
    import hashlib

    from dalil.identification.models import MissingPersonReport

    fields = {k: v for k, v in row.items() if k.endswith(("_ar", "_latin")) and v}
    report = MissingPersonReport(followup_digest=hashlib.sha256(os.urandom(16)).hexdigest(),
                                 reference=f"SYN-{row['report_id']}", sex=row["sex"], **fields,
                                 home_town=row["home_town"], arrest_place=row["arrest_place"])
    if row["birth_date"]:
        report.birth_date = row["birth_date"]
    if row["arrest_date"]:
        report.arrest_date = row["arrest_date"]
    if row["age_at_arrest"]:
        report.age_at_arrest = int(row["age_at_arrest"])
    return report


def duplicates(people: int, seed: int) -> dict:
    import datetime

    from django.conf import settings

    from dalil.ingest.synth import synth_reports
    from dalil.names.duplicates import duplicate_score
    from dalil.names.models import DuplicateCandidate

    data = synth_reports(people, seed)
    default = settings.DUPLICATE_THRESHOLD
    settings.DUPLICATE_THRESHOLD = 60  # keep the pairs below the default too, to draw the curve
    began = time.perf_counter()
    for row in data["rows"]:
        report = _report(row)
        for name in ("birth_date", "arrest_date"):
            if isinstance(getattr(report, name), str):
                setattr(report, name, datetime.date.fromisoformat(getattr(report, name)))
        report.save()  # the signal indexes it and looks for duplicates, as on arrival from any source
    per_report_ms = (time.perf_counter() - began) * 1000 / len(data["rows"])
    settings.DUPLICATE_THRESHOLD = default
    truth = {tuple(sorted(p)) for p in data["duplicates"]}
    found = {}
    for pair in DuplicateCandidate.objects.select_related("first", "second"):
        key = tuple(sorted((pair.first.reference[4:], pair.second.reference[4:])))
        found[key] = pair.score
    # recall past the candidate step: true pairs never proposed are scored directly to see what blocking lost
    out = {"reports": len(data["rows"]), "people": people, "true_pairs": len(truth),
           "threshold": settings.DUPLICATE_THRESHOLD, "ms_per_arrival": round(per_report_ms, 1), "at": {}}
    for threshold in sorted({70, 75, 80, settings.DUPLICATE_THRESHOLD, 90, 95}):
        proposed = {k for k, s in found.items() if s >= threshold}
        hits = len(proposed & truth)
        out["at"][str(threshold)] = {"precision": round(100 * hits / len(proposed), 1) if proposed else None,
                                     "recall": round(100 * hits / len(truth), 1) if truth else None,
                                     "proposed": len(proposed)}
    default = out["at"][str(settings.DUPLICATE_THRESHOLD)]
    out["precision"], out["recall"] = default["precision"], default["recall"]
    from dalil.identification.models import MissingPersonReport
    missed = sorted(truth - set(found))[:5]
    out["missed_examples"] = []
    for a, b in missed:
        ra, rb = (MissingPersonReport.objects.get(reference=f"SYN-{x}") for x in (a, b))
        score, _reasons = duplicate_score(ra, rb)
        out["missed_examples"].append([ra.full_name_ar() or ra.full_name_latin(),
                                       rb.full_name_ar() or rb.full_name_latin(), score])
    return out


def search_at_scale(records: int, seed: int) -> dict:
    from django.db import transaction

    from dalil.identification.models import MissingPersonReport
    from dalil.ingest.synth import synth_reports
    from dalil.names.index import index_report, search
    from dalil.names.models import NameKey, NameRecord
    from dalil.names.parts import split_name

    rows = synth_reports(records, seed + 1, duplicate_share=0.0, sibling_share=0.0)["rows"][:records]
    began = time.perf_counter()
    reports = [_report(r) for r in rows]
    for r in reports:
        r.reference = "BIG" + r.reference[3:]
        r.birth_date = r.birth_date or None
        r.arrest_date = r.arrest_date or None
    MissingPersonReport.objects.bulk_create(reports, batch_size=2000)  # no signals: indexed below in bulk
    created = time.perf_counter() - began
    began = time.perf_counter()
    with transaction.atomic():
        pending_records, pending_keys = [], []
        for report in MissingPersonReport.objects.filter(reference__startswith="BIG").iterator(chunk_size=2000):
            from dalil.names.index import report_parts

            parts = report_parts(report)
            pending_records.append(NameRecord(report=report, source="table", display=report.full_name_latin() or
                                              report.full_name_ar(), parts=parts, digest=""))
        NameRecord.objects.bulk_create(pending_records, batch_size=2000)
        for record in NameRecord.objects.filter(report__reference__startswith="BIG").iterator(chunk_size=2000):
            i = 0
            for _role, text in record.parts:
                for part in split_name(text):
                    pending_keys += [NameKey(record_id=record.pk, part=i, key=k) for k in part.keys()]
                    i += 1
            if len(pending_keys) > 20000:
                NameKey.objects.bulk_create(pending_keys)
                pending_keys = []
        NameKey.objects.bulk_create(pending_keys)
    indexed = time.perf_counter() - began
    rng = random.Random(seed)
    queries = []
    for row in rng.sample(rows, 200):
        script = rng.choice(["ar", "latin"])
        names = [row.get(f"{role}_name_{script}") or row.get(f"{role}_name_{'ar' if script == 'latin' else 'latin'}")
                 for role in ("first", "father", "family")]
        queries.append(" ".join(n for n in names if n))
    times, sizes = [], []
    search("محمد الحلبي")  # warm: imports, caches
    for q in queries:
        t = time.perf_counter()
        sizes.append(len(search(q, limit=20)))
        times.append((time.perf_counter() - t) * 1000)
    return {"records": NameRecord.objects.count(), "keys": NameKey.objects.count(),
            "create_s": round(created, 1), "index_s": round(indexed, 1),
            "query_ms_p50": round(statistics.median(times), 1), "query_ms_p95": p95(times),
            "queries": len(queries), "mean_hits": round(statistics.mean(sizes), 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=Path, required=True, help="arabic<TAB>latin lines (e.g. the corpus's eval split)")
    parser.add_argument("--people", type=int, default=1500, help="synthetic people for duplicates (0: skip)")
    parser.add_argument("--records", type=int, default=100_000, help="synthetic reports to search (0: skip)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out" / "names")
    parser.add_argument("--keep", action="store_true", help="keep this run's DALIL_HOME")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    if not args.pairs.is_file():
        parser.error(f"{args.pairs}: no such file")
    args.workdir.mkdir(parents=True, exist_ok=True)
    home = setup_django(args.workdir)
    try:
        log("cross-script recall ...")
        result = cross_script(args.pairs)
        if args.people:
            log(f"duplicates among reports of {args.people} synthetic people ...")
            result["duplicates"] = duplicates(args.people, args.seed)
        if args.records:
            log(f"search among {args.records} more reports ...")
            result["search"] = search_at_scale(args.records, args.seed)
    finally:
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)
        else:
            log(f"kept {home}")
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
