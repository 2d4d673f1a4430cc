"""The documented production setup, for real: Chromium -> nginx (TLS) -> `dalil serve` (DALIL_PRODUCTION=1)."""

import re
import urllib.request

import pytest

from tests.browser.conftest import sign_in
from tests.deploy.conftest import HOST, can_bind, insecure_tls, peer_request

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_it_lets_a_family_report_over_https_and_gives_a_working_https_follow_up_link(https_site, https_page):
    page = https_page("en")
    form = page.goto("report/")
    assert form.status == 200 and page.url.startswith(https_site.url)
    hsts = form.headers.get("strict-transport-security", "")
    assert re.fullmatch(r"max-age=31536000; includeSubDomains", hsts), hsts
    page.fill("#id_first_name_ar", "يوسف")
    page.fill("#id_family_name_ar", "الخطيب")
    page.fill("#id_reporter_name", "أم يوسف")
    page.fill("#id_reporter_phone", "+000 0000 0003")
    page.check("#id_consent_contact")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    # Django's CSRF check passed through the proxy (Origin https://127.0.0.1:PORT = the request's real scheme and host)
    link = page.locator("section.secret a.link").get_attribute("href")
    assert link.startswith(f"{https_site.url}f/"), link
    reference = page.locator("bdi.ref").first.text_content().strip()
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["sessionid"]["secure"] and cookies["sessionid"]["httpOnly"], cookies
    assert cookies["csrftoken"]["secure"], cookies
    assert page.csp_violations == []

    # The link works on another device (a new browser with no cookies).
    other = https_page("en")
    followup = other.goto(link)
    assert followup.status == 200 and other.url.startswith(https_site.url)
    assert reference in other.content()
    assert other.csp_violations == []


def test_it_prints_follow_up_links_with_the_public_https_address(https_site):
    assert https_site.followup, "dalil demo printed no follow-up links"
    for link in https_site.followup.values():
        assert link.startswith(f"{https_site.url}f/"), link
        with urllib.request.urlopen(link, context=insecure_tls(), timeout=10) as response:
            assert response.status == 200


def test_it_signs_a_staff_member_in_over_https(https_site, https_page):
    page = https_page("en")
    sign_in(page, https_site, "demo-caseworker")  # the password, then the code from the authenticator app
    response = page.goto("casework/")
    assert response.status == 200 and page.url == f"{https_site.url}casework/", page.url
    for header in ("content-security-policy", "permissions-policy", "x-content-type-options", "referrer-policy"):
        assert header in response.headers, header
    assert all(c["secure"] for c in page.context.cookies()), page.context.cookies()
    # The figures' bars are drawn by the stylesheet and SVG, not inline styles the policy would refuse.
    assert page.goto("casework/figures/").status == 200
    widths = page.locator("td.chart .bar rect").evaluate_all("rects => rects.map(r => r.getBBox().width)")
    assert widths and max(widths) == 100, widths  # the longest bar fills its track
    assert page.csp_violations == []


def test_it_believes_forwarded_headers_from_the_proxy_only(https_site):
    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Host": "evil.example",
              "Host": f"{HOST}:{https_site.app_port}"}
    # From the proxy's address the scheme is believed: no redirect to HTTPS.
    status, _ = peer_request(https_site.app_port, "/login/", forged, source="127.0.0.1")
    assert status == 400  # ...and so is the host, which is not an allowed one
    status, _ = peer_request(https_site.app_port, "/login/", {k: v for k, v in forged.items()
                                                               if k != "X-Forwarded-Host"}, source="127.0.0.1")
    assert status == 200
    if not can_bind("127.0.0.2"):
        pytest.skip("this machine's loopback has no 127.0.0.2 to be a peer other than the proxy")
    # From any other peer the headers are dropped: production redirects plain HTTP to HTTPS, on the real host.
    status, headers = peer_request(https_site.app_port, "/login/", forged, source="127.0.0.2")
    assert status == 301, status
    assert headers["location"] == f"https://{HOST}:{https_site.app_port}/login/"
