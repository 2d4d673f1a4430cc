"""From a report to a confirmed identification: a caseworker proposes, two different reviewers confirm."""

from urllib.parse import urlparse

import pytest

from dalil.ingest.demo_data import MATCHING_REFERENCE
from tests.browser.conftest import DESKTOP, needs_routes, screenshot, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _factor(text: str) -> float:
    """A weight of evidence as shown ("×290", "×3.8", "÷20", "×1,200") as the factor it multiplies the odds by."""
    text = text.strip().replace(",", "").replace("\u066c", "")
    number = float(text.lstrip("×÷"))
    return 1 / number if text.startswith("÷") else number


@pytest.fixture(autouse=True)
def _casework_routes():
    needs_routes("casework:queue", "casework:report", "casework:propose", "casework:identification",
                 "casework:identification_step", "portal:followup")


def test_it_confirms_an_identification_after_two_reviewers_and_tells_the_family(server, new_page, tmp_path):
    # The caseworker: the queue, the report, its ranked candidates with reasons, a proposal.
    caseworker = new_page("en", DESKTOP)
    sign_in(caseworker, server, "demo-caseworker")
    caseworker.goto("casework/")
    caseworker.locator(f"#reports ~ div a:has-text('{MATCHING_REFERENCE}')").first.click()
    caseworker.wait_for_load_state()
    branch = caseworker.locator("dt:has-text('Arresting branch') + dd").text_content().strip()
    rows = caseworker.locator("#candidates ~ div table tbody tr")
    assert rows.count() >= 2, "expected several candidate cases"
    first = rows.first
    assert first.locator("span.numbers3").text_content().strip().startswith(f"{branch} /")
    reasons = first.locator("ul.reasons li")
    assert reasons.count() >= 1 and reasons.first.text_content().strip()
    scores = [_factor(s) for s in rows.locator("td.num").all_text_contents()]
    assert scores == sorted(scores, reverse=True), scores
    screenshot(caseworker, tmp_path, "1-candidates")
    first.locator("button[type=submit]").click()
    caseworker.wait_for_load_state()
    # proposing asks first: why this case (for the reviewers), and a tick
    caseworker.fill("#propose-note", "The branch matches and the case is dated after the arrest.")
    caseworker.check("input[name=confirmed]")
    caseworker.locator("form:has(input[name=step]) button[type=submit]").click()
    caseworker.wait_for_load_state()
    assert "/casework/identifications/" in caseworker.url
    identification = caseworker.url
    assert caseworker.locator("h1 .state-claimed").count() == 1
    assert caseworker.locator("input[name=action][value=corroborate]").count() == 0  # caseworkers do not review

    # The first reviewer corroborates, and may not confirm their own corroboration.
    reviewer = new_page("en", DESKTOP)
    sign_in(reviewer, server, "demo-reviewer")
    reviewer.goto("casework/")
    assert reviewer.locator(f"#review ~ div a[href='{urlparse(identification).path}']").count() == 1
    reviewer.goto(identification)
    reviewer.fill("#corroborate-note", "The branch matches and the case is dated weeks after the arrest.")
    reviewer.locator("form:has(input[value=corroborate]) button[type=submit]").click()
    reviewer.wait_for_load_state()
    assert reviewer.locator("h1 .state-corroborated").count() == 1
    assert reviewer.locator("input[name=action][value=confirm]").count() == 0
    screenshot(reviewer, tmp_path, "2-corroborated")

    # A second, different reviewer confirms.
    second = new_page("en", DESKTOP)
    sign_in(second, server, "demo-reviewer2")
    second.goto(identification)
    second.fill("#confirm-note", "Numbers, dates and marks checked against the report.")
    second.check("form:has(input[value=confirm]) input[name=confirmed]")
    second.locator("form:has(input[value=confirm]) button[type=submit]").click()
    second.wait_for_load_state()
    assert second.locator("h1 .state-confirmed").count() == 1
    screenshot(second, tmp_path, "3-confirmed")

    # Until a caseworker records that the family was told, their follow-up page says only that someone will call.
    family = new_page("ar")
    family.goto(server.followup[MATCHING_REFERENCE])
    assert MATCHING_REFERENCE in family.locator("h1").text_content()
    assert family.locator("section.found").count() == 0
    caseworker.goto(f"casework/reports/{MATCHING_REFERENCE}/")
    told = caseworker.locator("div.family-told form")
    told.locator("select[name=how]").select_option("phone")
    told.locator("button[type=submit]").click()
    caseworker.wait_for_load_state()
    assert caseworker.locator("div.family-told form").count() == 0

    # Now the family's follow-up link (in Arabic) shows the confirmed result.
    family.reload()
    assert family.locator("section.found").count() == 1
    screenshot(family, tmp_path, "4-family-follow-up")
