"""Ingest end to end on a synthetic archive: duplicates, numbers, idempotence."""

import json

import pytest

from dalil.archive.models import NearDuplicate, Photo
from dalil.evidence.models import CustodyEvent, Item, Sighting
from dalil.ingest.synth import synthesize
from tests.conftest import dalil
from tests.ingest.helpers import jpeg_bytes, run, write

PATTERN = r"branch-(?P<branch>\d+)/(?P<month>\d{4}-\d{2})/exam-(?P<exam>\d+)/\d+_(?P<seq>\d+)\.jpg"


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "archive"
    synthesize(out, bodies=8, seed=11, megapixels=0.3)
    return out, json.loads((out / "manifest.json").read_text())


@pytest.mark.django_db
def test_it_stores_exact_duplicates_once_and_keeps_every_sighting(instance, archive):
    out, manifest = archive
    summary = run(out / "photos", pattern=PATTERN, sidecar=out / "victims.csv", workers=2)
    copies = [f for f in manifest["files"] if f["kind"] == "exact_duplicate"]
    assert copies and summary.duplicates == len(copies)
    for copy in copies:
        original = copy["of"].removeprefix("photos/")
        assert Sighting.objects.get(path=copy["path"].removeprefix("photos/")).item == \
            Sighting.objects.get(path=original).item
    assert Item.objects.count() == Sighting.objects.exclude(item=None).count() - len(copies)


@pytest.mark.django_db
def test_it_links_every_near_duplicate_and_nothing_else(instance, archive):
    out, manifest = archive
    run(out / "photos", pattern=PATTERN, workers=2)
    expected = {frozenset((f["path"], f["of"])) for f in manifest["files"] if f["kind"] == "near_duplicate"}
    path_of = {s.item_id: "photos/" + s.path for s in Sighting.objects.exclude(item=None)}
    found = {frozenset((path_of[p.a.item_id], path_of[p.b.item_id])) for p in NearDuplicate.objects.select_related("a", "b")}
    assert expected and expected <= found
    assert len(found) == len(expected)


@pytest.mark.django_db
def test_it_reads_numbers_from_the_path_and_the_sidecar(instance, archive):
    out, manifest = archive
    run(out / "photos", pattern=PATTERN, sidecar=out / "victims.xlsx")
    body = manifest["bodies_list"][0]
    photo = Photo.objects.get(item__sightings__path=body["photos"][0].removeprefix("photos/"))
    assert (photo.branch, photo.exam_no, photo.detainee_no) == (body["branch"], body["exam_no"], body["detainee_no"])
    assert str(photo.photo_date) == body["photo_date"] and photo.sequence == 1
    assert photo.numbers_source["branch"] == "path" and photo.numbers_source["detainee_no"].startswith("sidecar row")


@pytest.mark.django_db
def test_it_warns_when_path_and_sidecar_disagree(instance, tmp_path):
    write(tmp_path / "src" / "branch-215" / "2012-07" / "exam-1234" / "1234_01.jpg", jpeg_bytes(1))
    sidecar = write(tmp_path / "victims.csv", "exam_no,detainee_no,branch,photo_date\n١٢٣٤,٥٦,227,2012-07-14\n".encode())
    run(tmp_path / "src", pattern=PATTERN, sidecar=sidecar)
    photo = Photo.objects.get()
    assert (photo.branch, photo.detainee_no) == ("215", "56")  # Arabic-Indic digits normalised
    warnings = Sighting.objects.get(path__endswith="1234_01.jpg").warnings
    assert any("branch is 215 in the path but 227" in w for w in warnings)
    assert Sighting.objects.filter(path="victims.csv", outcome="preserved").exists()  # the sidecar is evidence too


@pytest.mark.django_db
def test_running_twice_adds_nothing(instance, archive):
    out, _ = archive
    first = run(out / "photos", pattern=PATTERN)
    counts = (Item.objects.count(), Sighting.objects.count(), Photo.objects.count(), NearDuplicate.objects.count(),
              CustodyEvent.objects.count())
    second = run(out / "photos", pattern=PATTERN)
    assert second.already_recorded == first.files and second.ingested == second.quarantined == second.bytes == 0
    assert (Item.objects.count(), Sighting.objects.count(), Photo.objects.count(), NearDuplicate.objects.count(),
            CustodyEvent.objects.count()) == counts
    assert second.quarantined_total == first.quarantined > 0


@pytest.mark.django_db
def test_it_logs_one_custody_row_per_file(instance, archive):
    out, _ = archive
    summary = run(out / "photos")
    assert CustodyEvent.objects.filter(action="acquired").count() == 1
    assert CustodyEvent.objects.filter(action__in=["ingested", "quarantined"]).count() == summary.files
    assert CustodyEvent.objects.filter(action="quarantined").count() == summary.quarantined


@pytest.mark.slow
def test_the_cli_prints_one_json_summary_and_exits_3_on_quarantined_files(cli_env, archive):
    out, manifest = archive
    proc = dalil(cli_env, "ingest", str(out / "photos"), "--collection", "caesar", "--pattern", PATTERN,
                 "--sidecar", str(out / "victims.csv"), "--workers", "2", "--json")
    assert proc.returncode == 3, proc.stderr
    summary = json.loads(proc.stdout)
    for key in ("files", "ingested", "duplicates", "near_duplicates", "quarantined", "bytes", "seconds"):
        assert key in summary
    assert summary["files"] == manifest["summary"]["photos"]
    assert summary["quarantined"] == manifest["summary"]["corrupt"]
    assert proc.stderr == ""  # quiet when not on a terminal


@pytest.mark.slow
def test_the_cli_names_the_file_and_reason_for_a_bad_pattern(cli_env, tmp_path):
    (tmp_path / "src").mkdir()
    proc = dalil(cli_env, "ingest", str(tmp_path / "src"), "--collection", "c", "--pattern", "(?P<nope>x")
    assert proc.returncode == 1 and "--pattern is not a valid regular expression" in proc.stderr


@pytest.mark.slow
def test_the_cli_shows_a_progress_bar_on_a_terminal(cli_env, archive):
    import os
    import pty
    import subprocess
    import sys
    from pathlib import Path

    out, _ = archive
    primary, secondary = pty.openpty()
    proc = subprocess.Popen([str(Path(sys.executable).with_name("dalil")), "ingest", str(out / "photos"),
                             "--collection", "tty", "--workers", "1"],
                            env=cli_env, stdout=subprocess.DEVNULL, stderr=secondary, close_fds=True)
    os.close(secondary)
    seen = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    proc.wait()
    text = seen.decode("utf-8", "replace")
    assert "ingest" in text and "files" in text and "B/s" in text  # files, bytes and rate
