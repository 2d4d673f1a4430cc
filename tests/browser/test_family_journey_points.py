"""Issue 11's family journey points in Chromium on a small phone (390x844), in Arabic and in English."""

import csv
import re

import pytest
from tests.browser.conftest import needs_routes, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.browser]
SMALL_PHONE = {"width": 390, "height": 844}
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.fixture(autouse=True)
def _portal_routes():
    needs_routes("portal:search", "portal:report", "portal:report_sent", "portal:reply", "portal:open")


def _card(server) -> tuple[str, str, str]:
    """A demo body's three numbers, from the synthetic archive's own sidecar."""
    with open(server.home / "demo-source" / "victims.csv", encoding="utf-8-sig") as f:
        row = next(csv.DictReader(f))
    digits = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
    return tuple(re.sub(r"\D", "", row[k].translate(digits)) for k in ("branch", "detainee_no", "exam_no"))


def _in_view(page, selector: str) -> bool:
    return page.evaluate(f"""() => {{ const r = document.querySelector({selector!r}).getBoundingClientRect();
                                     return r.top >= 0 && r.top < window.innerHeight; }}""")


@pytest.mark.parametrize("language", ["ar", "en"])
def test_it_shows_the_results_of_a_card_search_at_once_on_a_phone(server, new_page, tmp_path, language):
    page = new_page(language, SMALL_PHONE)
    branch, detainee, exam = _card(server)
    page.goto("search/")
    page.fill("#id_number", f"{branch}/{detainee}/{exam}".translate(ARABIC_INDIC))
    page.locator("main form.search button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith("#results")
    assert page.locator("ol.results li a").count() >= 1, page.content()[:3000]
    assert _in_view(page, "#results"), "the results are not on the screen after the search"
    screenshot(page, tmp_path, f"search-card-{language}")


@pytest.mark.parametrize("language", ["ar", "en"])
def test_it_explains_that_names_cannot_be_searched(server, new_page, tmp_path, language):
    page = new_page(language, SMALL_PHONE)
    page.goto("search/")
    page.fill("#id_number", "محمد الحلبي")
    page.locator("main form.search button[type=submit]").click()
    page.wait_for_load_state()
    nothing = page.locator(".nothing")
    assert nothing.count() == 1 and _in_view(page, ".nothing")
    assert nothing.locator("a[href='/ask/']").count() == 1 and nothing.locator("a[href='/report/']").count() == 1
    assert page.locator("ol.results").count() == 0
    screenshot(page, tmp_path, f"search-name-{language}")


def test_it_keeps_an_approximate_date_and_the_link_and_switches_language_on_the_confirmation(server, new_page,
                                                                                             tmp_path):
    page = new_page("ar", SMALL_PHONE)
    page.goto("report/")
    page.fill("#id_first_name_ar", "سامي")
    page.fill("#id_arrest_date_year", "٢٠١٣")  # only the year
    page.check("#id_arrest_date_approximate")
    page.fill("#id_age_at_arrest", "٣١")  # Arabic-Indic digits stay in a number field
    assert page.input_value("#id_age_at_arrest") == "٣١"
    assert page.get_attribute("#id_reporter_phone", "inputmode") == "tel"
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    link = page.locator("section.secret a.link").get_attribute("href")
    assert page.input_value("textarea.copy-field").strip() == link
    assert page.locator("a[href^='mailto:']").count() == 1 and page.locator("a[href^='sms:']").count() == 1
    screenshot(page, tmp_path, "confirmation-ar")
    page.locator("header a[lang=en]").click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("section.secret a.link").get_attribute("href") == link  # the link is not lost
    # the follow-up page: the date said back in words, a reply form that works, a language link
    page.goto(link)
    assert "2013" in page.locator("main").text_content() and "about" in page.locator("main").text_content()
    page.fill("textarea[name=body]", "I remembered: he has a scar on his left hand.")
    page.locator("form.reply button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#notice").count() == 1
    assert "scar on his left hand" in page.locator("article.message.from-family").text_content()
    page.locator("header a[lang=ar]").click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.dir") == "rtl" and "/f/" in page.url
    screenshot(page, tmp_path, "follow-up-ar")


def test_it_opens_a_pasted_link_from_the_home_page(server, new_page):
    reference, link = next(iter(server.followup.items()))
    page = new_page("en", SMALL_PHONE)
    page.goto("/")
    page.fill("#id_link", link)
    page.locator("form.open-link button[type=submit]").click()
    page.wait_for_load_state()
    assert reference in page.locator("h1").text_content()


def test_it_offers_english_to_a_phone_set_to_english(browser, server):
    context = browser.new_context(base_url=server.url, locale="en-GB", viewport=SMALL_PHONE)
    try:
        page = context.new_page()
        page.goto("/")
        assert page.evaluate("document.documentElement.lang") == "ar"  # Arabic first
        page.locator(".english-hint a").click()
        page.wait_for_load_state()
        assert page.evaluate("document.documentElement.lang") == "en"
    finally:
        context.close()
