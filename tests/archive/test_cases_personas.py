"""Personas and builders shared by the test_cases_* modules (fixtures only, no tests here).

Import the fixtures you use: `from tests.archive.test_cases_personas import analyst, ...`.
"""

import datetime
import hashlib
import io

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client
from PIL import Image

from dalil.archive.grouping import group_photos
from dalil.archive.models import BodyCase, Photo
from dalil.evidence.models import Item
from dalil.lib.roles import grant
from tests.ingest.helpers import jpeg_bytes

# Numbers in the path: branch, detainee and examination folders are each optional.
PATTERN = (r"(?:branch-(?P<branch>\d+)/)?(?:det-(?P<detainee>\d+)/)?(?:exam-(?P<exam>\d+)/)?"
           r"(?P<date>\d{4}-\d{2}-\d{2})_(?P<seq>\d+)\.jpg$")


def person(username: str, first: str, last: str, *roles: str, staff: bool = False) -> User:
    # no password: tests sign in with force_login, and hashing one per persona would slow every test
    user = User.objects.create_user(username, first_name=first, last_name=last, is_staff=staff)
    if roles:
        grant(user, *roles)
    return user


@pytest.fixture
def analyst(db):
    return person("rana-analyst", "رنا", "الحلبي", "analyst")


@pytest.fixture
def second_analyst(db):
    return person("omar-analyst", "عمر", "الشامي", "analyst")


@pytest.fixture
def caseworker(db):
    return person("yusuf-caseworker", "يوسف", "الدرعاوي", "caseworker")


@pytest.fixture
def archivist(db):
    return person("huda-archivist", "هدى", "الحمصي", "archivist")


@pytest.fixture
def reviewer(db):
    return person("salma-reviewer", "سلمى", "الإدلبي", "reviewer")


@pytest.fixture
def outsider(db):
    """Staff, signed in, but with no role that may see cases."""
    return person("khaled-outsider", "خالد", "البيطار", staff=True)


@pytest.fixture
def family_member(db):
    return person("mariam-family", "مريم", "العلي")


def client_for(user=None, english: bool = True, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    if user is not None:
        client.force_login(user)
    if english:
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def make_photo(seed: int, branch="", detainee_no="", exam_no="", photo_date=None, case=None) -> Photo:
    """A Photo row as ingest would leave it (no store needed: pages only link to its derivatives)."""
    sha = hashlib.sha256(f"photo {seed}".encode()).hexdigest()
    item = Item.objects.create(sha256=sha, size=1000 + seed, media_type="image/jpeg")
    return Photo.objects.create(
        item=item, format="JPEG", width=640, height=480, branch=branch, detainee_no=detainee_no, exam_no=exam_no,
        photo_date=datetime.date.fromisoformat(photo_date) if photo_date else None, case=case,
        thumbnail_sha256=hashlib.sha256(f"thumb {seed}".encode()).hexdigest(),
        preview_sha256=hashlib.sha256(f"preview {seed}".encode()).hexdigest())


@pytest.fixture
def cases(db) -> dict:
    """Two bodies grouped from rows: 215/774/1141 (three photos) and 227/88/2002 (one photo)."""
    photos = [make_photo(1, "215", "774", "1141", "2012-05-04"), make_photo(2, "215", "774", "1141", "2012-05-03"),
              make_photo(3, "215", "774", "1141", "2012-05-04"), make_photo(4, "227", "88", "2002", "2013-01-10")]
    group_photos(actor="tester")
    return {"first": BodyCase.objects.get(exam_no="1141"), "second": BodyCase.objects.get(exam_no="2002"),
            "photos": photos}


def resaved(seed: int, quality: int = 60) -> bytes:
    """The scene of jpeg_bytes(seed) saved again at a lower quality and without EXIF: a near duplicate."""
    out = io.BytesIO()
    Image.open(io.BytesIO(jpeg_bytes(seed))).save(out, "JPEG", quality=quality)
    return out.getvalue()
