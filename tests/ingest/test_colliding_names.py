"""What was received is identified by its raw bytes: names that look alike never collide, nothing is lost.

Each test replays a sequence an outside examiner ran against commit 5e074d9 (issue 10, defect 1).
"""

import base64
import hashlib
import os
import subprocess
import zipfile

import pytest

from dalil.evidence.models import Item, Sighting, legacy_sighting_key
from dalil.evidence.store import originals
from dalil.ingest import pipeline, runs
from dalil.ingest.models import IngestRun
from tests.ingest.helpers import jpeg_bytes, run, write

pytestmark = pytest.mark.django_db


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def unrecorded_store_objects() -> set[str]:
    return set(originals().shas()) - set(Item.objects.values_list("sha256", flat=True))


def zip_with(path, members: list[tuple[str, bytes]]):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members:
            zf.writestr(zipfile.ZipInfo(name, (2012, 7, 14, 10, 20, 30)), data)
    return path


def test_it_keeps_two_zip_members_of_the_same_name_and_both_backslash_forms_in_one_batch(instance, tmp_path):
    a, b, c, d = (jpeg_bytes(n, size=(64, 48)) for n in range(4))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about the duplicate name, as it should
        source = zip_with(tmp_path / "dup.zip", [("dup.jpg", a), ("dup.jpg", b), ("a/b.jpg", c), ("a\\b.jpg", d)])
    summary = run(source)
    assert (summary.files, summary.ingested) == (4, 4)
    dup = Sighting.objects.filter(path="dup.jpg").order_by("member_index")
    assert [(s.member_index, s.item.sha256) for s in dup] == [(0, sha(a)), (1, sha(b))]
    shown_alike = Sighting.objects.filter(path="a/b.jpg").order_by("member_index")
    assert [s.item.sha256 for s in shown_alike] == [sha(c), sha(d)]
    assert [s.raw_path for s in shown_alike] == [b"a/b.jpg", b"a\\b.jpg"]
    assert base64.b64decode(shown_alike[1].raw_path_b64) == b"a\\b.jpg" and shown_alike[0].raw_path_b64 == ""
    assert unrecorded_store_objects() == set()
    assert IngestRun.objects.get().status == IngestRun.Status.FINISHED


def test_it_records_both_same_named_members_when_they_fall_in_different_batches_and_a_rerun_adds_nothing(
        instance, tmp_path):
    a, b = jpeg_bytes(1, size=(64, 48)), jpeg_bytes(2, size=(64, 48))
    others = [(f"other-{n:03}.txt", f"file {n}\n".encode()) for n in range(150)]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        source = zip_with(tmp_path / "spread.zip", [("dup.jpg", a), *others, ("dup.jpg", b)])
    first = run(source)
    assert first.files == 152 and Sighting.objects.count() == 152
    assert set(Sighting.objects.filter(path="dup.jpg").values_list("item__sha256", flat=True)) == {sha(a), sha(b)}
    again = run(source)
    assert (again.files, again.already_recorded, again.ingested, again.quarantined) == (152, 152, 0, 0)
    assert Sighting.objects.count() == 152 and unrecorded_store_objects() == set()


def test_it_keeps_a_0xff_name_apart_from_a_file_named_with_the_text_backslash_xff(instance, tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    raw_name, text_name = b"\xff.jpg", b"\\xff.jpg"
    pictures = {raw_name: jpeg_bytes(3, size=(64, 48)), text_name: jpeg_bytes(4, size=(64, 48))}
    for name, data in pictures.items():
        with open(os.fsencode(folder) + b"/" + name, "wb") as f:
            f.write(data)
    summary = run(folder)
    assert (summary.files, summary.ingested) == (2, 2)
    shown = Sighting.objects.filter(path="\\xff.jpg")
    assert {s.raw_path: s.item.sha256 for s in shown} == {name: sha(data) for name, data in pictures.items()}
    assert unrecorded_store_objects() == set()
    assert run(folder).already_recorded == 2 and Sighting.objects.count() == 2


def test_it_finishes_a_run_that_crashed_between_batches_and_names_it(instance, tmp_path, monkeypatch):
    folder = tmp_path / "src"
    for n in range(150):
        write(folder / f"note-{n:03}.txt", f"note {n}\n".encode())
    real_record = pipeline.record_batch
    calls = []

    def crash_on_second_batch(results, *args):
        calls.append(len(results))
        if len(calls) == 2:
            raise RuntimeError("power cut")  # the second batch's bytes are stored, its rows never written
        real_record(results, *args)

    monkeypatch.setattr(pipeline, "record_batch", crash_on_second_batch)
    with pytest.raises(RuntimeError, match="power cut"):
        run(folder)
    crashed = IngestRun.objects.get()
    assert crashed.status == IngestRun.Status.INTERRUPTED and "power cut" in crashed.summary["reason"]
    assert len(unrecorded_store_objects()) == calls[1]  # stored, not yet recorded

    monkeypatch.setattr(pipeline, "record_batch", real_record)
    summary = run(folder)
    assert summary.finished_interrupted == [crashed.pk]
    assert summary.already_recorded == calls[0] and Sighting.objects.count() == 150
    assert unrecorded_store_objects() == set() and summary.unrecorded_in_store == 0


def test_it_reports_a_store_object_nothing_records_when_it_finishes_a_crashed_run(instance, tmp_path):
    write(tmp_path / "src" / "a.txt", b"a\n")
    stray = originals().put_bytes(b"left behind by a crash of another source")
    dead = subprocess.Popen(["true"])
    dead.wait()
    killed = IngestRun.objects.create(source=str((tmp_path / "src").resolve()), actor="t",
                                      worker=f"{runs.socket.gethostname()}:{dead.pid}")
    summary = run(tmp_path / "src")
    killed.refresh_from_db()
    assert killed.status == IngestRun.Status.INTERRUPTED and "stopped before it finished" in killed.summary["reason"]
    assert summary.finished_interrupted == [killed.pk]
    assert summary.unrecorded_in_store == 1 and stray in summary.notes[0]


def test_it_matches_a_zip_sighting_recorded_before_member_indexes_by_its_path(instance, tmp_path):
    source = zip_with(tmp_path / "old.zip", [("x.txt", b"x\n"), ("y.txt", b"y\n")])
    run(source)
    # As migration 0003 leaves a zip's older rows: no member index, a key made from the path as shown.
    for s in Sighting.objects.all():
        Sighting.objects.filter(pk=s.pk).update(key=legacy_sighting_key(s.path), member_index=None)
    again = run(source)
    assert (again.already_recorded, again.ingested + again.quarantined) == (2, 0)
    assert Sighting.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_it_gives_rows_recorded_before_the_raw_path_keys_the_key_their_bytes_give():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("evidence", "0002_append_only_triggers")], [("evidence", "0003_sighting_raw_path")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    collection = old.get_model("evidence", "Collection").objects.create(name="old")
    Acquisition, OldSighting = old.get_model("evidence", "Acquisition"), old.get_model("evidence", "Sighting")
    folder = Acquisition.objects.create(collection=collection, source="/src", kind="folder")
    archive = Acquisition.objects.create(collection=collection, source="/src.zip", kind="zip")
    OldSighting.objects.create(acquisition=folder, path="a/b.jpg", outcome="ingested")
    OldSighting.objects.create(acquisition=folder, path="\\xff.jpg", raw_path_b64=base64.b64encode(b"\xff.jpg").decode(),
                               outcome="ingested")
    OldSighting.objects.create(acquisition=archive, path="a/b.jpg", outcome="ingested")
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    executor.loader.build_graph()
    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
    from dalil.evidence.models import sighting_key

    keys = {(s.acquisition.kind, s.path): s.key for s in Sighting.objects.select_related("acquisition")}
    assert keys == {("folder", "a/b.jpg"): sighting_key(b"a/b.jpg"), ("folder", "\\xff.jpg"): sighting_key(b"\xff.jpg"),
                    ("zip", "a/b.jpg"): legacy_sighting_key("a/b.jpg")}


def test_it_lists_a_killed_run_as_interrupted(instance):
    import io
    import json

    from django.core.management import call_command

    dead = subprocess.Popen(["true"])
    dead.wait()
    killed = IngestRun.objects.create(source="/src", actor="t", worker=f"{runs.socket.gethostname()}:{dead.pid}")
    elsewhere = IngestRun.objects.create(source="/src", actor="t", worker="another-machine:1")
    out = io.StringIO()
    call_command("ingest_runs", "--json", stdout=out)
    listed = {row["id"]: row for row in map(json.loads, out.getvalue().splitlines())}
    assert listed[killed.pk]["status"] == "interrupted" and "stopped before it finished" in listed[killed.pk]["reason"]
    assert listed[elsewhere.pk]["status"] == "running"  # another machine's process cannot be checked from here
