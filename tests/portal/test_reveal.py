"""The reveal ladder: nothing graphic until chosen, each step a POST, audited once, never the original."""

import hashlib
import io
import re

import pytest
from django.test import Client
from PIL import Image

from dalil.audit.models import AuditEvent
from tests.portal.conftest import SERIAL, file_report

pytestmark = pytest.mark.django_db
Action = AuditEvent.Action


def _images(page: str) -> list[str]:
    return re.findall(r'<img src="([^"]+)"', page)


def test_it_shows_the_case_in_words_and_no_image_before_a_reveal(family, archive):
    case = archive["custody"]
    response = family.get(f"/case/{case.pk}/")
    page = response.content.decode()
    assert response.status_code == 200 and response["Referrer-Policy"] == "no-referrer"
    assert "3042" in page and "1001" in page and "ندبة" in page
    assert "<img" not in page and "/image/" not in page
    assert 'value="preview"' in page and "/ask/" in page


def test_it_refuses_an_image_before_its_reveal(family, archive):
    case = archive["custody"]
    photo = case.photos.first()
    assert family.get(f"/case/{case.pk}/image/{photo.pk}/preview.jpg").status_code == 403
    assert family.get(f"/case/{case.pk}/image/{photo.pk}/photo.jpg").status_code == 403
    family.post(f"/case/{case.pk}/reveal/", {"level": "preview"})
    assert family.get(f"/case/{case.pk}/image/{photo.pk}/preview.jpg").status_code == 200
    assert family.get(f"/case/{case.pk}/image/{photo.pk}/photo.jpg").status_code == 403
    other = archive["unknown"]
    assert Client().get(f"/case/{case.pk}/image/{photo.pk}/preview.jpg").status_code == 403  # another browser
    assert family.get(f"/case/{other.pk}/image/{photo.pk}/preview.jpg").status_code == 403  # not chosen there


def test_it_audits_each_reveal_level_once(family, archive):
    case = archive["custody"]
    url = f"/case/{case.pk}/reveal/"
    family.post(url, {"level": "preview"})
    family.post(url, {"level": "preview"})
    page = family.get(f"/case/{case.pk}/").content.decode()
    for src in _images(page):
        assert family.get(src).status_code == 200
    family.post(url, {"level": "face"})
    response = family.post(url, {"level": "photo"})  # without the warning screen: sent there, nothing shown
    assert response.status_code == 302 and response["Location"] == f"/case/{case.pk}/warning/"
    assert family.get(f"/case/{case.pk}/warning/").status_code == 200
    family.post(url, {"level": "photo", "understood": "yes"})
    family.post(url, {"level": "photo", "understood": "yes"})
    events = AuditEvent.objects.filter(target=f"case:{case.pk}")
    assert sorted(e.action for e in events) == sorted([Action.REVEALED_PREVIEW, Action.REVEALED_FACE,
                                                       Action.REVEALED_PHOTO])
    assert {e.actor for e in events} == {"anonymous"}


def test_it_says_plainly_when_no_face_was_found_in_a_case(family, archive, settings):
    case = archive["custody"]
    family.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    family.post(f"/case/{case.pk}/reveal/", {"level": "preview"})
    family.post(f"/case/{case.pk}/reveal/", {"level": "face"})
    page = family.get(f"/case/{case.pk}/").content.decode()
    assert "No face could be found in the photographs of this case" in page
    assert f"/case/{case.pk}/warning/" in page and "/ask/" in page


def test_it_serves_blurred_previews_then_metadata_free_thumbnails_never_the_original(family, archive):
    case = archive["custody"]
    url = f"/case/{case.pk}/reveal/"
    family.post(url, {"level": "preview"})
    previews = _images(family.get(f"/case/{case.pk}/").content.decode())
    assert len(previews) == case.photos.count() == 2 and all(s.endswith("/preview.jpg") for s in previews)
    family.post(url, {"level": "face"})
    family.post(url, {"level": "photo", "understood": "yes"})
    page = family.get(f"/case/{case.pk}/").content.decode()
    thumbs = _images(page)
    assert len(thumbs) == 2 and all(s.endswith("/photo.jpg") for s in thumbs)
    assert 'loading="lazy"' in page
    originals = {p.item.sha256 for p in case.photos.select_related("item")}
    wanted = {p.thumbnail_sha256 for p in case.photos.all()}
    for src in thumbs:
        response = family.get(src)
        data = b"".join(response.streaming_content)
        assert response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"] == "private, no-store"
        assert hashlib.sha256(data).hexdigest() in wanted
        assert hashlib.sha256(data).hexdigest() not in originals
        assert SERIAL.encode() not in data and b"Exif" not in data
        assert not Image.open(io.BytesIO(data)).getexif()


def test_it_hides_the_pictures_again_on_request(family, archive):
    case = archive["custody"]
    family.post(f"/case/{case.pk}/reveal/", {"level": "preview"})
    family.post(f"/case/{case.pk}/reveal/", {"level": "none"})
    assert "<img" not in family.get(f"/case/{case.pk}/").content.decode()


def test_it_names_the_family_in_the_audit_when_the_browser_acts_for_a_report(family, archive):
    _, report, _ = file_report(family)
    case = archive["unknown"]
    family.post(f"/case/{case.pk}/reveal/", {"level": "preview"})
    event = AuditEvent.objects.get(action=Action.REVEALED_PREVIEW)
    assert event.actor == f"family:{report.reference}" and event.target == f"case:{case.pk}"


def test_it_refuses_reveals_without_post_or_csrf(archive):
    case = archive["custody"]
    assert Client().get(f"/case/{case.pk}/reveal/?level=preview").status_code == 405
    assert Client(enforce_csrf_checks=True).post(f"/case/{case.pk}/reveal/", {"level": "preview"}).status_code == 403
    assert not AuditEvent.objects.exists()


def test_it_serves_no_picture_of_another_case_through_this_one(family, archive):
    case, other = archive["custody"], archive["unknown"]
    family.post(f"/case/{case.pk}/reveal/", {"level": "preview"})
    stranger = other.photos.first()
    assert family.get(f"/case/{case.pk}/image/{stranger.pk}/preview.jpg").status_code == 404
    assert family.get(f"/case/{case.pk}/image/{stranger.pk}/original.jpg").status_code == 404
