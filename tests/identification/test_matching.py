"""Ranking cases for a report (and reports for a case), with the reasons shown to caseworkers."""

import pytest

from dalil.archive.models import Photo
from dalil.identification.matching import branch_key, candidates_for_report, mark_words, reports_for_case
from dalil.identification.models import Claim, Identification
from tests.identification.personas import D, make_case, make_report

pytestmark = pytest.mark.django_db


def _order(found):
    return [c.case.exam_no for c in found]


def test_it_ranks_same_branch_consistent_sex_and_age_first(report, good_case):
    make_case(exam_no="2002", branch="227", date=D(2013, 1, 5), age_min=40, age_max=50, marks="")
    make_case(exam_no="3003", branch="", sex="", date=None, age_min=None, age_max=None, marks="")
    found = candidates_for_report(report)
    assert _order(found) == ["1001", "3003", "2002"]
    best = found[0]
    assert {"date_after_arrest", "same_branch", "same_sex", "age_fits", "marks"} <= set(best.codes)
    assert best.score > found[1].score > found[2].score
    assert all(reason.text for reason in best.reasons)


def test_it_ranks_a_case_dated_before_the_arrest_below(report, good_case):
    before = make_case(exam_no="0999", date=D(2011, 12, 1))  # same branch, sex, age, marks: but dead before arrest
    nothing = make_case(exam_no="4004", branch="", sex="", date=None, age_min=None, age_max=None, marks="")
    found = candidates_for_report(report)
    assert _order(found) == ["1001", "4004", "0999"]
    below = found[-1]
    assert below.case == before and "date_before_arrest" in below.codes
    assert below.reasons[0].weight < -1 and below.score < 0 and found[1].case == nothing


def test_it_sinks_a_case_of_the_other_sex(report, good_case):
    make_case(exam_no="5005", sex="female")
    found = candidates_for_report(report)
    assert _order(found) == ["1001", "5005"] and "other_sex" in found[1].codes
    assert next(r for r in found[1].reasons if r.code == "other_sex").weight <= -1.5 and found[1].score < 0


def test_it_boosts_a_case_the_family_claimed(report, good_case):
    claimed = make_case(exam_no="6006", branch="227", sex="", age_min=None, age_max=None, marks="")
    assert _order(candidates_for_report(report)) == ["1001", "6006"]
    Claim.objects.create(report=report, case=claimed, reason="عرفته من الندبة")
    found = candidates_for_report(report)
    assert _order(found) == ["6006", "1001"] and found[0].claimed and "family_claim" in found[0].codes


def test_it_puts_custody_and_unknown_cases_before_soldiers_and_attacks(report, good_case):
    make_case(exam_no="7007", category="soldier", branch="227", marks="")
    make_case(exam_no="8008", category="unknown", branch="227", marks="")
    found = candidates_for_report(report)
    assert _order(found) == ["1001", "8008", "7007"]
    assert "category" in found[-1].codes


def test_it_leaves_out_merged_cases_and_bodies_confirmed_as_someone_else(report, good_case):
    make_case(exam_no="9009", merged_into=good_case)
    other = make_case(exam_no="1111")
    someone = make_report(first_name_ar="خالد")
    Identification.objects.create(report=someone, case=other, state=Identification.State.CONFIRMED)
    assert _order(candidates_for_report(report)) == ["1001"]


def test_it_scores_age_from_the_birth_date_at_the_case_date(good_case):
    born = make_report(age_at_arrest=None, birth_date=D(1970, 1, 1))  # 43 in 2013: far from 22-30
    found = candidates_for_report(born)[0]
    assert "age_far" in found.codes and "age_fits" not in found.codes


def test_it_adds_the_years_in_detention_to_the_age_at_arrest(report):
    make_case(exam_no="1212", date=D(2014, 6, 1), age_min=26, age_max=28)  # 24 + 2 years
    assert "age_fits" in candidates_for_report(report)[0].codes


def test_it_matches_marks_across_arabic_spellings():
    assert mark_words("ندبة على السّاعد الأيسر") & mark_words("ندبه في الساعد")
    assert "ساعد" in mark_words("السّاعد")
    assert not mark_words("في على من")


def test_it_reads_the_branch_in_arabic_digits_or_words():
    assert branch_key("فرع ٢١٥") == branch_key("Branch 0215") == "215"
    assert branch_key("") == ""


def test_it_uses_the_first_photo_date_when_the_case_has_no_date(report, instance, tmp_path):
    from tests.ingest.helpers import jpeg_bytes, run, write

    write(tmp_path / "src" / "branch-215" / "exam-1001" / "1001_01.jpg", jpeg_bytes(1))
    run(tmp_path / "src")
    case = make_case(date=None)
    Photo.objects.update(case=case, photo_date=D(2011, 1, 1))
    found = candidates_for_report(report)[0]
    assert found.codes[0] == "date_before_arrest" and "2011-01-01" in found.reasons[0].text


def test_it_adds_the_stored_face_distance_as_a_reason_in_words(report, good_case):
    from dalil.identification.models import FaceCandidate

    found = candidates_for_report(report)[0]
    assert found.face_similarity is None and "face" not in found.codes
    FaceCandidate.objects.create(report=report, case=good_case, distance=0.42, rank=1)
    found = candidates_for_report(report)[0]
    reason = next(r for r in found.reasons if r.code == "face")
    assert found.face_similarity == 0.733 and "very similar" in reason.text and "0.42" in reason.text
    assert reports_for_case(good_case)[0].face_similarity == 0.733


def test_it_ranks_the_same_way_every_time(report):
    for n in range(6):
        make_case(exam_no=f"20{n}", branch="", sex="", date=None, age_min=None, age_max=None, marks="")
    first = _order(candidates_for_report(report))
    assert first == sorted(first) == _order(candidates_for_report(report))
    assert len(candidates_for_report(report, limit=3)) == 3


def test_it_finds_the_reports_that_could_fit_a_body(report, good_case):
    stranger = make_report(first_name_ar="سامر", arresting_branch="227", sex="female", arrest_date=D(2014, 1, 1))
    closed = make_report(status="closed")
    found = reports_for_case(good_case)
    assert [c.report for c in found] == [report, stranger]
    assert "same_branch" in found[0].codes and found[1].ruled_out
    assert closed not in [c.report for c in found]
