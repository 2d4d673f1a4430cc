"""Fresh verify in `dalil report`, the last recorded verify on the web (and with --no-verify), said plainly."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from dalil.archive.models import Photo
from dalil.evidence import verify
from dalil.evidence.models import CustodyEvent
from dalil.evidence.store import originals
from dalil.exports.models import ExportJob
from dalil.lib.roles import Role, grant
from dalil.reports import document
from tests.reports.conftest import COLLECTION, PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_jobs")]  # jobs run in the request


def _verifies() -> int:
    return CustodyEvent.objects.filter(action="verified").count()


def _web_report(lang: str = "en") -> tuple[str, ExportJob]:
    user = User.objects.create_user(f"maya-{ExportJob.objects.count()}", password=PASSWORD)
    grant(user, Role.ARCHIVIST)
    client = Client()
    client.cookies["django_language"] = lang
    client.force_login(user)
    response = client.post(reverse("reports:report"), {"collection": COLLECTION, "lang": lang, "format": "html",
                                                       "profile": "prosecutor"})
    assert response.status_code == 302, response.content.decode()[:2000]  # to the job's page (dalil.jobs)
    response = client.get(response["Location"] + "download/")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode(), ExportJob.objects.order_by("-pk").first()


def test_the_web_report_never_rehashes_and_says_when_no_verify_was_run(archive):
    page, job = _web_report()
    assert _verifies() == 0  # nothing was re-hashed inside the request
    assert 'id="verify-never"' in page and "No verify has been run on this collection" in page
    assert "no verify run yet: see section 2" in page and "every stored file matched" not in page
    assert job.summary["verify"] == "never" and job.summary["verified_ok"] is False
    assert job.scope["fresh_verify"] is False


def test_the_web_report_states_the_last_verify_with_its_time_and_result(archive):
    verify.verify(COLLECTION, actor="amal (cli)")
    event = CustodyEvent.objects.get(action="verified")
    page, job = _web_report()
    assert _verifies() == 1
    assert "The last recorded check" in page and f"row #{event.seq}, by amal (cli)" in page
    assert f"{event.at:%Y-%m-%d %H:%M:%S} UTC" in page and "Result of that check: no problem found." in page
    assert "No file was read again for this report" in page and 'id="verify-stale"' not in page
    assert job.summary["verify"] == "recorded" and job.summary["verified_ok"] is True
    assert job.summary["verified_at"] == event.at.isoformat()


def test_it_says_when_files_changed_after_the_last_verify_and_reports_its_problems(archive, tmp_path):
    photo = Photo.objects.filter(exam_no="1002").select_related("item").first()
    path = originals().path(photo.item.sha256)
    path.chmod(0o644)
    path.write_bytes(b"altered after ingest")
    verify.verify(COLLECTION, actor="amal")  # finds the altered file
    page, _job = _web_report()
    assert "Result: 1 problem found" in page and photo.item.sha256 in page
    call_command("seal", collection=COLLECTION)  # the collection changes after the check
    page, job = _web_report("ar")
    assert 'id="verify-stale"' in page and job.summary["verify_stale"] is True


def test_a_verify_of_the_whole_instance_counts_for_the_collection(archive):
    verify.verify(None, actor="cron")
    page, job = _web_report()
    assert job.summary["verify"] == "recorded" and "by cron" in page


def test_the_cli_runs_a_fresh_verify_by_default_and_reuses_the_last_with_no_verify(archive, tmp_path, capsys):
    call_command("report", str(tmp_path / "fresh.html"), "--collection", COLLECTION, "--lang", "en")
    out = capsys.readouterr().out
    assert _verifies() == 1 and "fresh verify: every file matched" in out
    page = (tmp_path / "fresh.html").read_text()
    assert "A fresh check" in page and "while this report was made" in page
    call_command("report", str(tmp_path / "reuse.html"), "--collection", COLLECTION, "--lang", "en", "--no-verify")
    out = capsys.readouterr().out
    assert _verifies() == 1 and "last recorded verify (" in out and "every file matched" in out
    page = (tmp_path / "reuse.html").read_text()
    assert "The last recorded check" in page and "while this report was made" not in page


def test_the_report_form_shows_the_last_verify_before_anyone_asks(archive):
    user = User.objects.create_user("nour", password=PASSWORD)
    grant(user, Role.ANALYST)
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    page = client.get(reverse("reports:report")).content.decode()
    assert 'id="last-verifies"' in page and "never verified: the report will say so" in page
    verify.verify(COLLECTION, actor="amal")
    page = client.get(reverse("reports:report")).content.decode()
    assert "files, no problem" in page and "never verified" not in page
    assert datetime.date.today().isoformat()[:4] in page


def test_generate_keeps_the_fresh_verify_for_callers_that_ask(archive, tmp_path):
    job = document.generate(document.Request(collection=COLLECTION, format="html", lang="en"), tmp_path / "r.html")
    assert job.summary["verify"] == "fresh" and job.summary["verified_ok"] is True and _verifies() == 1
