"""Grouping photos into one case per body, on archives ingested by the real pipeline."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from dalil.archive.grouping import group_photos, reason_text
from dalil.archive.models import BodyCase, CaseChange, NearDuplicate, Photo
from tests.archive.test_cases_personas import PATTERN, make_photo, resaved
from tests.ingest.helpers import jpeg_bytes, run, write

pytestmark = pytest.mark.django_db


@pytest.fixture
def src(instance, settings, tmp_path):
    settings.STORE_FSYNC = False
    return tmp_path / "src"


def _ingest(src, files: dict, collection="caesar"):
    for rel, data in files.items():
        write(src / rel, data)
    return run(src, collection=collection, pattern=PATTERN)


def _case_of(path_part: str) -> BodyCase:
    return Photo.objects.get(item__sightings__path__contains=path_part).case


def test_it_groups_photos_by_examination_number_at_the_end_of_ingest(src):
    summary = _ingest(src, {
        "branch-215/det-774/exam-1141/2012-05-04_01.jpg": jpeg_bytes(1),
        "branch-215/det-774/exam-1141/2012-05-03_02.jpg": jpeg_bytes(2),
        "branch-227/det-88/exam-2002/2013-01-10_01.jpg": jpeg_bytes(3),
    })
    assert summary.cases == 2
    first = BodyCase.objects.get(exam_no="1141")
    assert (first.branch, first.detainee_no, first.photos.count()) == ("215", "774", 2)
    assert first.date.isoformat() == "2012-05-03"  # the earliest photo's date
    assert not first.needs_review
    change = first.changes.get()
    assert change.action == CaseChange.Action.GROUPED and change.actor == "tester"
    assert change.after["created"] and sorted(change.after["photos"].values()) == [first.pk, first.pk]
    assert set(change.before["photos"].values()) == {None}


def test_it_puts_photos_without_an_examination_number_into_the_case_of_their_body(src):
    _ingest(src, {
        "branch-215/det-774/exam-1141/2012-05-04_01.jpg": jpeg_bytes(1),
        "branch-215/det-774/2012-05-02_02.jpg": jpeg_bytes(2),
        "branch-227/det-90/2013-02-01_01.jpg": jpeg_bytes(3),
    })
    assert _case_of("det-774/2012-05-02") == BodyCase.objects.get(exam_no="1141")
    assert BodyCase.objects.get(exam_no="1141").date.isoformat() == "2012-05-02"
    by_body = _case_of("det-90/")
    assert (by_body.branch, by_body.detainee_no, by_body.exam_no) == ("227", "90", "")


def test_it_gives_a_later_examination_number_to_the_case_made_from_the_body_numbers(src):
    _ingest(src, {"branch-227/det-90/2013-02-01_01.jpg": jpeg_bytes(3)})
    case = BodyCase.objects.get()
    _ingest(src, {"branch-227/det-90/exam-3003/2013-02-01_02.jpg": jpeg_bytes(4)})
    case.refresh_from_db()
    assert BodyCase.objects.count() == 1 and case.exam_no == "3003" and case.photos.count() == 2
    assert case.changes.order_by("pk").last().after["fields"] == {"exam_no": "3003"}


def test_it_flags_a_photo_whose_branch_disagrees_but_still_places_it_by_examination_number(src):
    _ingest(src, {
        "branch-215/det-774/exam-1141/2012-05-04_01.jpg": jpeg_bytes(1),
        "branch-215/det-774/exam-1141/2012-05-04_02.jpg": jpeg_bytes(2),
        "branch-227/det-774/exam-1141/2012-05-04_03.jpg": jpeg_bytes(3),
    })
    case = BodyCase.objects.get()
    odd = Photo.objects.get(branch="227")
    assert odd.case == case and case.branch == "215" and case.needs_review
    (reason,) = case.review_reasons
    assert reason == {"kind": "photo_disagrees", "photo": odd.item.sha256, "field": "branch",
                      "photo_value": "227", "case_value": "215"}
    with translation.override("en"):
        assert reason_text(reason) == f"photo {odd.item.sha256[:12]} has branch 227 but the case has 215"


def test_it_flags_both_cases_of_a_body_seen_under_two_examination_numbers_and_merges_nothing(src):
    _ingest(src, {
        "branch-215/det-774/exam-1141/2012-05-04_01.jpg": jpeg_bytes(1),
        "branch-215/det-774/exam-1187/2012-05-09_01.jpg": jpeg_bytes(2),
    })
    first, second = BodyCase.objects.get(exam_no="1141"), BodyCase.objects.get(exam_no="1187")
    assert first.needs_review and second.needs_review
    assert first.photos.count() == second.photos.count() == 1
    with translation.override("en"):
        texts = {reason_text(r) for case in (first, second) for r in case.review_reasons}
    assert texts == {"detainee 215/774 appears under examination numbers 1141 and 1187"}


def test_it_places_a_photo_without_numbers_with_its_near_duplicate_and_says_why(src):
    summary = _ingest(src, {
        "branch-215/det-774/exam-1141/2012-05-04_01.jpg": jpeg_bytes(1),
        "loose/scan-0007.jpg": resaved(1),
        "loose/scan-0008.jpg": jpeg_bytes(9),  # looks like nothing else: stays without a case
    })
    pair = NearDuplicate.objects.get()
    assert pair.status == NearDuplicate.Status.PENDING and summary.cases == 1
    case = BodyCase.objects.get()
    loose = Photo.objects.get(item__sightings__path="loose/scan-0007.jpg")
    assert loose.case == case
    assert Photo.objects.get(item__sightings__path="loose/scan-0008.jpg").case is None
    (joined,) = case.changes.get().after["joined"]
    assert joined["photo"] == loose.item.sha256 and joined["distance"] == pair.distance
    assert joined["near_duplicate_of"] == Photo.objects.get(exam_no="1141").item.sha256


def test_it_ignores_near_duplicates_marked_different(db):
    numbered = make_photo(1, "215", "774", "1141")
    loose = make_photo(2)
    NearDuplicate.objects.create(a=numbered, b=loose, distance=12, status=NearDuplicate.Status.DIFFERENT)
    summary = group_photos()
    loose.refresh_from_db()
    assert loose.case is None and summary.left_unassigned == 1 and summary.photos_assigned == 1


def test_it_follows_chains_of_near_duplicates_marked_same(db):
    numbered, first, second = make_photo(1, "215", "774", "1141"), make_photo(2), make_photo(3)
    NearDuplicate.objects.create(a=numbered, b=first, distance=20, status=NearDuplicate.Status.SAME)
    NearDuplicate.objects.create(a=first, b=second, distance=8)
    group_photos()
    case = BodyCase.objects.get()
    assert set(case.photos.all()) == {numbered, first, second}


def test_it_changes_nothing_when_run_twice(src):
    _ingest(src, {
        "branch-215/det-774/exam-1141/2012-05-04_01.jpg": jpeg_bytes(1),
        "branch-215/det-774/exam-1187/2012-05-09_01.jpg": jpeg_bytes(2),
        "branch-227/det-774/exam-1187/2012-05-09_02.jpg": jpeg_bytes(3),
        "loose/scan-0007.jpg": resaved(1),
    })
    state = lambda: (sorted(BodyCase.objects.values_list("pk", "branch", "detainee_no", "exam_no", "date",  # noqa: E731
                                                          "needs_review", "review_reasons")),
                     sorted(Photo.objects.values_list("pk", "case_id")), CaseChange.objects.count())
    before = state()
    summary = group_photos("caesar")
    assert state() == before
    assert (summary.cases_created, summary.photos_assigned, summary.flagged) == (0, 0, 0)


def test_it_groups_only_the_named_collection(src, tmp_path):
    _ingest(src, {"branch-215/det-774/exam-1141/2012-05-04_01.jpg": jpeg_bytes(1)}, collection="caesar")
    other = make_photo(50, "227", "1", "5005")
    assert group_photos("caesar").photos_without_case == 0
    other.refresh_from_db()
    assert other.case is None
    assert group_photos().cases_created == 1


def test_group_cases_command_prints_a_closing_summary_and_json(db):
    make_photo(1, "215", "774", "1141")
    make_photo(2, "215", "774", "1187")
    out = io.StringIO()
    call_command("group_cases", stdout=out)
    text = out.getvalue()
    assert "cases created     2" in text and "photos assigned   2" in text and "flagged           2" in text
    assert "detainee 215/774 appears under examination numbers 1141 and 1187" in text
    out = io.StringIO()
    call_command("group_cases", "--json", stdout=out)
    assert json.loads(out.getvalue())["cases_created"] == 0


def test_group_cases_command_changes_nothing_in_a_dry_run(db):
    make_photo(1, "215", "774", "1141")
    out = io.StringIO()
    call_command("group_cases", "--dry-run", stdout=out)
    assert "would group (dry run, nothing changed)" in out.getvalue() and "cases created     1" in out.getvalue()
    assert not BodyCase.objects.exists() and not CaseChange.objects.exists()
    assert Photo.objects.get().case is None


def test_group_cases_command_names_the_known_collections_when_given_an_unknown_one(db):
    with pytest.raises(CommandError, match="no collection named 'nope'"):
        call_command("group_cases", "--collection", "nope")
