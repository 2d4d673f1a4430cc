"""The small things a tester found, and the protections nobody had tested: each one checked here.

Signing out, static-file traversal, length limits on what families type, bidirectional controls in names,
the audit log's append-only protection, the session id a family's link gets, and the staff pages' cache headers.
"""

import http.client
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import Client, RequestFactory
from django.urls import reverse

from dalil.audit.models import AuditEvent, audit
from dalil.evidence.append_only import AppendOnlyError
from dalil.identification.models import Claim, MissingPersonReport, SearchRequest
from dalil.lib.roles import Role
from dalil.portal.access import ACTS_FOR
from tests.conftest import dalil
from tests.identification.personas import make_case, make_report, person

pytestmark = pytest.mark.django_db
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
TRAVERSALS = ["/static/%2e%2e/%2e%2e/settings.py", "/static/portal/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
              "/static/..%2f..%2fsettings.py", "/static/%2e%2e%5c%2e%2e%5csettings.py", "/static/portal%00.css",
              "/static//etc/passwd"]


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def staff_client(user) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


# ---------------------------------------------------------------- signing out


def test_it_signs_out_without_next_to_the_login_page(db):
    client = staff_client(person("salma", Role.CASEWORKER))
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


# ---------------------------------------------------------------- static files


def test_static_traversal_is_a_404_in_the_handler_dalil_serve_uses():
    app = StaticFilesHandler(get_wsgi_application())
    for path in ["/static/../settings.py", "/static/portal/../../../pyproject.toml", "/static/portal\x00.css"]:
        request = RequestFactory().get(path)
        response = app.get_response(request)
        assert response.status_code == 404, path
    assert app.get_response(RequestFactory().get("/static/portal/portal.css")).status_code == 200


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_static_traversal_through_a_real_dalil_serve_is_a_404_and_the_server_answers_on(cli_env):
    port = free_port()
    dalil(cli_env, "migrate", check=True)  # before the server starts, so it answers at once
    exe = Path(sys.executable).with_name("dalil")
    server = subprocess.Popen([str(exe), "serve", "--port", str(port)], env=cli_env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "dalil serve did not start"
                time.sleep(0.2)
        for path in TRAVERSALS + ["/static/portal/portal.css"]:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.putrequest("GET", path, skip_accept_encoding=True)  # sent as written, not normalised
            conn.endheaders()
            status = conn.getresponse().status
            conn.close()
            assert status == (200 if path.endswith("portal/portal.css") else 404), (path, status)
    finally:
        server.terminate()
        server.wait(timeout=30)


# ---------------------------------------------------------------- what families type


def test_marks_and_illnesses_have_a_length_limit_with_a_sentence(client):
    before = MissingPersonReport.objects.count()
    response = client.post("/report/", {"first_name_ar": "محمد", "distinguishing_marks": "ندبة " * 501,
                                        "chronic_illnesses": "x" * 2001}, HTTP_COOKIE="django_language=en")
    page = response.content.decode()
    assert response.status_code == 200 and MissingPersonReport.objects.count() == before
    assert "This is too long: please keep it under 2000 characters (it has 2504)." in page
    assert "(it has 2001)" in page and 'maxlength="2000"' in page
    arabic = client.post("/report/", {"first_name_ar": "محمد", "chronic_illnesses": "x" * 2001},
                         HTTP_COOKIE="django_language=ar").content.decode()
    assert "هذا النص أطول من اللازم: يُرجى ألا يتجاوز 2000 حرفًا (فيه الآن 2001)." in arabic
    client.post("/report/", {"first_name_ar": "محمد", "distinguishing_marks": "ن" * 2000})
    assert MissingPersonReport.objects.count() == before + 1


def test_a_two_megabyte_report_is_refused_and_nothing_is_stored(client):
    before = MissingPersonReport.objects.count()
    response = client.post("/report/", {"first_name_ar": "محمد", "distinguishing_marks": "a" * 2_000_000})
    assert response.status_code in (200, 400, 413)  # the form's limit, or the body limit before it
    assert MissingPersonReport.objects.count() == before


def test_a_claim_reason_and_a_note_to_the_caseworker_have_limits_too(client):
    case = make_case()
    report = make_report()
    session = client.session
    session[ACTS_FOR] = report.pk
    session.save()
    client.cookies["django_language"] = "en"
    response = client.post(reverse("portal:claim", args=[case.pk]), {"reason": "r" * 4001})
    assert "please keep it under 4000 characters" in response.content.decode() and not Claim.objects.exists()
    response = client.post(reverse("portal:ask"), {"note": "n" * 2001})
    assert "please keep it under 2000 characters" in response.content.decode()
    assert not SearchRequest.objects.exists()


# ---------------------------------------------------------------- bidirectional controls


def test_a_right_to_left_override_typed_in_a_name_is_not_stored(client):
    client.post("/report/", {"first_name_ar": f"سامر{RLO}gnp.exe", "first_name_latin": f"\u2066Samer{RLO}",
                             "distinguishing_marks": f"scar {RLO}tfel\u202c", "reporter_relationship": "أمه\u200f"})
    report = MissingPersonReport.objects.get()
    assert report.first_name_ar == "سامرgnp.exe" and report.first_name_latin == "Samer"
    assert report.distinguishing_marks == "scar tfel"
    assert report.reporter_relationship == "أمه\u200f"  # a right-to-left mark reorders nothing around it: kept


def test_a_stored_override_is_isolated_on_staff_pages(db):
    report = make_report(first_name_ar=f"سامر{RLO}", first_name_latin=f"Samer{RLO}",
                         distinguishing_marks=f"scar{RLO} left")  # as an import could store it
    client = staff_client(person("salma", Role.CASEWORKER))
    page = client.get(reverse("casework:report", args=[report.reference])).content.decode()
    for text in (report.full_name_ar(), report.full_name_latin(), f"scar{RLO} left"):
        assert f"<bdi>{text}" in page, text  # isolated: nothing after it is reordered
    queue = client.get(reverse("casework:queue")).content.decode()
    assert f"<bdi>{report.full_name_ar()}</bdi>" in queue


# ---------------------------------------------------------------- the audit log


def test_the_audit_log_refuses_updates_and_deletes_in_python():
    row = audit(None, AuditEvent.Action.VIEWED_CONTACT, "report:DL-1", actor="salma")
    row.actor = "someone else"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=row.pk).update(actor="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=row.pk).actor == "salma"


def test_the_audit_log_refuses_updates_and_deletes_in_sql(db):
    row = audit(None, AuditEvent.Action.VIEWED_CONTACT, "report:DL-1", actor="salma")
    for statement in (f"UPDATE audit_auditevent SET actor = 'x' WHERE id = {row.pk}",
                      f"UPDATE audit_auditevent SET target = 'report:DL-2' WHERE id = {row.pk}",
                      f"DELETE FROM audit_auditevent WHERE id = {row.pk}"):
        with pytest.raises((IntegrityError, DatabaseError), match="append-only"), transaction.atomic(), \
                connection.cursor() as cursor:
            cursor.execute(statement)
    stored = AuditEvent.objects.get(pk=row.pk)
    assert (stored.actor, stored.target) == ("salma", "report:DL-1")


# ---------------------------------------------------------------- the family's session


def test_opening_a_follow_up_link_gives_the_browser_a_new_session_id(client):
    token, digest = MissingPersonReport.issue_followup_token()
    report = MissingPersonReport.objects.create(followup_digest=digest, first_name_ar="محمد")
    session = client.session  # a session an attacker could have planted before the family opens the link
    session["planted"] = True
    session.save()
    planted = session.session_key
    assert client.get(reverse("portal:followup", args=[token])).status_code == 200
    fresh = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert fresh != planted and client.session[ACTS_FOR] == report.pk
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = planted
    assert ACTS_FOR not in attacker.session  # the planted id does not act for the report
    assert "محمد" not in attacker.get(reverse("portal:ask")).content.decode()


# ---------------------------------------------------------------- cache headers


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").lower().split(",") if part.strip()}


def test_staff_pages_and_images_are_never_stored_by_a_browser_or_proxy(tmp_path, settings):
    from dalil.archive.models import Photo
    from tests.exports.conftest import build

    settings.STORE_FSYNC = False
    archive = build(tmp_path)
    photo = Photo.objects.filter(case=archive.case_a).first()
    client = staff_client(person("rana", Role.ADMIN))
    pages = [reverse("archive:collections"), reverse("casework:queue"), reverse("exports:jobs"),
             reverse("archive:item", args=[photo.item.sha256]),
             reverse("casework:report", args=[archive.report_a.reference])]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert {"private", "no-store"} <= cache_control(response), (url, response.get("Cache-Control"))
    for url in (reverse("archive:thumbnail", args=[photo.item.sha256]),
                reverse("archive:preview", args=[photo.item.sha256])):
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"].startswith("image/"), url
        assert "private" in cache_control(response) and "public" not in cache_control(response), url
    missing = client.get("/archive/no-such-page/")
    assert missing.status_code == 404 and "no-store" in cache_control(missing)
