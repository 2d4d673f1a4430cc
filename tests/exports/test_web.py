"""The exports page: archivists export and download bags; nobody else does; every download is audited."""

import hashlib
import io
import zipfile
from pathlib import Path

import bagit
import pytest
from django.test import Client
from django.urls import reverse

from dalil.audit.models import AuditEvent
from dalil.exports.models import ExportJob
from dalil.exports.views import ChangedOnDisk
from tests.exports.conftest import person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_jobs")]  # jobs run in the request


def client_for(user=None) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    if user is not None:
        client.force_login(user)
    return client


def test_an_archivist_exports_a_case_and_downloads_it_as_a_zip(archive, archivist, tmp_path, settings):
    client = client_for(archivist)
    response = client.post(reverse("exports:create"), {"case": archive.case_a.pk, "profile": "prosecutor",
                                                       "recipient": "ICC OTP"})
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert job.status == "done" and job.requested_by == "huda" and job.recipient == "ICC OTP"
    assert job.output.startswith(str(settings.HOME / "exports" / str(job.pk)))
    page = client.get(reverse("exports:jobs"))
    assert page.status_code == 200 and job.output_sha256 in page.content.decode()
    assert reverse("exports:download", args=[job.pk]) in page.content.decode()
    download = client.get(reverse("exports:download", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    body = b"".join(download.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as archive_zip:
        archive_zip.extractall(tmp_path / "unzipped")
        names = archive_zip.namelist()
    (top,) = {n.split("/")[0] for n in names}
    bag = tmp_path / "unzipped" / top
    bagit.Bag(str(bag)).validate()
    assert hashlib.sha256((bag / "tagmanifest-sha512.txt").read_bytes()).hexdigest() == job.output_sha256
    event = AuditEvent.objects.get(action="downloaded_export")
    assert event.actor == "huda" and event.target == f"export:{job.pk}"


def test_the_form_says_why_it_cannot_export(archive, archivist):
    client = client_for(archivist)
    response = client.post(reverse("exports:create"), {"case": archive.case_a.pk, "profile": "public",
                                                       "recipient": "the press"})
    assert response.status_code == 400 and "aggregates only" in response.content.decode()
    response = client.post(reverse("exports:create"), {"case": archive.case_a.pk, "collection": "caesar",
                                                       "profile": "partner", "recipient": "x"})
    assert response.status_code == 400 and "exactly one" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_a_bag_changed_on_disk_is_not_served(archive, archivist):
    client = client_for(archivist)
    client.post(reverse("exports:create"), {"collection": "caesar", "profile": "partner", "recipient": "UN IIIM"})
    job = ExportJob.objects.get()
    bag = Path(job.output)
    info = (bag / "bag-info.txt").read_text()
    (bag / "bag-info.txt").write_text(info.replace("dalil archive", "someone else"))
    response = client.get(reverse("exports:download", args=[job.pk]))
    assert response.status_code == 409 and "bag-info.txt" in response.content.decode()
    assert not AuditEvent.objects.filter(action="downloaded_export").exists()
    (bag / "bag-info.txt").write_text(info)
    photo = next((bag / "data" / "redacted").iterdir())
    photo.write_bytes(photo.read_bytes()[:-1] + b"\x00")
    response = client.get(reverse("exports:download", args=[job.pk]))
    with pytest.raises(ChangedOnDisk, match=photo.name):
        b"".join(response.streaming_content)


@pytest.mark.parametrize("role", ["analyst", "caseworker", "reviewer"])
def test_other_staff_may_neither_export_nor_download(archive, archivist, role):
    client_for(archivist).post(reverse("exports:create"), {"case": archive.case_a.pk, "profile": "prosecutor",
                                                           "recipient": "ICC OTP"})
    job = ExportJob.objects.get()
    client = client_for(person(f"someone-{role}", role))
    assert client.get(reverse("exports:jobs")).status_code == 403
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 403
    assert client.post(reverse("exports:create"), {"case": archive.case_a.pk, "profile": "prosecutor",
                                                   "recipient": "x"}).status_code == 403
    assert ExportJob.objects.count() == 1


def test_anonymous_visitors_go_to_the_login_page(archive):
    for url in (reverse("exports:jobs"), reverse("exports:download", args=[1])):
        response = client_for().get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_exports_page_speaks_arabic(archive, archivist):
    client = client_for(archivist)
    client.cookies["django_language"] = "ar"
    page = client.get(reverse("exports:jobs")).content.decode()
    assert "مهام التصدير" in page and "حزمة أدلة جديدة" in page and 'dir="rtl"' in page
