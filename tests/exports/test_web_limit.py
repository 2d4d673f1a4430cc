"""The web form refuses packages too large to make while a page waits, and names the command that makes them."""

import pytest
from django.test import Client
from django.urls import reverse

from dalil.exports.models import ExportJob

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def test_a_collection_over_the_file_limit_is_refused_with_the_command_line_to_use(archive, archivist, settings):
    settings.EXPORT_WEB_MAX_FILES = 3  # the collection holds 3 photos and a text file
    response = _client(archivist).post(reverse("exports:create"), {
        "collection": "caesar", "profile": "prosecutor", "recipient": "ICC OTP"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This package would hold 4 files" in page and "Nothing was written" in page
    assert "dalil export bag --collection caesar --profile prosecutor --recipient &#x27;ICC OTP&#x27;" in page
    assert not ExportJob.objects.exists()


def test_a_package_over_the_byte_limit_is_refused_too_and_a_small_one_is_made(archive, archivist, settings):
    settings.EXPORT_WEB_MAX_BYTES = 1000
    client = _client(archivist)
    refused = client.post(reverse("exports:create"), {"case": archive.case_a.pk, "profile": "partner",
                                                      "recipient": "UN IIIM"})
    assert refused.status_code == 400 and f"--case {archive.case_a.pk} --profile partner" in refused.content.decode()
    assert not ExportJob.objects.exists()
    settings.EXPORT_WEB_MAX_BYTES = 10**9
    made = client.post(reverse("exports:create"), {"case": archive.case_a.pk, "profile": "partner",
                                                   "recipient": "UN IIIM"})
    assert made.status_code == 302 and ExportJob.objects.get().status == "done"


def test_the_exports_page_states_the_limit(archive, archivist):
    page = _client(archivist).get(reverse("exports:jobs")).content.decode()
    assert 'id="web-limit"' in page and "2,000 files" in page and "4.0 GB" in page
