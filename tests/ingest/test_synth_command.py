"""`dalil synth`: a non-graphic archive shaped like the real one."""

import hashlib
import json
import re
from collections import Counter

import pytest
from PIL import Image

from dalil.ingest import synth
from tests.conftest import dalil


def digests(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix not in (".json", ".xlsx")}


def cells(path):
    import openpyxl

    return [list(row) for row in openpyxl.load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True)]


@pytest.mark.slow
def test_it_writes_the_archive_shape_the_ingest_pattern_reads(cli_env, tmp_path):
    proc = dalil(cli_env, "synth", str(tmp_path / "a"), "--bodies", "6", "--megapixels", "0.3", "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    photos = [p for p in (tmp_path / "a" / "photos").rglob("*.jpg")]
    assert len(photos) == summary["photos"] == len(manifest["files"])
    pattern = re.compile(synth.PATH_PATTERN)
    assert all(pattern.search(p.relative_to(tmp_path / "a" / "photos").as_posix()) for p in photos)
    assert summary["corrupt"] >= 1 and summary["exact_duplicates"] >= 1


@pytest.mark.slow
def test_the_same_seed_gives_the_same_bytes(cli_env, tmp_path):
    for name in ("one", "two"):
        dalil(cli_env, "synth", str(tmp_path / name), "--bodies", "3", "--megapixels", "0.2", "--seed", "7", check=True)
    assert digests(tmp_path / "one") == digests(tmp_path / "two")
    assert cells(tmp_path / "one" / "victims.xlsx") == cells(tmp_path / "two" / "victims.xlsx")  # zip times differ


@pytest.mark.slow
def test_it_refuses_a_folder_that_is_not_empty(cli_env, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    proc = dalil(cli_env, "synth", str(tmp_path / "full"), "--bodies", "2")
    assert proc.returncode == 1 and "not an empty folder" in proc.stderr


def test_it_plans_mostly_four_or_five_photos_per_body():
    plan = synth.plan_archive(400, seed=1)
    counts = Counter(len(body.photos) if hasattr(body, "photos") else body["photos"] for body in plan.bodies)
    assert min(counts) >= 3 and max(counts) <= 20
    assert counts.most_common(1)[0][0] in (4, 5)


def test_every_photo_carries_camera_exif_in_capture_order(tmp_path):
    synth.synthesize(tmp_path / "b", bodies=2, seed=3, megapixels=0.2, workers=1)
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    body = manifest["bodies_list"][0]
    times = []
    for path in body["photos"]:
        exif = Image.open(tmp_path / "b" / path).getexif()
        sub = exif.get_ifd(0x8769)
        assert exif[0x010F] and exif[0x0110] and sub[0xA431]
        times.append(sub[0x9003])
    assert times == sorted(times)
    assert synth.card_text("215", "12", "3456") == "٢١٥ / ١٢ / ٣٤٥٦"
