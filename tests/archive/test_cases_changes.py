"""An analyst's changes to cases: each one recorded with before/after, and each one undoable."""

import pytest
from django.urls import reverse

from dalil.archive.models import BodyCase, CaseChange, InjuryCode, Photo
from tests.archive.test_cases_personas import (  # noqa: F401 - fixtures
    analyst, cases, caseworker, client_for, second_analyst,
)

pytestmark = pytest.mark.django_db

DESCRIPTION = {"branch": "215", "detainee_no": "774", "exam_no": "1141", "category": "unknown", "date": "2012-05-03"}


def _post(user, name, case, data):
    return client_for(user).post(reverse(f"archive:{name}", args=[case.pk]), data)


def _undo(user, case, change):
    return _post(user, "case_undo", case, {"change": change.pk})


def _where(photos) -> list:
    return [Photo.objects.get(pk=p.pk).case_id for p in photos]


def test_it_corrects_numbers_in_one_change_with_before_and_after(cases, analyst):
    case = cases["first"]
    response = _post(analyst, "case_update", case, {**DESCRIPTION, "exam_no": "١١٤٢", "category": "custody",
                                                    "sex": "male", "age_min": "٢٥", "age_max": "35", "marks": "scar"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.exam_no, case.category, case.sex, case.age_min, case.age_max, case.marks) == \
        ("1142", "custody", "male", 25, 35, "scar")
    change = case.changes.exclude(action="grouped").get()
    assert change.action == CaseChange.Action.CORRECTED and change.actor == "rana-analyst"
    assert change.before["fields"] == {"exam_no": "1141", "category": "unknown", "sex": "", "age_min": None,
                                       "age_max": None, "marks": ""}
    assert change.after["fields"]["exam_no"] == "1142"


def test_it_records_a_description_without_numbers_as_described(cases, analyst):
    _post(analyst, "case_update", cases["first"], {**DESCRIPTION, "notes": "bruising on both wrists"})
    change = cases["first"].changes.exclude(action="grouped").get()
    assert change.action == CaseChange.Action.DESCRIBED
    assert change.after == {"fields": {"notes": "bruising on both wrists"}}


def test_it_records_nothing_when_nothing_changed(cases, analyst):
    _post(analyst, "case_update", cases["first"], DESCRIPTION)
    assert not cases["first"].changes.exclude(action="grouped").exists()


def test_it_shows_the_form_again_with_errors(cases, analyst):
    response = _post(analyst, "case_update", cases["first"], {**DESCRIPTION, "age_min": "40", "age_max": "30"})
    assert response.status_code == 400 and "The upper age must not be below the lower one." in response.content.decode()


def test_it_undoes_a_correction(cases, analyst):
    case = cases["first"]
    _post(analyst, "case_update", case, {**DESCRIPTION, "exam_no": "1142"})
    change = case.changes.get(action="corrected")
    assert _undo(analyst, case, change).status_code == 302
    case.refresh_from_db()
    change.refresh_from_db()
    assert case.exam_no == "1141" and change.undone_by.action == CaseChange.Action.UNDONE
    assert change.undone_by.after["fields"] == {"exam_no": "1141"}
    _undo(analyst, case, change)  # twice: refused, nothing more recorded
    assert case.changes.filter(action="undone").count() == 1


def test_it_refuses_an_undo_when_a_later_change_is_in_the_way(cases, analyst, second_analyst):
    case = cases["first"]
    _post(analyst, "case_update", case, {**DESCRIPTION, "exam_no": "1142"})
    _post(second_analyst, "case_update", case, {**DESCRIPTION, "exam_no": "1143"})
    first = case.changes.filter(action="corrected").order_by("pk").first()
    response = client_for(analyst).post(reverse("archive:case_undo", args=[case.pk]), {"change": first.pk}, follow=True)
    assert "A later change touched the same fields" in response.content.decode()
    case.refresh_from_db()
    assert case.exam_no == "1143"


def test_it_records_who_coded_a_finding_and_when(cases, analyst):
    case = cases["first"]
    _post(analyst, "case_code", case, {"code": "ligature", "note": "marks on the neck"})
    injury = InjuryCode.objects.get(case=case)
    assert (injury.code, injury.note, injury.coded_by) == ("ligature", "marks on the neck", analyst)
    assert injury.coded_at is not None
    change = case.changes.get(action="coded")
    assert change.after["injury"]["coded_by"] == analyst.pk and change.after["injury"]["coded_at"]


def test_it_refuses_codes_outside_the_vocabulary(cases, analyst):
    response = _post(analyst, "case_code", cases["first"], {"code": "gunshot"})
    assert response.status_code == 400 and not InjuryCode.objects.exists()


def test_it_removes_a_code_and_undo_brings_back_who_coded_it_and_when(cases, analyst, second_analyst):
    case = cases["first"]
    _post(analyst, "case_code", case, {"code": "eye", "note": "left eye"})
    coded_at = InjuryCode.objects.get().coded_at
    _post(second_analyst, "case_code", case, {"code": "eye", "remove": "1", "note": "mistaken"})
    assert not InjuryCode.objects.exists()
    removal = case.changes.filter(action="coded").order_by("pk").last()
    _undo(second_analyst, case, removal)
    injury = InjuryCode.objects.get()
    assert (injury.coded_by, injury.coded_at, injury.note) == (analyst, coded_at, "left eye")


def test_it_splits_photos_into_a_new_case_and_undo_restores_them(cases, analyst):
    case, photos = cases["first"], cases["photos"]
    _post(analyst, "case_split", case, {"photo": [photos[0].pk, photos[1].pk]})
    new = BodyCase.objects.exclude(pk__in=[case.pk, cases["second"].pk]).get()
    assert _where(photos[:3]) == [new.pk, new.pk, case.pk]
    assert (new.branch, new.detainee_no, new.exam_no) == ("215", "774", "1141")
    on_source, on_new = case.changes.get(action="split"), new.changes.get(action="split")
    assert on_source.after["linked"] == on_new.pk and on_new.after["linked"] == on_source.pk
    _undo(analyst, new, on_new)
    assert _where(photos[:3]) == [case.pk] * 3
    new.refresh_from_db()
    assert new.merged_into == case  # folded back, out of the list
    assert {c.case_id for c in CaseChange.objects.filter(action="undone")} == {case.pk, new.pk}


def test_it_refuses_to_split_off_every_photo(cases, analyst):
    case, photos = cases["first"], cases["photos"]
    _post(analyst, "case_split", case, {"photo": [p.pk for p in photos[:3]]})
    assert BodyCase.objects.count() == 2 and _where(photos[:3]) == [case.pk] * 3


def test_it_merges_a_case_into_another_and_undo_restores_both(cases, analyst):
    first, second, photos = cases["first"], cases["second"], cases["photos"]
    asked = _post(analyst, "case_merge", second, {"into": str(first.pk)})  # a confirmation page first
    assert asked.status_code == 200 and not BodyCase.objects.exclude(merged_into=None).exists()
    response = _post(analyst, "case_merge", second, {
        "into": str(first.pk), "step": "confirm", "note": "the same body, photographed twice", "confirmed": "on",
        "numbers_case": "227 / 88 / 2002", "numbers_target": "215 / 774 / 1141"})
    assert response["Location"] == reverse("archive:case", args=[first.pk])
    second.refresh_from_db()
    assert second.merged_into == first and _where(photos) == [first.pk] * 4
    assert second.changes.filter(action="merged").exists() and first.changes.filter(action="merged").exists()
    # a merged case takes no more changes
    _post(analyst, "case_update", second, {**DESCRIPTION, "exam_no": "9"})
    second.refresh_from_db()
    assert second.exam_no == "2002"
    _undo(analyst, first, first.changes.get(action="merged"))
    second.refresh_from_db()
    assert second.merged_into is None and _where(photos) == [first.pk] * 3 + [second.pk]


def test_it_refuses_to_merge_a_case_into_itself_or_into_nothing(cases, analyst):
    first = cases["first"]
    _post(analyst, "case_merge", first, {"into": first.pk})
    response = _post(analyst, "case_merge", first, {"into": 99999})
    assert response.status_code == 400 and "There is no case with that number." in response.content.decode()
    assert not BodyCase.objects.exclude(merged_into=None).exists()


def test_it_refuses_every_change_from_a_caseworker(cases, caseworker):
    first, second = cases["first"], cases["second"]
    for name, data in (("case_update", {**DESCRIPTION, "exam_no": "1"}), ("case_code", {"code": "eye"}),
                       ("case_split", {"photo": [cases["photos"][0].pk]}), ("case_merge", {"into": second.pk}),
                       ("case_undo", {"change": first.changes.get().pk})):
        assert _post(caseworker, name, first, data).status_code == 403, name
    assert CaseChange.objects.exclude(action="grouped").count() == 0
