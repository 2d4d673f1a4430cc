"""Figures, report and evidence package as staff and the public meet them, in a real browser against `dalil serve`.

Staff (the demo archivist) opens the statistics in Arabic (charts, right to left, Arabic glyphs drawn),
downloads the Arabic PDF report from the report form's job page (a PDF whose SHA-256 is the one the server states),
downloads the demo's evidence package from the exports page and validates it with bagit-python. A visitor
reaches the public figures from the portal's footer and finds no count from 1 to 4.
"""

import hashlib
import re
import zipfile

import pytest

from tests.browser.conftest import DESKTOP, needs_routes, screenshot, sign_in
from tests.browser.test_arabic_pages import _assert_arabic_drawn_right_to_left

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(autouse=True)
def _routes():
    needs_routes("reports:staff", "reports:public", "reports:report", "exports:jobs", "exports:download")


def test_staff_read_the_arabic_figures_and_download_the_arabic_pdf_report(server, new_page, tmp_path):
    page = new_page("ar", DESKTOP)
    sign_in(page, server, "demo-archivist")
    page.goto("statistics/?collection=demo")
    assert page.locator("#chart-cases_by_branch .bar-row").count() >= 1
    assert page.locator("svg.chart-drawing").count() >= 2  # the time series and the progress chart
    assert re.search("[\u0600-\u06ff]", page.text_content("h1"))
    _assert_arabic_drawn_right_to_left(page)
    # A bar of an RTL chart grows from the right: its track's right edge is right of its label's left edge.
    label = page.locator("#chart-cases_by_branch .bar-label").first.bounding_box()
    track = page.locator("#chart-cases_by_branch .bar-track").first.bounding_box()
    assert label["x"] > track["x"], "in Arabic the label comes first, on the right"
    assert screenshot(page, tmp_path, "statistics-ar").stat().st_size > 10_000

    page.locator("a.button[href*='statistics/report/']").click()
    page.wait_for_load_state()
    assert page.locator("#last-verifies").count() == 1  # the form says what the report will state
    page.select_option("select[name=lang]", "ar")
    page.select_option("select[name=format]", "pdf")
    page.select_option("select[name=profile]", "prosecutor")
    page.locator("form.report-form button[type=submit]").click()
    # The report is laid out by a background job (the worker `dalil serve` runs beside it); its page refreshes
    # itself (a meta refresh, no script) until the job is done, then offers the file.
    page.wait_for_url("**/jobs/*/", timeout=30_000)
    page.wait_for_selector("#job-state[data-state=done]", timeout=120_000)
    stated = page.locator("#output-sha256").text_content().strip()
    with page.expect_response(lambda r: "/download/" in r.url, timeout=120_000) as answer, \
            page.expect_download(timeout=120_000) as download:
        page.locator("a.button[href$='/download/']").click()
    response = answer.value
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert stated == response.headers["x-content-sha256"]
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    data = saved.read_bytes()
    assert saved.suffix == ".pdf" and data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]
    assert hashlib.sha256(data).hexdigest() == response.headers["x-content-sha256"]


def test_staff_download_the_demo_bag_and_it_validates(server, new_page, tmp_path):
    import bagit

    page = new_page("en", DESKTOP)
    sign_in(page, server, "demo-archivist")
    page.goto("exports/")
    link = page.locator("a[href$='/download/']").first
    assert link.count() == 1, "the demo offers an evidence package to download"
    job_hash = link.locator("xpath=ancestor::tr").locator("code.hash").text_content().strip()
    with page.expect_download(timeout=120_000) as download:
        link.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".zip"
    with zipfile.ZipFile(saved) as archive:
        archive.extractall(tmp_path / "unzipped")
        tops = {name.split("/")[0] for name in archive.namelist()}
    (top,) = tops
    bag = tmp_path / "unzipped" / top
    bagit.Bag(str(bag)).validate()  # every payload file against both manifests, and the tag manifests
    assert hashlib.sha256((bag / "tagmanifest-sha512.txt").read_bytes()).hexdigest() == job_hash
    assert (bag / "data" / "verify" / "check_package.py").is_file()


def test_the_public_figures_are_one_click_from_the_portal_and_show_no_small_cells(server, new_page, tmp_path):
    page = new_page("ar")
    page.goto("")
    page.locator("footer a[href$='statistics/public/']").click()
    page.wait_for_load_state()
    assert page.url.endswith("statistics/public/")
    assert "الأرشيف بالأرقام" in page.text_content("h1")
    _assert_arabic_drawn_right_to_left(page)
    cells = [t.strip() for t in page.locator("td.num").all_text_contents()]
    assert cells, "the public page shows tables"
    assert not [c for c in cells if c in {"1", "2", "3", "4", "١", "٢", "٣", "٤"}], cells
    assert page.locator("#suppression-note").count() == 1
    body = page.content()
    assert "DL-" not in body and "demo-archivist" not in body
    screenshot(page, tmp_path, "public-statistics-ar")
