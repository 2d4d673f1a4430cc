"""A pattern or sidecar that gives no numbers is reported; `dalil numbers reapply` reads stored photos again."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dalil.archive.models import BodyCase, Photo
from dalil.evidence import custody
from dalil.evidence.models import Acquisition, CustodyEvent
from dalil.ingest.reapply import reapply_numbers
from tests.ingest.helpers import jpeg_bytes, run, write

PATTERN = r"branch-(?P<branch>\d+)/exam-(?P<exam>\d+)/\d+_(?P<seq>\d+)\.jpg"
TYPO = r"branch_(?P<branch>\d+)/exam_(?P<exam>\d+)/"  # valid, and matches nothing: underscores for hyphens
FILES = ["branch-215/exam-1141/1141_01.jpg", "branch-215/exam-1141/1141_02.jpg",
         "branch-227/exam-1187/1187_01.jpg", "branch-227/exam-1187/1187_02.jpg"]


@pytest.fixture
def source(tmp_path):
    for seed, path in enumerate(FILES):
        write(tmp_path / "src" / path, jpeg_bytes(seed * 7 + 3))
    return tmp_path / "src"


def _sidecar(path, rows):
    path.write_text("exam_no,branch,detainee_no\n" + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.django_db
def test_it_warns_when_the_pattern_matches_no_file(instance, source):
    summary = run(source, collection="caesar", pattern=TYPO)
    assert (summary.ingested, summary.numbers_read, summary.pattern_matched, summary.cases) == (4, 4, 0, 0)
    [note] = [n for n in summary.notes if "--pattern" in n]
    assert "matched none of the 4 photo path(s)" in note and "branch-2" in note  # an example path to compare with
    assert "dalil numbers reapply --collection caesar --pattern '…'" in note


@pytest.mark.django_db
def test_it_says_so_in_the_json_summary_too(instance, source):
    out = io.StringIO()
    call_command("ingest", str(source), "--collection", "caesar", "--pattern", TYPO, "--workers", "1", "--json",
                 stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["pattern_matched"] == 0 and summary["numbers_read"] == 4
    assert any("--pattern matched none" in note for note in summary["notes"])


@pytest.mark.django_db
def test_it_is_quiet_when_the_pattern_matches(instance, source):
    summary = run(source, collection="caesar", pattern=PATTERN)
    assert summary.pattern_matched == 4 and summary.cases == 2
    assert not [n for n in summary.notes if "pattern" in n or "sidecar" in n]


@pytest.mark.django_db
def test_it_warns_when_the_sidecar_matches_no_photo(instance, source, tmp_path):
    sidecar = _sidecar(tmp_path / "victims.csv", ["9999,300,1", "9998,301,2"])
    summary = run(source, collection="caesar", pattern=PATTERN, sidecar=sidecar)
    assert summary.sidecar_matched == 0 and summary.pattern_matched == 4
    assert any("no row of the sidecar victims.csv matched any of the 4 photo(s)" in n for n in summary.notes)


@pytest.mark.django_db
def test_it_says_a_rerun_with_another_pattern_leaves_recorded_files_as_they_were(instance, source):
    run(source, collection="caesar", pattern=TYPO)
    again = run(source, collection="caesar", pattern=PATTERN)
    assert again.already_recorded == 4 and again.ingested == 0 and again.cases == 0
    [note] = [n for n in again.notes if "earlier run" in n]
    assert "4 file(s) were recorded by an earlier run with another --pattern" in note
    assert "dalil numbers reapply --collection caesar --pattern" in note


@pytest.mark.django_db
def test_it_says_nothing_of_earlier_runs_when_they_used_the_same_pattern(instance, source):
    run(source, collection="caesar", pattern=PATTERN)
    again = run(source, collection="caesar", pattern=PATTERN)
    assert again.already_recorded == 4 and not [n for n in again.notes if "earlier run" in n]


@pytest.mark.django_db
def test_it_reads_the_numbers_of_stored_photos_again_and_groups_them(instance, source):
    run(source, collection="caesar", pattern=TYPO)
    assert BodyCase.objects.count() == 0
    summary = reapply_numbers("caesar", PATTERN, None, actor="amal")
    assert (summary.photos, summary.pattern_matched, summary.changed, summary.no_numbers) == (4, 4, 4, 0)
    assert summary.grouping["cases_created"] == 2 and summary.grouping["photos_assigned"] == 4
    assert sorted(BodyCase.objects.values_list("branch", "exam_no")) == [("215", "1141"), ("227", "1187")]
    assert set(Photo.objects.values_list("sequence", flat=True)) == {1, 2}
    events = CustodyEvent.objects.filter(action=CustodyEvent.Action.NUMBERS_READ)
    assert events.count() == 4 and {e.actor for e in events} == {"amal"}
    event = events.filter(details__path="branch-227/exam-1187/1187_02.jpg").get()
    assert event.details["before"]["exam_no"] == "" and event.details["after"]["exam_no"] == "1187"
    assert event.details["pattern"] == PATTERN and event.item_sha256 == Photo.objects.get(
        item__sightings__path="branch-227/exam-1187/1187_02.jpg").item.sha256
    assert custody.check_chain() == []


@pytest.mark.django_db
def test_it_changes_nothing_when_run_again(instance, source):
    run(source, collection="caesar", pattern=TYPO)
    reapply_numbers("caesar", PATTERN, None, actor="amal")
    rows = CustodyEvent.objects.count()
    again = reapply_numbers("caesar", PATTERN, None, actor="amal")
    assert (again.changed, again.unchanged, again.grouping["cases_created"]) == (0, 4, 0)
    assert CustodyEvent.objects.count() == rows


@pytest.mark.django_db
def test_it_changes_nothing_on_a_dry_run(instance, source):
    run(source, collection="caesar", pattern=TYPO)
    rows = CustodyEvent.objects.count()
    summary = reapply_numbers("caesar", PATTERN, None, actor="amal", dry_run=True)
    assert summary.changed == 4 and summary.grouping["cases_created"] == 2
    assert BodyCase.objects.count() == 0 and CustodyEvent.objects.count() == rows
    assert not Photo.objects.exclude(exam_no="").exists()


@pytest.mark.django_db
def test_it_leaves_a_photo_already_in_a_case_where_it_is(instance, source):
    wrong = r"branch-(?P<branch>\d+)/exam-(?P<exam>\d)"  # reads only the first digit of the exam number
    run(source, collection="caesar", pattern=wrong)
    cases = dict(BodyCase.objects.values_list("pk", "exam_no"))
    summary = reapply_numbers("caesar", PATTERN, None, actor="amal")
    assert summary.changed == 0 and summary.in_case_differs == 4
    assert summary.in_case[0]["kept"]["exam_no"] == "1" and summary.in_case[0]["read"]["exam_no"] in {"1141", "1187"}
    assert dict(BodyCase.objects.values_list("pk", "exam_no")) == cases
    assert any("left in their case for an analyst" in n for n in summary.notes)


@pytest.mark.django_db
def test_it_reads_numbers_from_a_corrected_sidecar_and_keeps_it_as_evidence(instance, source, tmp_path):
    run(source, collection="caesar")  # no pattern, and the sidecar came later
    assert not Photo.objects.exclude(exam_no="").exists()
    sidecar = tmp_path / "victims.csv"
    sidecar.write_text("file,exam_no,branch,detainee_no\n" + "".join(
        f"{path.rsplit('/', 1)[1]},{path.split('/')[1][5:]},{path[7:10]},{'774' if '1141' in path else '312'}\n"
        for path in FILES), encoding="utf-8")
    summary = reapply_numbers("caesar", None, str(sidecar), actor="amal")
    assert summary.sidecar_matched == 4 and summary.changed == 4
    assert sorted(BodyCase.objects.values_list("detainee_no", flat=True)) == ["312", "774"]
    assert Acquisition.objects.filter(source=str(sidecar.resolve()), collection__name="caesar").exists()
    event = CustodyEvent.objects.filter(action=CustodyEvent.Action.NUMBERS_READ).first()
    assert len(event.details["sidecar_sha256"]) == 64


@pytest.mark.django_db
def test_it_reapplies_from_the_command_line_with_a_json_summary(instance, source):
    run(source, collection="caesar", pattern=TYPO)
    out = io.StringIO()
    call_command("numbers", "reapply", "--collection", "caesar", "--pattern", PATTERN, "--actor", "amal", "--json",
                 stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["changed"] == 4 and summary["grouping"]["cases_created"] == 2


@pytest.mark.django_db
def test_it_refuses_a_reapply_without_a_source_of_numbers_or_collection(instance, source):
    run(source, collection="caesar", pattern=TYPO)
    with pytest.raises(CommandError, match="give --pattern, --sidecar or both") as refused:
        call_command("numbers", "reapply", "--collection", "caesar")
    assert refused.value.returncode == 2
    with pytest.raises(CommandError, match="no collection named 'typo'; collections here: caesar"):
        call_command("numbers", "reapply", "--collection", "typo", "--pattern", PATTERN)
    with pytest.raises(CommandError, match="not a valid regular expression"):
        call_command("numbers", "reapply", "--collection", "caesar", "--pattern", "exam-(")
