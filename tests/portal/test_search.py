"""Searching the archive: words only, Arabic spelled any way, numbers in any digits."""

import pytest

from tests.portal.conftest import file_report

pytestmark = pytest.mark.django_db


def _found(client, **query) -> str:
    response = client.get("/search/", query)
    assert response.status_code == 200
    return response.content.decode()


def _case_links(page: str) -> set:
    import re

    return set(int(pk) for pk in re.findall(r'href="/case/(\d+)/"', page))


def test_it_finds_a_case_by_a_number_in_arabic_indic_digits(family, archive):
    assert _case_links(_found(family, number="١٠٠١")) == {archive["custody"].pk}
    assert _case_links(_found(family, number="۳۰۴۲")) == {archive["custody"].pk}  # Persian digits
    assert _case_links(_found(family, number="٧٧")) == {archive["unknown"].pk}  # stored as 0077


def test_it_finds_a_case_by_a_differently_written_mark_word(family, archive):
    # the analyst wrote "ندبة على الكتفِ الأيسر"; the family types it without hamza, kasra or ta marbuta
    assert _case_links(_found(family, marks="ندبه الكتف الايسر")) == {archive["custody"].pk}
    assert _case_links(_found(family, marks="وشم كبير")) == set()


def test_it_filters_by_branch_date_sex_and_age(family, archive):
    assert _case_links(_found(family, branch="٢٢٧")) == {archive["unknown"].pk}
    assert _case_links(_found(family, date_from="2013-05-01", date_to="2013-05-31")) == {archive["custody"].pk}
    assert _case_links(_found(family, sex="female")) == set()
    assert _case_links(_found(family, age="٤٠", branch="215")) == set()
    assert _case_links(_found(family, age="30", branch="215")) == {archive["custody"].pk}


def test_it_never_lists_soldiers_or_merged_cases(family, archive):
    found = _case_links(_found(family, branch="215"))
    assert found == {archive["custody"].pk}
    assert family.get(f"/case/{archive['soldier'].pk}/").status_code == 404
    # a merged case is not listed; its old address follows it to the case it was merged into
    assert family.get(f"/case/{archive['merged'].pk}/")["Location"] == f"/case/{archive['custody'].pk}/"


def test_it_shows_no_image_in_the_results(family, archive):
    page = _found(family, number="215")
    assert "<img" not in page and ".jpg" not in page


def test_it_never_shows_a_report_in_the_results(family, archive):
    file_report(family)
    page = _found(family, marks="ندبة")
    assert "DL-" not in page and "الحلبي" not in page


def test_it_limits_searches_per_connection(family, archive, settings):
    settings.PORTAL_SESSION_SEARCHES_PER_HOUR = 2
    _found(family, number="1")
    _found(family, number="2")
    assert family.get("/search/", {"number": "3"}).status_code == 429
    assert family.get("/search/").status_code == 200  # the empty form is not a search
