"""Ranking by likelihood ratios: the properties testers asked for, the words shown, and the bounded queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dalil.identification import evidence
from dalil.identification.matching import candidates_for_report, reports_for_case
from dalil.identification.models import FaceCandidate
from tests.identification.personas import D, make_case, make_report

pytestmark = pytest.mark.django_db


def _plain(**fields):
    """A case with only numbers, a branch and a date: nothing else to compare."""
    values = {"sex": "", "age_min": None, "age_max": None, "marks": ""}
    values.update(fields)
    return make_case(**values)


def test_it_ranks_a_very_similar_face_above_bodies_that_only_share_branch_and_date():
    report = make_report(distinguishing_marks="", age_at_arrest=None)
    for n in range(4):
        _plain(exam_no=f"50{n}", branch="215", date=D(2012, 4, 1 + n))  # a few weeks after the arrest
    face = _plain(exam_no="777", branch="227", date=D(2012, 9, 1))
    FaceCandidate.objects.create(report=report, case=face, distance=0.33, rank=1)
    found = candidates_for_report(report)
    assert found[0].case == face
    reason = next(r for r in found[0].reasons if r.code == "face")
    assert reason.factor.startswith("×") and reason.weight > 2 and "very similar" in reason.text


def test_it_does_not_bury_the_true_body_under_a_guessed_arrest_day_after_its_date():
    report = make_report(arrest_date=D(2012, 3, 10))  # guessed: the body is dated nine days earlier
    true = make_case(exam_no="1001", date=D(2012, 3, 1))
    for n in range(5):
        _plain(exam_no=f"60{n}", branch="251", date=D(2012, 5, 1 + n))
    found = candidates_for_report(report)
    assert found[0].case == true
    before = next(r for r in found[0].reasons if r.code == "date_before_arrest")
    assert -2 < before.weight < 0 and before.factor.startswith("÷")  # against, strongly or not, never infinite


def test_it_weighs_a_date_long_before_the_arrest_strongly_but_finitely():
    report = make_report(arrest_date=D(2012, 3, 10))
    make_case(exam_no="1001", date=D(2011, 6, 1))
    reason = next(r for r in candidates_for_report(report)[0].reasons if r.code == "date_before_arrest")
    assert -4 < reason.weight < -1.5


@pytest.mark.parametrize("precision, approximate", [("year", False), ("month", False), ("day", True)])
def test_it_widens_the_window_for_an_uncertain_arrest_date_instead_of_penalising(precision, approximate):
    exact = make_report(arrest_date=D(2012, 6, 20))
    uncertain = make_report(arrest_date=D(2012, 6, 1 if precision != "year" else 1),
                            arrest_date_precision=precision, arrest_date_approximate=approximate)
    make_case(exam_no="1001", date=D(2012, 6, 5))
    day = next(r for r in candidates_for_report(exact)[0].reasons if r.code.startswith("date_"))
    wide = next(r for r in candidates_for_report(uncertain)[0].reasons if r.code.startswith("date_"))
    assert day.code == "date_before_arrest" and day.weight < -0.5
    assert wide.code == "date_in_window" and wide.weight > max(day.weight + 0.5, -0.5)


def test_it_shows_each_reason_with_its_factor_in_words():
    assert evidence.factor(evidence.face_log_lr(0.33)) == "×290"
    assert evidence.factor(-1.3) == "÷20" and evidence.factor(0.4) == "×2.5" and evidence.factor(0.0) == "×1"
    report = make_report()
    make_case()
    found = candidates_for_report(report)[0]
    assert all(r.text and (r.factor or r.weight == 0) for r in found.reasons)
    assert found.factor.startswith(("×", "÷"))


def test_it_counts_a_weak_face_as_no_evidence():
    report = make_report()
    case = make_case()
    FaceCandidate.objects.create(report=report, case=case, distance=0.58, rank=1)
    reason = next(r for r in candidates_for_report(report)[0].reasons if r.code == "face")
    assert reason.weight == 0 and reason.factor == "" and "not counted" in reason.text


def test_it_scores_only_a_bounded_pool_but_always_the_face_and_claimed_cases():
    report = make_report(distinguishing_marks="", age_at_arrest=None)
    for n in range(6):
        _plain(exam_no=f"70{n}", branch="215", date=D(2012, 4, 1 + n))
    far = _plain(exam_no="799", branch="290", date=D(2013, 8, 1), category="soldier")
    FaceCandidate.objects.create(report=report, case=far, distance=0.40, rank=1)
    with CaptureQueriesContext(connection) as queries:
        found = candidates_for_report(report, pool=2)
    assert {c.case.exam_no for c in found} == {"700", "701", "799"}
    assert len(queries) <= 9  # the same few statements whatever the archive's size (one: victim-list names)


def test_it_ranks_reports_for_a_body_from_a_bounded_pool():
    case = make_case(date=D(2012, 5, 1))
    near = make_report(first_name_ar="سامر")
    far = make_report(first_name_ar="باسل", arresting_branch="", sex="", arrest_date=None, age_at_arrest=None,
                      distinguishing_marks="")
    found = reports_for_case(case, pool=1)
    assert [c.report for c in found] == [near]
    FaceCandidate.objects.create(report=far, case=case, distance=0.30, rank=1)
    assert far in [c.report for c in reports_for_case(case, pool=1)]
