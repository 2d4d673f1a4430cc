"""The synthetic archive generator (dalil.ingest.synth): shape, ground truth, determinism. No database."""

import csv
import datetime
import hashlib
import io
import itertools
import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from dalil.ingest import synth

MP = 0.3  # 640x480: seconds, not minutes


def digest_tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def pdq_bits(image: Image.Image):
    """The PDQ hash as dalil.archive.imaging computes it (thumbnail of at most 512 px)."""
    import numpy as np
    import pdqhash

    image.draft("RGB", (512, 512))
    image = image.convert("RGB")
    image.thumbnail((512, 512), Image.Resampling.BILINEAR, reducing_gap=2.0)
    bits, _ = pdqhash.compute(np.asarray(image))
    return bits.astype(bool)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "archive"
    summary = synth.synthesize(out, bodies=10, seed=5, megapixels=MP, workers=2)
    return out, summary, json.loads((out / synth.MANIFEST).read_text(encoding="utf-8"))


def test_it_writes_the_layout_and_counts_the_manifest_promises(archive):
    out, summary, manifest = archive
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "photos", "victims.csv", "victims.xlsx"]
    on_disk = sorted(p.relative_to(out).as_posix() for p in (out / "photos").rglob("*") if p.is_file())
    assert on_disk == [f["path"] for f in manifest["files"]]
    kinds = Counter(f["kind"] for f in manifest["files"])
    s = manifest["summary"]
    assert s["bodies"] == 10 == len(manifest["bodies_list"])
    assert s["photos"] == len(on_disk)
    assert s["originals"] == kinds["original"] and s["exact_duplicates"] == kinds["exact_duplicate"] >= 1
    assert s["near_duplicates"] == kinds["near_duplicate"] >= 1
    assert s["corrupt"] == kinds["truncated"] + kinds["garbage"] and kinds["truncated"] >= 1 and kinds["garbage"] >= 1
    assert s["bytes"] == sum((out / p).stat().st_size for p in on_disk)
    assert {k: summary[k] for k in s} == s and summary["seconds"] >= 0
    assert (s["width"], s["height"]) == synth.image_size(MP) == (640, 480)
    for f in manifest["files"]:
        assert f["sha256"] == hashlib.sha256((out / f["path"]).read_bytes()).hexdigest()
        prefix = {"exact_duplicate": "photos/copies/", "near_duplicate": "photos/batch-2/"}.get(f["kind"])
        if prefix:
            assert f["path"] == f["of"].replace("photos/", prefix, 1)
    slots = [p for b in manifest["bodies_list"] for p in b["photos"]]
    assert s["originals"] + kinds["truncated"] == len(slots)


def test_it_names_every_photo_so_the_ingest_pattern_finds_its_numbers(archive):
    out, _, manifest = archive
    pattern = re.compile(synth.PATH_PATTERN)
    body_of = {b["exam_no"]: b for b in manifest["bodies_list"]}
    for f in manifest["files"]:
        m = pattern.search(f["path"].removeprefix("photos/"))
        assert m, f["path"]
        body = body_of[m["exam"]]
        assert m["exam"] == f["exam_no"] and m["branch"] == body["branch"]
        assert m["month"] == body["photo_date"][:7] and int(m["seq"]) >= 1
    for body in manifest["bodies_list"]:
        seqs = [int(pattern.search(p)["seq"]) for p in body["photos"]]
        assert seqs == list(range(1, len(seqs) + 1))


def test_it_makes_the_same_bytes_for_the_same_seed_and_other_bytes_for_another(archive, tmp_path):
    out, _, _ = archive
    synth.synthesize(tmp_path / "again", bodies=10, seed=5, megapixels=MP, workers=1)
    assert digest_tree(tmp_path / "again") == digest_tree(out)  # workers do not matter; xlsx and manifest too
    synth.synthesize(tmp_path / "other", bodies=10, seed=6, megapixels=MP, workers=2)
    other = digest_tree(tmp_path / "other")
    assert not set(other.values()) & {v for k, v in digest_tree(out).items() if k.startswith("photos/")}


def test_it_writes_a_sidecar_that_joins_every_body_in_csv_and_xlsx(archive):
    import openpyxl

    out, _, manifest = archive
    raw = (out / "victims.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["exam_no", "detainee_no", "branch", "photo_date", "photos"]
    sheet = openpyxl.load_workbook(out / "victims.xlsx", read_only=True).worksheets[0]
    assert [[str(c) for c in r] for r in sheet.iter_rows(values_only=True)] == rows
    by_exam = {int(r[0]): r for r in rows[1:]}  # int() reads Arabic-Indic digits too
    assert len(by_exam) == len(rows) - 1 == len(manifest["bodies_list"])
    for body in manifest["bodies_list"]:
        exam_no, detainee_no, branch, photo_date, photos = by_exam[int(body["exam_no"])]
        assert (str(int(detainee_no)), str(int(branch))) == (body["detainee_no"], body["branch"])
        assert photo_date == body["photo_date"] and int(photos) == len(body["photos"])
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", photo_date, re.ASCII)


def test_it_writes_arabic_indic_digits_in_about_a_third_of_sidecar_rows():
    rows = synth.sidecar_rows(synth.plan_archive(600, seed=2))
    arabic = [r for r in rows if re.search("[٠-٩]", r[0])]
    assert 0.25 < len(arabic) / len(rows) < 0.42
    for r in arabic:
        assert all(re.fullmatch("[٠-٩]+", v) for v in r[:3]) and re.fullmatch(r"\d+", r[4], re.ASCII)


def test_it_keeps_camera_exif_in_capture_order_within_a_body(archive):
    out, _, manifest = archive
    serial_of = {c.model: c.serial for c in synth.CAMERAS}
    truncated = {f["path"] for f in manifest["files"] if f["kind"] == "truncated"}
    for body in manifest["bodies_list"]:
        times, seqs = [], []
        for seq, path in enumerate(body["photos"], 1):
            if path in truncated:
                continue
            exif = Image.open(out / path).getexif()
            sub = exif.get_ifd(0x8769)
            assert exif[0x010F] == body["camera"]["make"] and exif[0x0110] == body["camera"]["model"]
            assert sub[0xA431] == serial_of[exif[0x0110]] == body["camera"]["serial"]
            assert sub[0x9003] == sub[0x9004] == exif[0x0132]
            taken = datetime.datetime.strptime(sub[0x9003], "%Y:%m:%d %H:%M:%S")
            assert taken.date().isoformat() == body["photo_date"] and 8 <= taken.hour < 17
            assert 0x010E not in exif  # no ImageDescription: EXIF is camera data only
            times.append(taken)
            seqs.append(seq)
        assert times == sorted(times) and len(set(times)) == len(times)
        for (sa, a), (sb, b) in itertools.pairwise(zip(seqs, times)):
            assert 3 * (sb - sa) <= (b - a).total_seconds() <= 60 * (sb - sa)


def test_it_makes_exact_duplicates_byte_identical_and_near_duplicates_keep_exif(archive):
    out, _, manifest = archive
    for f in manifest["files"]:
        if f["kind"] == "exact_duplicate":
            assert (out / f["path"]).read_bytes() == (out / f["of"]).read_bytes()
        elif f["kind"] == "near_duplicate":
            near, orig = Image.open(out / f["path"]), Image.open(out / f["of"])
            assert (out / f["path"]).read_bytes() != (out / f["of"]).read_bytes()
            assert near.getexif().get_ifd(0x8769)[0x9003] == orig.getexif().get_ifd(0x8769)[0x9003]
            near.load()


def test_it_writes_corrupt_files_pillow_cannot_load(archive, monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", False)
    out, _, manifest = archive
    corrupt = [f for f in manifest["files"] if f["kind"] in ("truncated", "garbage")]
    assert corrupt
    for f in corrupt:
        with pytest.raises(Exception):
            with Image.open(out / f["path"]) as image:
                image.load()
        if f["kind"] == "truncated":
            assert (out / f["path"]).read_bytes()[:2] == b"\xff\xd8"  # looks like a JPEG, ends too soon


def test_it_loads_every_original(archive):
    out, _, manifest = archive
    for f in manifest["files"]:
        if f["kind"] == "original":
            with Image.open(out / f["path"]) as image:
                image.load()
                assert image.size == (640, 480) and image.format == "JPEG"


def test_it_keeps_distinct_photos_far_apart_and_near_duplicates_close_in_pdq(archive):
    pytest.importorskip("pdqhash")
    out, _, manifest = archive
    originals = [f["path"] for f in manifest["files"] if f["kind"] == "original"][:24]
    hashes = [pdq_bits(Image.open(out / p)) for p in originals]
    assert min(int((a != b).sum()) for a, b in itertools.combinations(hashes, 2)) > 40
    for f in manifest["files"]:
        if f["kind"] == "near_duplicate":
            assert int((pdq_bits(Image.open(out / f["path"])) != pdq_bits(Image.open(out / f["of"]))).sum()) <= 31


def test_it_keeps_every_kind_of_near_duplicate_within_pdq_31():
    pytest.importorskip("pdqhash")
    width, height = synth.image_size(MP)
    exif = synth.exif_bytes(synth.CAMERAS[0], datetime.datetime(2012, 7, 14, 10, 20, 30))
    lo, hi = synth.CROP_SHARE
    methods = [f"quality:{q}" for q in (60, 95)] + [f"resize:{f}" for f in synth.RESIZE_SCALE] + [
        f"crop:{hi * 0.7},{hi * 0.7},{hi * 0.3},{hi * 0.3}", f"crop:{lo / 2},{lo / 2},{lo / 2},{lo / 2}"]
    for i in range(6):
        image = synth.render_photo("215", "1234", "5678", width, height, random.Random(i))
        original = pdq_bits(Image.open(io.BytesIO(synth._jpeg(image, synth.ORIGINAL_QUALITY, exif))))
        for method in methods:
            near = pdq_bits(Image.open(io.BytesIO(synth._near_duplicate(image, method, exif))))
            assert int((near != original).sum()) <= 31, method


def test_it_writes_the_card_in_arabic_indic_digits():
    assert synth.to_arabic_indic("0123456789") == "٠١٢٣٤٥٦٧٨٩"
    assert synth.card_text("215", "12", "3456") == "٢١٥ / ١٢ / ٣٤٥٦"
    assert all(0x0660 <= ord(c) <= 0x0669 for c in synth.card_text("227", "9", "1000").replace(" / ", ""))


@pytest.mark.parametrize("font", ["found", None])
def test_it_draws_a_legible_card_with_or_without_a_font(font):
    path = synth.find_card_font() if font else None
    if font and not path:
        pytest.skip("no font with Arabic-Indic digits on this machine")
    card = synth.render_card("215", "1234", "5678", 60, path)
    blank = synth.render_card("", "", "", 60, path)
    assert card.width > blank.width + 8 * 30 and card.height >= 60
    gray = card.convert("L")
    dark = sum(gray.point(lambda v: 1 if v < 80 else 0).histogram()[1:])
    assert dark > 60 * 60  # plenty of black ink
    assert synth.render_card("215", "1234", "5679", 60, path).tobytes() != card.tobytes()


def test_it_finds_a_font_only_if_it_really_has_the_digits():
    path = synth.find_card_font()
    if path:
        assert synth._font_has_digits(path)
    assert not synth._font_has_digits("/nonexistent/font.ttf")


def test_it_plans_three_to_twenty_photos_mostly_four_or_five():
    plan = synth.plan_archive(300, seed=1)
    counts = Counter(len(b.photos) for b in plan.bodies)
    assert min(counts) >= 3 and max(counts) <= 20
    assert counts.most_common(1)[0][0] in (4, 5)
    assert max(counts) >= 12  # a long tail


def test_it_plans_numbers_dates_and_branches_like_the_real_archive():
    plan = synth.plan_archive(500, seed=4)
    bodies = plan.bodies
    branches = Counter(b.branch for b in bodies)
    assert branches.most_common(2)[0][0] == "215" and branches.most_common(2)[1][0] == "227"
    assert {"235", "248", "251"} <= set(branches)
    exams = [int(b.exam_no) for b in bodies]
    assert exams == sorted(exams) and len(set(exams)) == len(exams)
    assert all(1000 <= e <= 9999 for e in exams)
    dates = [b.photo_date for b in bodies]
    assert dates == sorted(dates)
    assert min(dates) >= datetime.date(2011, 5, 1) and max(dates) <= datetime.date(2013, 8, 31)
    years = Counter(d.year for d in dates)
    assert years[2012] > years[2011] and years[2013] > years[2011]
    for branch in branches:
        numbers = [b.detainee_no for b in bodies if b.branch == branch]
        assert len(set(numbers)) == len(numbers)
        assert all(re.fullmatch(r"[1-9]\d{0,3}", n) for n in numbers)
    assert {len(b.detainee_no) for b in bodies} >= {2, 3, 4}
    assert 2 <= len({b.camera.model for b in bodies}) <= 3
    for b in bodies:
        times = [s.taken for s in b.photos]
        assert times == sorted(times) and times[0].date() == b.photo_date


def test_it_plans_about_two_percent_duplicates_and_a_few_corrupt_files():
    plan = synth.plan_archive(800, seed=3)
    slots = [s for _, s in plan.slots()]
    derivs = Counter(d.kind for s in slots for d in s.derivatives)
    assert 0.015 < derivs["exact_duplicate"] / len(slots) < 0.025
    assert 0.015 < derivs["near_duplicate"] / len(slots) < 0.025
    truncated = sum(1 for s in slots if s.truncate_to)
    assert 0.003 < truncated / len(slots) < 0.008 and 1 <= len(plan.garbage) <= 2
    assert all(0.4 <= s.truncate_to <= 0.7 for s in slots if s.truncate_to)
    assert all(not (s.truncate_to and s.derivatives) for s in slots)  # copies are made of intact photos only
    methods = Counter(d.method.split(":")[0] for s in slots for d in s.derivatives if d.kind == "near_duplicate")
    assert set(methods) == {"quality", "resize", "crop"}
    assert synth.plan_archive(4, seed=3).garbage == [] and len(synth.plan_archive(5, seed=3).garbage) == 1


def test_it_plans_the_same_archive_for_the_same_seed():
    a, b, c = synth.plan_archive(50, seed=9), synth.plan_archive(50, seed=9), synth.plan_archive(50, seed=10)
    assert synth.sidecar_rows(a) == synth.sidecar_rows(b) != synth.sidecar_rows(c)
    assert [s.path for _, s in a.slots()] == [s.path for _, s in b.slots()]


def test_it_sizes_photos_four_by_three_around_the_megapixels_asked():
    assert synth.image_size(8) == (3264, 2448)
    for mp in (0.2, 0.3, 1, 2, 12):
        w, h = synth.image_size(mp)
        assert w * 3 == h * 4 and abs(w * h / 1e6 - mp) / mp < 0.1


def test_it_leaves_room_for_the_noise_so_no_pixel_wraps():
    for i in range(4):
        image = synth.compose_photo("215", "1234", "5678", 320, 240, random.Random(i))
        lo, hi = zip(*image.getextrema())
        assert min(lo) >= synth._NOISE_LIMIT and max(hi) <= 255 - synth._NOISE_LIMIT


def test_it_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not an empty folder"):
        synth.synthesize(tmp_path, bodies=1, megapixels=0.1)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_it_reports_progress_to_the_last_photo(tmp_path):
    seen = []
    summary = synth.synthesize(tmp_path / "p", bodies=2, seed=1, megapixels=0.1, workers=1,
                               progress=lambda done, total: seen.append((done, total)))
    total = seen[0][1]
    assert seen[0] == (0, total) and seen[-1] == (total, total)
    assert total == summary["originals"] + summary["truncated"]


def test_it_runs_as_the_synth_command_with_a_json_summary(tmp_path, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    call_command("synth", str(tmp_path / "c"), "--bodies", "2", "--megapixels", "0.1", "--workers", "1", "--json")
    summary = json.loads(capsys.readouterr().out)
    assert summary["bodies"] == 2 and summary["photos"] >= 6
    assert "--pattern" in summary["ingest_command"] and "--sidecar" in summary["ingest_command"]
    call_command("synth", str(tmp_path / "d"), "--bodies", "5", "--megapixels", "0.1", "--workers", "2")
    text = capsys.readouterr().out
    for word in ("bodies", "photos", "exact duplicates", "near duplicates", "corrupt", "MB", " s.", "dalil ingest",
                 "--pattern", "--sidecar"):
        assert word in text
    with pytest.raises(CommandError, match="not an empty folder"):
        call_command("synth", str(tmp_path / "d"), "--bodies", "1")
    with pytest.raises(CommandError):
        call_command("synth", str(tmp_path / "e"), "--bodies", "0")
