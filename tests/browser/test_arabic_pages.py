"""Arabic pages in a real browser: right to left, and Arabic drawn as letters, not as empty boxes."""

import re

import pytest
from django.urls import NoReverseMatch, reverse

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SAMPLE = "ابحث عن قريبك المفقود"  # "search for your missing relative"

MEASURE = """([text, font]) => {
    const span = document.createElement("span");
    span.style.font = font;
    span.style.whiteSpace = "pre";
    span.textContent = text;
    document.body.appendChild(span);
    const width = span.getBoundingClientRect().width;
    span.remove();
    return width;
}"""


def _path(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        pytest.skip(f"waiting for the route {name}")


def _platform_fonts(page, selector: str) -> list[str]:
    """The fonts Chromium really drew an element's text with (what a screenshot shows), via DevTools."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return [font["familyName"] for font in fonts]


def _assert_arabic_drawn_right_to_left(page, main: str = "main") -> None:
    assert page.evaluate("document.documentElement.lang") == "ar"
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.eval_on_selector(main, "el => getComputedStyle(el).direction") == "rtl"
    font = page.eval_on_selector(main, "el => { const s = getComputedStyle(el); return s.fontSize + ' ' + s.fontFamily; }")
    arabic = page.evaluate(MEASURE, [SAMPLE, font])
    tofu = page.evaluate(MEASURE, ["\uffff" * len(SAMPLE), font])
    alefs = page.evaluate(MEASURE, ["ا" * 8, font])
    meems = page.evaluate(MEASURE, ["م" * 8, font])
    assert arabic > 0
    assert arabic != pytest.approx(tofu, abs=0.5), "Arabic letters are drawn as .notdef boxes (install fonts-noto-core)"
    assert alefs != pytest.approx(meems, abs=0.5), "every Arabic letter has the same width: boxes, not glyphs"
    drawn_with = _platform_fonts(page, "h1")
    assert any("Arabic" in family for family in drawn_with), f"the heading was drawn with {drawn_with}"


def test_it_draws_the_sign_in_page_right_to_left_with_arabic_glyphs(arabic_page, tmp_path):
    arabic_page.goto(reverse("login").lstrip("/"))
    shot = screenshot(arabic_page, tmp_path, "login-ar")
    assert shot.stat().st_size > 5_000
    assert re.search("[\u0600-\u06ff]", arabic_page.text_content("h1")), "the heading is not in Arabic"
    _assert_arabic_drawn_right_to_left(arabic_page)
    # The start of an RTL line is its right edge: the heading hugs the right, not the left, of the page.
    box = arabic_page.locator("h1").bounding_box()
    width = arabic_page.viewport_size["width"]
    assert box["x"] + box["width"] > width * 0.6


def test_it_draws_the_family_search_page_right_to_left_with_arabic_glyphs(arabic_page, tmp_path):
    arabic_page.goto(_path("portal:search").lstrip("/"))
    shot = screenshot(arabic_page, tmp_path, "portal-search-ar")
    assert shot.stat().st_size > 5_000
    _assert_arabic_drawn_right_to_left(arabic_page)
    # Nothing graphic is shown to a family who has not chosen to see it: no photo on the search page.
    assert arabic_page.locator("img[src*='thumbnail'], img[src*='original']").count() == 0
