"""The stage in ingest and by command: resumable, stored per photo, compared within the collection."""

import json
import shutil

import pytest
from django.core.management import call_command

from dalil.authenticity import collection
from dalil.authenticity.models import PhotoCheck
from tests.authenticity.helpers import camera_file, resave
from tests.conftest import corpus, dalil
from tests.ingest.helpers import run, write

pytestmark = [pytest.mark.django_db, pytest.mark.corpus]

GPS = ["DSCN0010.jpg", "DSCN0012.jpg", "DSCN0021.jpg", "DSCN0025.jpg", "DSCN0027.jpg"]


@pytest.fixture
def source(tmp_path):
    folder = tmp_path / "src"
    for name in GPS:
        write(folder / "card" / name, camera_file(f"gps/{name}"))
    write(folder / "card" / "DSCN0029.jpg", resave(camera_file("gps/DSCN0029.jpg"), 90))  # re-saved by Pillow
    return folder


@pytest.fixture
def ingested(source, settings, instance):
    settings.STORE_FSYNC = False
    settings.AUTHENTICITY_ENABLED = True
    return run(source, collection="card")


def test_it_checks_every_photo_at_ingest(ingested):
    assert PhotoCheck.objects.count() == 6
    assert ingested.authenticity_flagged == 1
    flagged = PhotoCheck.objects.exclude(flags=[]).get()
    assert flagged.photo.item.sightings.get().path == "card/DSCN0029.jpg"
    assert "metadata" in flagged.flags
    assert {f["check"] for f in flagged.findings} == {"metadata", "jpeg_structure", "thumbnail", "double_jpeg",
                                                       "copy_move"}


def test_it_is_turned_off_by_the_setting(source, settings, instance):
    settings.STORE_FSYNC = False
    settings.AUTHENTICITY_ENABLED = False
    run(source, collection="card")
    assert PhotoCheck.objects.count() == 0


def test_it_resumes_where_a_run_stopped(ingested):
    first = PhotoCheck.objects.order_by("pk").first()
    kept = PhotoCheck.objects.exclude(pk=first.pk).values_list("pk", "checked_at")
    kept = set(kept)
    PhotoCheck.objects.filter(pk=first.pk).delete()  # as if killed before this photo
    from dalil.authenticity.stage import check_photos

    summary = check_photos("card")
    assert (summary.to_check, summary.checked, summary.already_checked) == (1, 1, 5)
    assert kept <= set(PhotoCheck.objects.values_list("pk", "checked_at"))
    assert check_photos("card").checked == 0


def test_it_reports_each_photo_with_its_flags(ingested, capsys):
    call_command("authenticity", "report", "--collection", "card", "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["photos_examined"] == 6 and report["photos_flagged"] == 1
    assert report["photos"][0]["path"] == "card/DSCN0029.jpg" and report["photos"][0]["flags"]
    assert all(p["flags"] == [] for p in report["photos"][1:])
    assert {p["sha256"] for p in report["photos"]} == set(PhotoCheck.objects.values_list("photo__item__sha256",
                                                                                          flat=True))
    assert report["checks"]["double_jpeg"] == 1 and report["checks"]["sequence_time"] == 1


def test_it_compares_times_with_the_file_sequence():
    rows = [{"id": n, "model": "NIKON COOLPIX P6000", "serial": "", "firmware": "", "tables": "t", "layout": "l",
             "folder": "card", "name": f"DSCN{n:04d}.jpg", "captured": f"2008-10-22 16:{n:02d}:00"}
            for n in range(10, 16)]
    rows[3]["captured"] = "2008-10-22 17:40:00"  # one photo's clock moved
    found = collection.compare(rows)
    times = {pk: next(f for f in fs if f["check"] == "sequence_time") for pk, fs in found.items()}
    assert [pk for pk, f in times.items() if f["result"] == "flag"] == [13]
    assert times[13]["evidence"]["previous"] == ["DSCN0012.jpg", "2008-10-22 16:12:00"]


def test_it_flags_tables_and_firmware_rare_for_a_camera_model():
    rows = [{"id": n, "model": "NIKON COOLPIX P6000", "serial": "", "firmware": "v1.0", "tables": "camera",
             "layout": "DQT DHT SOF0 SOS", "folder": "card", "name": f"x{n}.jpg", "captured": ""} for n in range(12)]
    rows[5].update(tables="libjpeg q75", layout="DQT DQT SOF0 DHT DHT DHT DHT SOS", firmware="GIMP 2.10")
    found = collection.compare(rows)
    flagged = {pk: sorted(r for f in fs if f["result"] == "flag" for r in f["reasons"]) for pk, fs in found.items()}
    assert flagged[5] == ["firmware_rare_for_model", "layout_rare_for_model", "tables_rare_for_model"]
    assert all(not reasons for pk, reasons in flagged.items() if pk != 5)


def test_it_runs_from_the_command_line_and_resumes(cli_env, tmp_path):
    folder = tmp_path / "cli-src"
    folder.mkdir()
    for name in GPS[:3]:
        shutil.copyfile(corpus("exif-samples") / "jpg" / "gps" / name, folder / name)
    cli_env["DALIL_AUTHENTICITY"] = "0"
    dalil(cli_env, "ingest", str(folder), "--collection", "cli", check=True)
    first = json.loads(dalil(cli_env, "authenticity", "check", "--collection", "cli", "--json", check=True).stdout)
    assert (first["checked"], first["flagged"], first["failed"]) == (3, 0, 0)
    again = json.loads(dalil(cli_env, "authenticity", "check", "--json", check=True).stdout)
    assert (again["checked"], again["already_checked"]) == (0, 3)
    missing = dalil(cli_env, "authenticity", "report", "--collection", "nope")
    assert missing.returncode != 0
