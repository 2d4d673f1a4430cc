"""Candidate ranking on synthetic reports whose true body is known (a benchmark, not a test).

Builds an instance with the synthetic archive's bodies (`dalil.ingest.synth.plan_archive`: its branches,
dates and numbers, ~6,800 cases; no pictures are rendered) and what an analyst would have recorded on each
case (sex, an age range, marks, category), then writes synthetic missing-person reports for randomly chosen
bodies the way families fill the form (a branch that is often not the one that registered the body, an
arrest date some weeks to years before the death, given as a day, a guessed day, a month or a year, an age
remembered within a year or two, marks in other words). It ranks the candidates of every report with
`dalil.identification.matching.candidates_for_report`, as the report page does, and prints the share of
reports whose true body is first / in the top 10, and the time per report:

- without faces;
- with faces: no face pictures exist here, so each report's face candidates (what
  dalil.identification.faces stores: the 50 nearest cases) are simulated from the face benchmark's
  calibration (bench/README.md, "faces", clean, dalil method): the true body's distance drawn from the
  genuine distances, every other case's from the impostor distances;
- with faces, post-mortem: the same, but a quarter of true bodies embed far (0.60-0.90), as under the
  face benchmark's hardest condition.

    .venv/bin/python bench/matching.py                 # 6,800 cases, 400 reports
    .venv/bin/python bench/matching.py --json
    .venv/bin/python bench/matching.py --calibrate     # also: each finding's LR measured on the truth

Work goes under --workdir (bench/out/matching/, gitignored). DALIL_DATABASE_URL set: that database is used.
"""

import argparse
import datetime
import hashlib
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
CATEGORIES = [("custody", 80), ("soldier", 10), ("attack", 4), ("unknown", 6)]
MARKS = ["ندبة على الساعد الأيسر", "وشم على الكتف", "سن أمامي مكسور", "ندبة في الجبهة", "أثر حرق على اليد",
         "إصبع مبتور", "شامة على الخد", "ندبة عملية في البطن", "وشم اسم على الذراع", "كسر قديم في الأنف"]
# what a family writes for the same mark (shares a word with the analyst's words about half the time)
FAMILY_MARKS = {m: m.replace("على", "في") for m in MARKS}
# face distances (bench/README.md, faces, clean, dalil): cumulative shares below 0.45 / 0.50 / 0.55 / 0.60
EDGES = [0.25, 0.45, 0.50, 0.55, 0.60, 0.95]
GENUINE = [0.835, 0.115, 0.030, 0.005, 0.015]
IMPOSTOR = [0.00015, 0.00056, 0.00215, 0.00842, 0.98872]
KEEP = 50  # face candidates stored per report (dalil.identification.faces.KEEP)


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def _weighted(rng, pairs):
    return rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]


def setup_django(home: Path):
    os.environ["DALIL_HOME"] = str(home)
    os.environ["DALIL_FACES"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dalil.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(cases: int, reports: int, seed: int) -> dict:
    """The cases and reports; returns {report pk: true case pk} and the reports' date precision."""
    from django.db import transaction

    from dalil.archive.models import BodyCase
    from dalil.identification.models import MissingPersonReport
    from dalil.ingest import synth

    rng = random.Random(f"bench-matching:{seed}")
    plan = synth.plan_archive(cases, seed=seed)
    truth, rows = [], []
    for body in plan.bodies:
        age = min(75, max(16, round(rng.triangular(16, 70, 27))))
        sex = "female" if rng.random() < 0.03 else "male"
        low = high = None
        if rng.random() < 0.85:  # the analyst's estimate: 5-10 years wide, its centre off by a few years
            width, centre = rng.randint(5, 10), age + rng.gauss(0, 3)
            low, high = max(14, round(centre - width / 2)), round(centre + width / 2)
        marks = rng.choice(MARKS) if rng.random() < 0.3 else ""
        truth.append({"age": age, "sex": sex, "marks": marks})
        rows.append(BodyCase(branch=body.branch, detainee_no=body.detainee_no, exam_no=body.exam_no,
                             date=body.photo_date, category=_weighted(rng, CATEGORIES),
                             sex="" if rng.random() < 0.02 else sex, age_min=low, age_max=high, marks=marks))
    with transaction.atomic():
        BodyCase.objects.bulk_create(rows, batch_size=2000)
    made = list(BodyCase.objects.order_by("pk"))
    branches = [(b, w) for b, w in synth.BRANCH_WEIGHTS.items()]
    chosen = rng.sample([i for i, c in enumerate(made) if c.category in ("custody", "unknown")], reports)
    report_rows, precision = [], []
    for n, i in enumerate(chosen):
        case, person = made[i], truth[i]
        delay = min(int(rng.lognormvariate(4.5, 1.0)), 1400)  # days from arrest to death: median ~90
        arrested = case.date - datetime.timedelta(days=delay)
        kind = _weighted(rng, [("day", 55), ("guessed", 15), ("month", 20), ("year", 10)])
        if kind == "guessed":
            arrested += datetime.timedelta(days=round(rng.gauss(0, 30)))
        elif kind == "month":
            arrested = arrested.replace(day=1)
        elif kind == "year":
            arrested = arrested.replace(month=1, day=1)
        branch = case.branch if rng.random() < 0.6 else _weighted(rng, [p for p in branches if p[0] != case.branch])
        age = person["age"] - delay // 365 + rng.choice([0, 0, 0, 0, -1, 1, -2, 2, -3, 3])
        marks = ""
        if person["marks"] and rng.random() < 0.6:
            marks = FAMILY_MARKS[person["marks"]] if rng.random() < 0.5 else rng.choice(MARKS)
        elif rng.random() < 0.2:
            marks = rng.choice(MARKS)
        report_rows.append(MissingPersonReport(
            followup_digest=hashlib.sha256(f"bench matching {seed} {n}".encode()).hexdigest(),
            reference=f"DL-M{n:07d}", first_name_ar="محمد", sex=person["sex"] if rng.random() < 0.97 else "",
            age_at_arrest=age if rng.random() < 0.85 else None, arrest_date=arrested,
            arresting_branch=branch if rng.random() < 0.9 else "", distinguishing_marks=marks,
            arrest_date_precision="day" if kind in ("day", "guessed") else kind))
        precision.append("day" if kind in ("day", "guessed") else kind)
    with transaction.atomic():
        MissingPersonReport.objects.bulk_create(report_rows, batch_size=2000)
    pks = list(MissingPersonReport.objects.filter(reference__startswith="DL-M").order_by("reference")
               .values_list("pk", flat=True))
    return {pk: (made[i].pk, p) for pk, i, p in zip(pks, chosen, precision)}


def _draw(rng, shares, count=1):
    out = []
    for _ in range(count):
        b = rng.choices(range(len(shares)), weights=shares)[0]
        out.append(rng.uniform(EDGES[b], EDGES[b + 1]))
    return out


def simulate_faces(truth: dict, seed: int, far_share: float) -> None:
    """Face candidates as dalil.identification.faces would store them: the KEEP nearest cases."""
    import numpy as np

    from dalil.archive.models import BodyCase
    from dalil.identification.models import FaceCandidate

    rng = random.Random(f"bench-matching-faces:{seed}:{far_share}")
    nprng = np.random.default_rng(seed)
    case_ids = np.array(BodyCase.objects.order_by("pk").values_list("pk", flat=True))
    FaceCandidate.objects.all().delete()
    rows = []
    for report_pk, (true_pk, _p) in truth.items():
        # impostors: how many of the other cases fall in each bin below 0.60; the rest are farther
        near = []
        for b, share in enumerate(IMPOSTOR[:-1]):
            n = nprng.binomial(len(case_ids) - 1, share)
            near += [(rng.uniform(EDGES[b], EDGES[b + 1]), int(c)) for c in nprng.choice(case_ids, n, replace=False)
                     if c != true_pk]
        genuine = rng.uniform(0.60, 0.90) if rng.random() < far_share else _draw(rng, GENUINE)[0]
        nearest = {}
        for distance, case in near + [(genuine, true_pk)]:
            nearest[case] = min(distance, nearest.get(case, 9.0))
        near = sorted((d, c) for c, d in nearest.items())[:KEEP]
        rows += [FaceCandidate(report_id=report_pk, case_id=c, distance=d, rank=r) for r, (d, c) in enumerate(near, 1)]
    FaceCandidate.objects.bulk_create(rows, batch_size=5000)


def measure(truth: dict, pool: int | None = None) -> dict:
    from dalil.identification.matching import candidates_for_report
    from dalil.identification.models import MissingPersonReport

    ranks, times, cpus = [], [], []
    reports = MissingPersonReport.objects.in_bulk(list(truth))
    candidates_for_report(reports[next(iter(truth))])  # warm: imports, the background statistics
    for pk, (true_pk, _precision) in truth.items():
        report = reports[pk]
        began, cpu = time.perf_counter(), time.process_time()
        found = candidates_for_report(report, limit=50, **({"pool": pool} if pool else {}))
        times.append((time.perf_counter() - began) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        order = [c.case.pk for c in found]
        ranks.append(order.index(true_pk) + 1 if true_pk in order else None)
    times.sort()
    cpus.sort()
    share = lambda k: round(100 * sum(1 for r in ranks if r is not None and r <= k) / len(ranks), 1)  # noqa: E731
    return {"top_1": share(1), "top_10": share(10), "top_50": share(50),
            "p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
            "cpu_p50_ms": round(statistics.median(cpus), 1), "cpu_p95_ms": round(cpus[int(0.95 * (len(cpus) - 1))], 1)}


def calibrate(truth: dict, seed: int) -> list[dict]:
    """Each reason's factor in the model beside the likelihood ratio measured on the synthetic truth:
    share of true pairs with that reason / share of random other pairs with it."""
    from dalil.identification.matching import background, open_cases, score
    from dalil.identification.models import MissingPersonReport

    rng = random.Random(f"bench-matching-calibrate:{seed}")
    world = background()
    cases = open_cases().in_bulk()
    ids = list(cases)
    reports = MissingPersonReport.objects.in_bulk(list(truth))
    same, other, weights = {}, {}, {}
    n_same = n_other = 0
    for pk, (true_pk, _precision) in truth.items():
        report = reports[pk]
        pairs = [(same, cases[true_pk])] + [(other, cases[c]) for c in rng.sample(ids, 30) if c != true_pk]
        for into, case in pairs:
            found = score(report, case, distance=None, world=world)
            for r in found.reasons:
                into[r.code] = into.get(r.code, 0) + 1
                if into is same:
                    weights.setdefault(r.code, []).append(r.weight)
            n_same, n_other = n_same + (into is same), n_other + (into is other)
    import math

    out = []
    for code in sorted(set(same) | set(other)):
        s, o = same.get(code, 0) / n_same, other.get(code, 0) / n_other
        measured = math.log10(s / o) if s and o else None
        out.append({"code": code, "true_pairs_pct": round(100 * s, 1), "other_pairs_pct": round(100 * o, 2),
                    "measured_log10_lr": None if measured is None else round(measured, 2),
                    "model_mean_log10_lr": round(statistics.mean(weights[code]), 2) if code in weights else None})
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=6_800)
    parser.add_argument("--reports", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out" / "matching")
    parser.add_argument("--keep", action="store_true", help="keep this run's DALIL_HOME (printed on stderr)")
    parser.add_argument("--pool", type=int, help="cases scored in full per report (default: matching.POOL)")
    parser.add_argument("--calibrate", action="store_true", help="also measure each finding's LR on the truth")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="home-", dir=args.workdir))
    load_before = os.getloadavg()
    try:
        setup_django(home)
        from django.db import connection

        began = time.monotonic()
        log(f"building {args.cases:,} cases and {args.reports:,} reports in {home} ({connection.vendor}) …")
        truth = build(args.cases, args.reports, args.seed)
        figures = {"cases": args.cases, "reports": len(truth), "database": connection.vendor,
                   "build_s": round(time.monotonic() - began, 1)}
        log("ranking without faces …")
        figures["without_faces"] = measure(truth, args.pool)
        if args.calibrate:
            figures["calibration"] = calibrate(truth, args.seed)
        log("ranking with simulated face candidates …")
        simulate_faces(truth, args.seed, far_share=0.0)
        figures["with_faces"] = measure(truth, args.pool)
        simulate_faces(truth, args.seed, far_share=0.25)
        figures["with_faces_post_mortem"] = measure(truth, args.pool)
        figures["top_1"], figures["top_10"] = figures["with_faces"]["top_1"], figures["with_faces"]["top_10"]
        if connection.vendor == "postgresql":
            from django.core.management import call_command

            call_command("flush", interactive=False, verbosity=0)
    finally:
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)
        else:
            log(f"kept {home}")
    figures["load"] = [round(x, 2) for x in load_before + os.getloadavg()]
    log(json.dumps(figures))
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{figures['cases']:,} cases, {figures['reports']:,} synthetic reports ({figures['database']}); "
          f"built in {figures['build_s']} s; load {figures['load'][:3]} -> {figures['load'][3:]}")
    print(f"{'':<34} {'top 1 %':>8} {'top 10 %':>9} {'top 50 %':>9} {'p50 ms':>8} {'p95 ms':>8} {'CPU p50':>8} "
          f"{'CPU p95':>8}")
    for key, label in (("without_faces", "without faces"), ("with_faces", "with faces (simulated, LFW clean)"),
                       ("with_faces_post_mortem", "with faces, 25% embedded far")):
        f = figures[key]
        print(f"{label:<34} {f['top_1']:>8} {f['top_10']:>9} {f['top_50']:>9} {f['p50_ms']:>8} {f['p95_ms']:>8} "
              f"{f['cpu_p50_ms']:>8} {f['cpu_p95_ms']:>8}")
    if args.calibrate:
        print(f"\n{'reason':<20} {'true pairs %':>12} {'others %':>9} {'measured log10 LR':>18} {'model (mean)':>13}")
        for row in figures["calibration"]:
            measured = "—" if row["measured_log10_lr"] is None else f"{row['measured_log10_lr']:+.2f}"
            model = "—" if row["model_mean_log10_lr"] is None else f"{row['model_mean_log10_lr']:+.2f}"
            print(f"{row['code']:<20} {row['true_pairs_pct']:>12} {row['other_pairs_pct']:>9} {measured:>18} "
                  f"{model:>13}")


if __name__ == "__main__":
    main()
