"""A family member, in Arabic on a phone, from reporting a missing relative to following their claim."""

import csv
import re
import time

import pytest
from tests.browser.conftest import needs_routes, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.browser]

NEEDED = ("portal:report", "portal:followup", "portal:search", "portal:case", "portal:warning", "portal:reveal",
          "portal:claim")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.fixture(autouse=True)
def _portal_routes():
    needs_routes(*NEEDED)


def _an_exam_number(server) -> str:
    """An examination number of a demo body, from the synthetic archive's own sidecar."""
    with open(server.home / "demo-source" / "victims.csv", encoding="utf-8-sig") as f:
        row = next(csv.DictReader(f))
    return re.sub(r"\D", "", row["exam_no"].translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")))


def _loaded_images(page, selector: str) -> list[str]:
    # Polled from Python: wait_for_function evaluates a string, which the portal's Content-Security-Policy refuses.
    deadline = time.monotonic() + 15
    while not page.eval_on_selector_all(selector, "imgs => imgs.every(i => i.complete)"):
        assert time.monotonic() < deadline, f"{selector}: pictures still loading after 15 s"
        time.sleep(0.1)
    return page.eval_on_selector_all(selector, "imgs => imgs.filter(i => i.naturalWidth > 0).map(i => i.src)")


def test_it_takes_a_family_from_report_to_claim_and_shows_it_on_the_follow_up_link(server, new_page, tmp_path):
    page = new_page("ar")
    # 1. Report a missing relative (invented person), typing numbers in Arabic-Indic digits as many do.
    page.goto("report/")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    page.fill("#id_first_name_ar", "يوسف")
    page.fill("#id_father_name_ar", "محمود")
    page.fill("#id_family_name_ar", "الخطيب")
    page.fill("#id_arrest_date_year", "٢٠١٢")  # a month and a year, "about": what many families know
    page.select_option("#id_arrest_date_month", "4")
    page.check("#id_arrest_date_approximate")
    page.fill("#id_arresting_branch", "٢١٥")
    page.fill("#id_distinguishing_marks", "شامة فوق الحاجب الأيمن")
    page.fill("#id_reporter_name", "أم يوسف")
    page.fill("#id_reporter_relationship", "أم")
    page.fill("#id_reporter_phone", "+000 0000 0003")
    page.check("#id_consent_contact")
    screenshot(page, tmp_path, "1-report-form")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    # 2. The secret follow-up link, shown once.
    link = page.locator("section.secret a.link").get_attribute("href")
    reference = page.locator("bdi.ref").first.text_content().strip()
    assert re.fullmatch(r"DL-[2-9A-Z]{4}-[2-9A-Z]{4}", reference), reference
    assert "/f/" in link
    screenshot(page, tmp_path, "2-report-done")

    # 3. Search by a number, in Arabic-Indic digits: words only, no picture.
    exam = _an_exam_number(server)
    page.goto("search/")
    page.fill("#id_number", exam.translate(ARABIC_INDIC))
    page.locator("main form.search button[type=submit]").click()
    page.wait_for_load_state()
    results = page.locator("ol.results li a")
    assert results.count() >= 1, page.content()[:3000]
    assert page.locator("main img").count() == 0
    screenshot(page, tmp_path, "3-search-results")

    # 4. The case, in words; nothing graphic until chosen, one step at a time.
    results.first.click()
    page.wait_for_load_state()
    assert exam in page.locator("dl.facts").text_content()
    assert page.locator("main img").count() == 0
    screenshot(page, tmp_path, "4-case-words")
    page.locator("button[name=level][value=preview]").click()
    page.wait_for_load_state()
    previews = _loaded_images(page, "ul.pictures img")
    assert previews and all(src.endswith("/preview.jpg") for src in previews), previews
    screenshot(page, tmp_path, "5-blurred-previews")
    page.locator("button[name=level][value=face]").click()
    page.wait_for_load_state()
    # 5. The warning screen before the photographs, then the photographs (never the original).
    page.locator("a[href$='/warning/']").click()
    page.wait_for_load_state()
    assert page.locator("input[name=understood]").count() == 1
    screenshot(page, tmp_path, "6-warning")
    page.check("input[name=understood]")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    photos = _loaded_images(page, "ul.pictures img")
    assert photos and all(src.endswith("/photo.jpg") for src in photos), photos
    assert "/archive/" not in page.content()

    # 6. "This is my relative".
    page.locator("a[href$='/claim/']").first.click()
    page.wait_for_load_state()
    assert reference in page.content()
    page.fill("textarea[name=reason]", "الشامة فوق الحاجب، وتاريخ الاعتقال قريب")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    screenshot(page, tmp_path, "7-claim-done")

    # 7. The follow-up link, opened later on another phone: the claim and its status.
    later = new_page("ar")
    later.goto(link)
    assert reference in later.locator("h1").text_content()
    claim = later.locator("article.claim")
    assert claim.count() == 1
    assert "checking" in claim.get_attribute("class")
    assert exam in claim.text_content()
    screenshot(later, tmp_path, "8-follow-up")
