"""A merge or a split never breaks an identification silently, and one body never shows to families as two."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from dalil.archive.models import BodyCase, CaseChange
from dalil.identification import workflow
from dalil.identification.models import Claim
from tests.archive.test_cases_personas import make_photo
from tests.identification.personas import (analyst, caseworker, english_errors, fast_passwords,  # noqa: F401
                                           make_case, make_report, reviewer, second_reviewer)

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def bodies(db):
    """Case A 215/4085/1169 (two photos) and case B 227/7120/1145 (one photo)."""
    a = make_case(branch="215", detainee_no="4085", exam_no="1169")
    b = make_case(branch="227", detainee_no="7120", exam_no="1145")
    photos = [make_photo(1, case=a), make_photo(2, case=a), make_photo(3, case=b)]
    return {"a": a, "b": b, "photos": photos}


@pytest.fixture
def confirmed_on_a(bodies, caseworker, reviewer, second_reviewer):
    """A family's claim on case A, confirmed by two reviewers: the family has been told."""
    report = make_report()
    Claim.objects.create(report=report, case=bodies["a"], reason="الندبة على ساعده")
    ident = workflow.propose(report, bodies["a"], caseworker)
    workflow.corroborate(ident, reviewer, "the numbers and the scar match")
    return workflow.confirm(ident, second_reviewer, "checked")


def _merge(user, source, target, **data):
    return _client(user).post(reverse("archive:case_merge", args=[source.pk]), {"into": target.pk, **data})


def _confirmed_merge(user, source, target, **data):
    return _merge(user, source, target, **{
        "step": "confirm", "note": "one body, two sets of photos", "confirmed": "on",
        "numbers_case": " / ".join(source.numbers), "numbers_target": " / ".join(target.numbers), **data})


def test_it_refuses_to_merge_a_case_with_a_confirmed_identification(bodies, confirmed_on_a, analyst):
    asked = _merge(analyst, bodies["a"], bodies["b"])
    page = asked.content.decode()
    assert asked.status_code == 200 and "(confirmed)" in page and "the family has been told" in page
    assert reverse("casework:identification", args=[confirmed_on_a.pk]) in page
    refused = _confirmed_merge(analyst, bodies["a"], bodies["b"])  # without carrying them over
    assert refused.status_code == 409 and "Resolve them first, or carry them over" in refused.content.decode()
    bodies["a"].refresh_from_db()
    confirmed_on_a.refresh_from_db()
    assert bodies["a"].merged_into is None and confirmed_on_a.case_id == bodies["a"].pk
    assert not CaseChange.objects.filter(action="merged").exists()


def test_it_carries_an_identification_over_with_a_note_and_every_page_follows(
        bodies, confirmed_on_a, analyst, reviewer):
    a, b = bodies["a"], bodies["b"]
    done = _confirmed_merge(analyst, a, b, carry_over="on", note="the same tattoo on both sets of photos")
    assert done.status_code == 302
    a.refresh_from_db()
    confirmed_on_a.refresh_from_db()
    assert a.merged_into == b and confirmed_on_a.case == b and Claim.objects.get().case == b
    # reviewers see the merge and the analyst's note on the identification page
    page = _client(reviewer).get(reverse("casework:identification", args=[confirmed_on_a.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "the same tattoo on both sets of photos" in text and f"case #{a.pk} merged into this one" in text
    # the merged-away case's pages follow it: staff and family
    reports = _client(reviewer).get(reverse("casework:case_reports", args=[a.pk]))
    assert reports.status_code == 302 and reports["Location"] == reverse("casework:case_reports", args=[b.pk])
    family = _client().get(reverse("portal:case", args=[a.pk]))
    assert family.status_code == 302 and family["Location"] == reverse("portal:case", args=[b.pk])
    # undo puts the identification back with its case
    merge = b.changes.get(action="merged")
    _client(analyst).post(reverse("archive:case_undo", args=[b.pk]), {"change": merge.pk})
    confirmed_on_a.refresh_from_db()
    a.refresh_from_db()
    assert a.merged_into is None and confirmed_on_a.case == a and Claim.objects.get().case == a


def test_it_needs_a_confirmation_naming_both_triples_when_numbers_differ(bodies, analyst):
    a, b = bodies["a"], bodies["b"]
    page = _merge(analyst, a, b).content.decode()
    assert "215 / 4085 / 1169" in page and "227 / 7120 / 1145" in page and "different numbers" in page
    unticked = _merge(analyst, a, b, step="confirm", note="same body", numbers_case="215 / 4085 / 1169",
                      numbers_target="227 / 7120 / 1145")
    assert unticked.status_code == 400 and "Tick the box" in unticked.content.decode()
    # the numbers changed since the page was shown: what the analyst confirmed is no longer true
    stale = _merge(analyst, a, b, step="confirm", note="same body", confirmed="on",
                   numbers_case="215 / 4085 / 1169", numbers_target="227 / 7120 / 9999")
    assert stale.status_code == 409
    assert "(215 / 4085 / 1169) and case" in stale.content.decode() and "naming both" in stale.content.decode()
    nonote = _merge(analyst, a, b, step="confirm", confirmed="on", numbers_case="215 / 4085 / 1169",
                    numbers_target="227 / 7120 / 1145")
    assert nonote.status_code == 400
    assert not BodyCase.objects.exclude(merged_into=None).exists()
    assert _confirmed_merge(analyst, a, b).status_code == 302
    change = a.changes.get(action="merged")
    assert change.after["note"] == "one body, two sets of photos"
    assert change.after["numbers"] == ["215 / 4085 / 1169", "227 / 7120 / 1145"]


def test_it_refuses_a_merge_where_two_confirmed_families_would_meet(bodies, confirmed_on_a, analyst, caseworker,
                                                                     reviewer, second_reviewer):
    other = make_report(first_name_ar="سامر")
    ident = workflow.propose(other, bodies["b"], caseworker)
    workflow.corroborate(ident, reviewer, "numbers")
    workflow.confirm(ident, second_reviewer, "checked")
    refused = _confirmed_merge(analyst, bodies["a"], bodies["b"], carry_over="on")
    assert refused.status_code == 409 and "Both cases are confirmed for different families" in refused.content.decode()
    bodies["a"].refresh_from_db()
    assert bodies["a"].merged_into is None


def test_it_refuses_to_split_a_claimed_case_unless_the_claim_is_kept_with_a_note(bodies, confirmed_on_a, analyst):
    a, photo = bodies["a"], bodies["photos"][0]
    url = reverse("archive:case_split", args=[a.pk])
    refused = _client(analyst).post(url, {"photo": [photo.pk]})
    assert refused.status_code == 200 and "keep them on this case with a note" in refused.content.decode()
    unticked = _client(analyst).post(url, {"photo": [photo.pk], "step": "confirm", "note": "another man"})
    assert unticked.status_code == 400 and BodyCase.objects.count() == 2
    assert BodyCase.objects.count() == 2
    kept = _client(analyst).post(url, {"photo": [photo.pk], "step": "confirm", "carry_over": "on",
                                       "note": "the second photo shows another man's hands"})
    assert kept.status_code == 302
    new = BodyCase.objects.exclude(pk__in=[a.pk, bodies["b"].pk]).get()
    confirmed_on_a.refresh_from_db()
    assert confirmed_on_a.case == a and new.numbers_pending
    assert a.changes.get(action="split").after["note"] == "the second photo shows another man's hands"


def test_it_hides_a_split_off_case_from_families_until_its_numbers_are_set(bodies, analyst):
    a, photo = bodies["a"], bodies["photos"][0]
    _client(analyst).post(reverse("archive:case_split", args=[a.pk]), {"photo": [photo.pk]})
    new = BodyCase.objects.exclude(pk__in=[a.pk, bodies["b"].pk]).get()
    assert new.numbers_pending and new.numbers == a.numbers
    family = _client()
    found = family.get(reverse("portal:search"), {"number": "1169"}).content.decode()
    assert reverse("portal:case", args=[a.pk]) in found and reverse("portal:case", args=[new.pk]) not in found
    assert family.get(reverse("portal:case", args=[new.pk])).status_code == 404
    # saving it with the same numbers as case A is refused: one body must not show twice
    form = {"branch": "215", "detainee_no": "4085", "exam_no": "1169", "category": "custody"}
    same = _client(analyst).post(reverse("archive:case_update", args=[new.pk]), form, follow=True)
    assert "has these same numbers" in same.content.decode()
    new.refresh_from_db()
    assert new.numbers_pending
    _client(analyst).post(reverse("archive:case_update", args=[new.pk]), {**form, "exam_no": "1170"})
    new.refresh_from_db()
    assert not new.numbers_pending and new.exam_no == "1170"
    assert family.get(reverse("portal:case", args=[new.pk])).status_code == 200


def test_it_refuses_a_proposal_on_a_case_whose_numbers_are_to_be_set(bodies, analyst, caseworker):
    a = bodies["a"]
    _client(analyst).post(reverse("archive:case_split", args=[a.pk]), {"photo": [bodies["photos"][0].pk]})
    new = BodyCase.objects.get(numbers_pending=True)
    with pytest.raises(workflow.WorkflowError, match="still to be set"):
        workflow.propose(make_report(), new, caseworker)


def test_it_refuses_to_undo_a_split_over_a_claim_made_since(bodies, analyst, caseworker):
    a = bodies["a"]
    _client(analyst).post(reverse("archive:case_split", args=[a.pk]), {"photo": [bodies["photos"][0].pk]})
    new = BodyCase.objects.get(numbers_pending=True)
    BodyCase.objects.filter(pk=new.pk).update(exam_no="1170", numbers_pending=False)
    workflow.propose(make_report(), new, caseworker)
    split = new.changes.get(action="split")
    refused = _client(analyst).post(reverse("archive:case_undo", args=[new.pk]), {"change": split.pk}, follow=True)
    assert "claims or identifications of its own now" in refused.content.decode()
    new.refresh_from_db()
    assert new.merged_into is None and new.photos.count() == 1


def test_it_shows_an_identification_left_on_a_merged_away_case_without_a_500(bodies, reviewer, caseworker):
    """Data merged before merges carried identifications over: the pages say where the body went."""
    a, b = bodies["a"], bodies["b"]
    ident = workflow.propose(make_report(), a, caseworker)
    BodyCase.objects.filter(pk=a.pk).update(merged_into=b)
    page = _client(reviewer).get(reverse("casework:identification", args=[ident.pk]))
    assert page.status_code == 200 and f"was merged into case #{b.pk}" in page.content.decode()
    assert _client(reviewer).get(reverse("casework:case_reports", args=[a.pk])).status_code == 302


def test_it_explains_a_merged_case_families_cannot_see_instead_of_a_bare_404(bodies):
    a, b = bodies["a"], bodies["b"]
    BodyCase.objects.filter(pk=b.pk).update(category=BodyCase.Category.SOLDIER)
    BodyCase.objects.filter(pk=a.pk).update(merged_into=b)
    page = _client().get(reverse("portal:case", args=[a.pk]))
    assert page.status_code == 404 and "joined with another" in page.content.decode()


def test_it_keeps_the_archive_free_of_identification_imports():
    """Data flows evidence -> archive -> identification -> portal/casework: the archive asks through a registry."""
    found = [str(path.relative_to(ROOT)) for path in (ROOT / "dalil" / "archive").rglob("*.py")
             if re.search(r"^\s*(from|import)\s+dalil\.identification", path.read_text(), re.M)]
    assert found == []
