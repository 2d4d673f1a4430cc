"""Fixtures for the family portal: an archive made by the real ingest, body cases, personas with Arabic names."""

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from dalil.archive.models import BodyCase, Photo
from dalil.identification.models import MissingPersonReport
from tests.ingest.helpers import jpeg_bytes, run, write

PATTERN = r"branch-(?P<branch>\d+)/(?P<month>\d{4}-\d{2})/exam-(?P<exam>\d+)/\d+_(?P<seq>\d+)\.jpg"
SERIAL = "SN-4711"

# Umm Mohammed, a mother reporting her son, in her own words.
MOTHER = {
    "first_name_ar": "محمد", "father_name_ar": "أحمد", "grandfather_name_ar": "عبد الله",
    "family_name_ar": "الحلبي", "mother_name_ar": "فاطمة",
    "first_name_latin": "Mohammed", "family_name_latin": "al-Halabi",
    "sex": "male", "age_at_arrest": "٢٨", "home_town": "داريا",
    "arrest_date": "2012-11-03", "arrest_place": "حاجز المعضمية", "arresting_branch": "٢١٥",
    "distinguishing_marks": "ندبة على الكتف الأيسر",
    "reporter_name": "أم محمد", "reporter_relationship": "أمه",
    "reporter_phone": "+963 944 123 456", "reporter_email": "umm.mohammed@example.org",
    "consent_contact": "on", "would_testify": "maybe",
}


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def family():
    """A browser with no account, as a family member uses the portal."""
    return Client()


@pytest.fixture
def caseworker(db):
    """Rim, a caseworker who writes to families."""
    return User.objects.create_user("rim.caseworker", password="a long enough password 1", first_name="ريم",
                                    is_staff=True)


def file_report(client, **changes):
    """Submit the report form as Umm Mohammed would; returns (response, report, token)."""
    data = {**MOTHER, **changes}
    data = {k: v for k, v in data.items() if v is not None}
    response = client.post("/report/", data)
    assert response.status_code == 200, response.content.decode()[:3000]
    report = MissingPersonReport.objects.order_by("-pk").first()
    match = re.search(r"/f/([A-Za-z0-9_\-]+)/", response.content.decode())
    return response, report, match.group(1) if match else None


def _case_for(exam_no: str, **fields) -> BodyCase:
    """The case holding the photos with this examination number (grouped by ingest, or made here)."""
    photos = Photo.objects.filter(exam_no=exam_no)
    case = next((p.case for p in photos if p.case_id), None) or BodyCase()
    for name, value in fields.items():
        setattr(case, name, value)
    case.exam_no = exam_no
    case.save()
    photos.update(case=case)
    return case


@pytest.fixture
def archive(instance, settings, tmp_path):
    """Three bodies ingested for real (photos with camera EXIF), described as an analyst would."""
    settings.STORE_FSYNC = False
    src = tmp_path / "src"
    write(src / "branch-215/2013-05/exam-1001/1001_01.jpg", jpeg_bytes(1, serial=SERIAL))
    write(src / "branch-215/2013-05/exam-1001/1001_02.jpg", jpeg_bytes(2, serial=SERIAL))
    write(src / "branch-227/2013-08/exam-2002/2002_01.jpg", jpeg_bytes(3, serial=SERIAL))
    write(src / "branch-215/2013-09/exam-3003/3003_01.jpg", jpeg_bytes(4, serial=SERIAL))
    summary = run(src, collection="caesar-test", pattern=PATTERN)
    assert summary.ingested == 4, summary
    custody = _case_for("1001", branch="215", detainee_no="3042", category=BodyCase.Category.CUSTODY,
                        date=datetime.date(2013, 5, 14), sex="male", age_min=25, age_max=35,
                        marks="ندبة على الكتفِ الأيسر، وشم صغير")
    unknown = _case_for("2002", branch="227", detainee_no="0077", category=BodyCase.Category.UNKNOWN,
                        date=datetime.date(2013, 8, 2), sex="male", marks="")
    soldier = _case_for("3003", branch="215", detainee_no="5555", category=BodyCase.Category.SOLDIER,
                        marks="ندبة")
    merged = BodyCase.objects.create(branch="215", detainee_no="3042", exam_no="1001",
                                     category=BodyCase.Category.CUSTODY, marks="ندبة", merged_into=custody)
    return {"custody": custody, "unknown": unknown, "soldier": soldier, "merged": merged}
