"""A caseworker finds a report by a name spelled another way, and links two reports of one person (dalil.names)."""

import pytest
from tests.browser.conftest import DESKTOP, needs_routes, screenshot, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.browser]

MOTHERS_REPORT = "DL-DEMX-2222"  # the demo's «مازن خالد سعيد العلي», reported by his mother in Arabic


@pytest.fixture(autouse=True)
def _routes():
    needs_routes("portal:report", "names:search", "names:duplicates", "names:duplicate", "names:decide")


def test_it_finds_a_name_across_scripts_and_links_a_brothers_report_without_telling_either_family(
        server, new_page, tmp_path):
    # 1. His brother, abroad, reports him in English on the portal, spelling the names his own way.
    brother = new_page("en")
    brother.goto("report/")
    brother.fill("#id_first_name_latin", "Mazen")
    brother.fill("#id_father_name_latin", "Khalid")
    brother.fill("#id_family_name_latin", "Alali")
    brother.fill("#id_mother_name_latin", "Fatmeh")
    brother.fill("#id_home_town", "Darayya")
    brother.fill("#id_arrest_date_year", "2012")
    brother.fill("#id_reporter_name", "Brother")
    brother.fill("#id_reporter_phone", "+000 0000 0099")
    brother.check("#id_consent_contact")
    brother.locator("main form button[type=submit]").click()
    brother.wait_for_load_state()
    link = brother.locator("section.secret a.link").get_attribute("href")
    reference = brother.locator("bdi.ref").first.text_content().strip()

    # 2. The caseworker searches a third spelling and finds both reports, each with its reasons.
    caseworker = new_page("en", DESKTOP)
    sign_in(caseworker, server, "demo-caseworker")
    caseworker.goto("names/search/")
    caseworker.fill("#q", "Mazin El Ali")
    caseworker.locator("main form button[type=submit]").click()
    caseworker.wait_for_load_state()
    rows = caseworker.locator("main table tbody tr")
    text = " ".join(rows.all_text_contents())
    assert MOTHERS_REPORT in caseworker.content() and reference in caseworker.content()
    assert "first name: Mazin ~ مازن" in text
    screenshot(caseworker, tmp_path, "1-name-search")

    # 3. The pair waits among the possible duplicates; the caseworker reviews it and links them.
    caseworker.goto("names/duplicates/")
    pair = caseworker.locator(f"main table tbody tr:has-text('{reference}')")
    assert pair.count() == 1 and MOTHERS_REPORT in pair.text_content()
    assert "mother's name" in pair.text_content()
    pair.locator("a").first.click()
    caseworker.wait_for_load_state()
    caseworker.fill("#note", "Same parents and town; the brother wrote from abroad.")
    caseworker.locator("button[name=decision][value=link]").click()
    caseworker.wait_for_load_state()
    assert "State: the same person" in caseworker.content()
    assert caseworker.locator("button[name=decision][value=reopen]").count() == 1  # reversible
    screenshot(caseworker, tmp_path, "2-linked")

    # 4. The brother's follow-up page says nothing of his mother's report.
    later = new_page("en")
    later.goto(link)
    assert MOTHERS_REPORT not in later.content() and "مازن" not in later.content()
