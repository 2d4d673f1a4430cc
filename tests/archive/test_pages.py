"""The staff archive browser, on data made by the real ingest pipeline."""

import io
import re

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from PIL import Image, ImageDraw, ImageFilter

from dalil.archive.models import NearDuplicate, Photo
from dalil.evidence.models import CustodyEvent, Item, Sighting
from dalil.ingest.pipeline import Options, ingest
from dalil.lib.roles import Role, grant

pytestmark = pytest.mark.django_db

PATTERN = r"branch-(?P<branch>\d+)/(?P<month>\d{4}-\d{2})/exam-(?P<exam>\d+)/\d+_(?P<seq>\d+)\.jpg"
SERIAL = "3017542"
PASSWORD = "a long enough password 1"


def _scene(seed: int) -> Image.Image:
    """An abstract scene with clear edges (so its PDQ hash is of good quality)."""
    import random

    rng = random.Random(seed)
    image = Image.new("RGB", (640, 480), (rng.randrange(80, 200), rng.randrange(80, 200), rng.randrange(80, 200)))
    draw = ImageDraw.Draw(image)
    for _ in range(14):
        x, y = rng.randrange(-50, 600), rng.randrange(-50, 440)
        w, h = rng.randrange(40, 260), rng.randrange(40, 220)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x, y, x + w, y + h), fill=colour)
    return image.filter(ImageFilter.GaussianBlur(1.5))


def _jpeg(image: Image.Image, quality: int = 90, camera: bool = True) -> bytes:
    exif = Image.Exif()
    if camera:
        exif[0x010F] = "NIKON CORPORATION"
        exif[0x0110] = "NIKON D90"
        sub = exif.get_ifd(0x8769)
        sub[0x9003] = "2012:05:03 10:11:12"  # DateTimeOriginal
        sub[0xA431] = SERIAL  # BodySerialNumber
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture
def archive(tmp_path, settings):
    settings.HOME = tmp_path
    settings.STORE_URL = str(tmp_path / "store")
    settings.DERIVATIVES_URL = str(tmp_path / "derivatives")
    settings.STORE_FSYNC = False
    src = tmp_path / "src"
    files = {
        "branch-215/2012-05/exam-1001/1001_01.jpg": _jpeg(_scene(1)),
        "branch-215/2012-05/exam-1001/1001_02.jpg": _jpeg(_scene(2)),
        "branch-227/2013-01/exam-2002/2002_01.jpg": _jpeg(_scene(3)),
        # the first photo re-saved at a lower quality: a near duplicate
        "batch-2/branch-215/2012-05/exam-1001/1001_01.jpg": _jpeg(_scene(1), quality=60),
        # cut short: quarantined as corrupt, its bytes kept
        "branch-227/2013-01/exam-2002/2002_02.jpg": _jpeg(_scene(4))[:3000],
    }
    for rel, data in files.items():
        path = src / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (src / "notes.html").write_bytes(b"<html><script>alert(1)</script></html>\n")
    summary = ingest(src, Options(collection="caesar-test", received_from="tests", medium="tmp",
                                  pattern=PATTERN, workers=1, actor="pytest"))
    assert summary.ingested == 4 and summary.quarantined == 2, summary
    first = Photo.objects.get(branch="215", exam_no="1001", sequence=1, item__sightings__path__startswith="branch-")
    broken = Sighting.objects.get(problem_code="corrupt_image").item
    return {
        "collection": "caesar-test",
        "sha": first.item.sha256,
        "original": files["branch-215/2012-05/exam-1001/1001_01.jpg"],
        "quarantined_sha": broken.sha256,
        "pair": NearDuplicate.objects.get().pk,
    }


@pytest.fixture
def staff(db):
    user = User.objects.create_user("archivist", password=PASSWORD)
    grant(user, Role.ARCHIVIST)
    return user


@pytest.fixture
def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client


def _english(client: Client) -> Client:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# The archive browser's own routes (every route's access rule, for every role, is in tests/test_routes.py).
ARCHIVE_ROUTES = (
    "archive:collections", "archive:collection", "archive:display", "archive:item", "archive:original_warning",
    "archive:original", "archive:thumbnail", "archive:preview", "archive:custody", "archive:quarantine",
    "archive:near_duplicates",
)


def _request(name: str, data: dict):
    """(method, url, POST data) to exercise one route."""
    by_sha = {"sha256": data["sha"]}
    kwargs = {
        "archive:collection": {"name": data["collection"]},
        "archive:item": by_sha,
        "archive:original_warning": by_sha,
        "archive:original": by_sha,
        "archive:thumbnail": by_sha,
        "archive:preview": by_sha,
    }.get(name, {})
    posts = {
        "logout": {"next": "/login/"},
        "set_language": {"language": "en", "next": "/"},
        "archive:display": {"thumbnails": "1", "next": "/archive/"},
        "archive:original": {},
    }
    url = reverse(name, kwargs=kwargs)
    return ("post", url, posts[name]) if name in posts else ("get", url, None)


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login") + "?next=")


def test_it_redirects_anonymous_visitors_to_login_from_every_archive_url(archive):
    for name in ARCHIVE_ROUTES:
        method, url, post = _request(name, archive)
        response = Client().get(url) if method == "get" else Client().post(url, post)
        assert _is_login_redirect(response), name


@pytest.mark.parametrize("is_staff", [False, True], ids=["not-staff", "staff-with-no-role"])
def test_it_refuses_signed_in_users_without_a_role(archive, is_staff):
    client = Client()
    client.force_login(User.objects.create_user("no-role", password=PASSWORD, is_staff=is_staff))
    for name in ARCHIVE_ROUTES:
        method, url, post = _request(name, archive)
        response = client.get(url) if method == "get" else client.post(url, post)
        assert response.status_code == 403, name
    assert not CustodyEvent.objects.filter(action="original_viewed").exists()
    assert NearDuplicate.objects.get().status == NearDuplicate.Status.PENDING


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.REVIEWER])
def test_it_shows_casework_roles_an_item_without_camera_serial_original_or_custody(archive, role):
    user = User.objects.create_user(f"casework-{role}", password=PASSWORD)
    grant(user, role)
    client = _english(Client())
    client.force_login(user)
    html = client.get(reverse("archive:item", args=[archive["sha"]])).content.decode()
    assert reverse("archive:preview", args=[archive["sha"]]) in html  # the blurred preview, as for everyone
    assert SERIAL not in html and "NIKON D90" in html  # the camera, but not the serial that names the photographer
    assert '<details class="private">' not in html
    assert "<h2>Custody</h2>" not in html and reverse("archive:custody") not in html  # its events name viewers
    assert reverse("archive:original_warning", args=[archive["sha"]]) not in html
    assert client.get(reverse("archive:original_warning", args=[archive["sha"]])).status_code == 403
    assert client.post(reverse("archive:original", args=[archive["sha"]])).status_code == 403
    decided = client.post(reverse("archive:near_duplicates"), {"pair": archive["pair"], "decision": "same"})
    assert decided.status_code == 403 and NearDuplicate.objects.get().status == NearDuplicate.Status.PENDING
    assert not CustodyEvent.objects.filter(action="original_viewed").exists()


def test_it_lists_collections_with_their_counts(archive, staff_client):
    response = _english(staff_client).get(reverse("archive:collections"))
    assert response.status_code == 200
    row = response.context["collections"][0]
    assert (row.name, row.n_photos, row.n_sightings, row.n_quarantined, row.n_pending) == ("caesar-test", 4, 6, 2, 1)
    assert row.n_items == Item.objects.count()
    assert row.last_seal is None
    assert "not sealed yet" in response.content.decode()


def test_it_shows_a_collection_as_a_grid_of_blurred_previews(archive, staff_client):
    response = staff_client.get(reverse("archive:collection", args=["caesar-test"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 4
    assert reverse("archive:preview", args=[archive["sha"]]) in html
    assert "thumbnail.jpg" not in html  # thumbnails are off by default
    assert reverse("archive:item", args=[archive["sha"]]) in html
    assert ">1001<" in html and ">215<" in html  # the numbers on each card


def test_it_filters_a_collection_by_numbers_typed_in_arabic_indic_digits(archive, staff_client):
    url = reverse("archive:collection", args=["caesar-test"])
    response = staff_client.get(url, {"branch": "٢١٥", "exam": "١٠٠١"})
    photos = list(response.context["page"].object_list)
    assert len(photos) == 3 and {p.branch for p in photos} == {"215"}
    assert staff_client.get(url, {"exam": "٢٠٠٢"}).context["page"].paginator.count == 1
    assert staff_client.get(url, {"detainee": "99"}).context["page"].paginator.count == 0


def test_it_remembers_the_thumbnail_choice_in_the_session(archive, staff_client):
    url = reverse("archive:collection", args=["caesar-test"])
    response = staff_client.post(reverse("archive:display"), {"thumbnails": "1", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    assert reverse("archive:thumbnail", args=[archive["sha"]]) in staff_client.get(url).content.decode()
    staff_client.post(reverse("archive:display"), {"thumbnails": "0", "next": "https://evil.example/"})
    html = staff_client.get(url).content.decode()
    assert "thumbnail.jpg" not in html


def test_it_shows_an_items_facts_with_private_metadata_folded_away(archive, staff_client):
    response = _english(staff_client).get(reverse("archive:item", args=[archive["sha"]]))
    html = response.content.decode()
    assert response.status_code == 200
    assert archive["sha"] in html
    assert "NIKON D90" in html and "image/jpeg" in html
    assert "branch-215/2012-05/exam-1001/1001_01.jpg" in html
    private = re.search(r'<details class="private">(.*?)</details>', html, re.S).group(1)
    assert SERIAL in private and html.count(SERIAL) == private.count(SERIAL)
    assert reverse("archive:preview", args=[archive["sha"]]) in html
    assert reverse("archive:thumbnail", args=[archive["sha"]]) not in html  # blurred by default
    assert reverse("archive:original_warning", args=[archive["sha"]]) in html
    assert "the file&#x27;s path" in html or "the file's path" in html  # where the numbers came from
    other = NearDuplicate.objects.get().b if NearDuplicate.objects.get().a.item.sha256 == archive["sha"] \
        else NearDuplicate.objects.get().a
    assert reverse("archive:item", args=[other.item.sha256]) in html
    assert "ingested" in html  # its custody events
    shown = staff_client.get(reverse("archive:item", args=[archive["sha"]]), {"show": "thumbnail"})
    assert reverse("archive:thumbnail", args=[archive["sha"]]) in shown.content.decode()


def test_it_answers_404_for_unknown_items_and_collections(archive, staff_client):
    assert staff_client.get(reverse("archive:item", args=["0" * 64])).status_code == 404
    assert staff_client.get(reverse("archive:collection", args=["nope"])).status_code == 404
    assert staff_client.get(f"/archive/item/{'A' * 64}/").status_code == 404


@pytest.mark.parametrize("kind", ["preview", "thumbnail"])
def test_it_serves_derivatives_as_jpegs_without_metadata(archive, staff_client, kind):
    response = staff_client.get(reverse(f"archive:{kind}", args=[archive["sha"]]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, max-age=3600"
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert image.format == "JPEG"
    assert not image.getexif()
    assert not {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp"} & set(image.info)


def test_it_shows_the_original_only_on_a_post_with_csrf_and_logs_it_once(archive, staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    url = reverse("archive:original", args=[archive["sha"]])
    assert client.post(url).status_code == 403  # no CSRF token
    assert not CustodyEvent.objects.filter(action="original_viewed").exists()

    warning = client.get(reverse("archive:original_warning", args=[archive["sha"]]))
    assert warning.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', warning.content.decode()).group(1)
    assert f'action="{url}"' in warning.content.decode()
    response = client.post(url, {"csrfmiddlewaretoken": token}, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == archive["original"]
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert "no-store" in response["Cache-Control"]  # never kept by a browser or a proxy
    assert response["X-Content-Type-Options"] == "nosniff"
    events = list(CustodyEvent.objects.filter(action="original_viewed"))
    assert len(events) == 1
    assert events[0].actor == "archivist"
    assert events[0].item_sha256 == archive["sha"]
    assert events[0].details == {"ip": "10.1.2.3", "path": url}


def test_it_refuses_get_on_the_original(archive, staff_client):
    response = staff_client.get(reverse("archive:original", args=[archive["sha"]]))
    assert response.status_code == 405
    assert not CustodyEvent.objects.filter(action="original_viewed").exists()


def test_it_never_renders_a_quarantined_original_inline(archive, staff_client):
    for sha in (archive["quarantined_sha"], Sighting.objects.get(problem_code="not_an_image").item.sha256):
        response = staff_client.post(reverse("archive:original", args=[sha]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment")
        b"".join(response.streaming_content)
    assert CustodyEvent.objects.filter(action="original_viewed").count() == 2


def test_it_speaks_arabic_right_to_left_by_default_and_english_left_to_right(archive, staff_client):
    url = reverse("archive:collection", args=["caesar-test"])
    arabic = staff_client.get(url).content.decode()
    assert '<html lang="ar" dir="rtl">' in arabic
    assert "العربية" in arabic and "English" in arabic and "المجموعات" in arabic
    switched = staff_client.post(reverse("set_language"), {"language": "en", "next": url})
    assert switched.status_code == 302
    english = staff_client.get(url).content.decode()
    assert '<html lang="en" dir="ltr">' in english
    assert "Collections" in english
    login = Client().get(reverse("login")).content.decode()
    assert 'dir="rtl"' in login and 'lang="ar"' in login


def test_it_shows_the_custody_log_and_checks_the_chain_only_when_asked(archive, staff_client, monkeypatch):
    from dalil.evidence import custody

    calls = []
    real = custody.check_chain
    monkeypatch.setattr(custody, "check_chain", lambda: calls.append(1) or real())
    client = _english(staff_client)
    response = client.get(reverse("archive:custody"))
    assert response.status_code == 200 and not calls
    seqs = [event.seq for event, _, _ in response.context["rows"]]
    assert seqs == sorted(seqs, reverse=True) and len(seqs) == CustodyEvent.objects.count()
    checked = client.get(reverse("archive:custody"), {"check": "1"})
    assert calls == [1] and "The chain is intact" in checked.content.decode()
    only = client.get(reverse("archive:custody"), {"action": "quarantined", "collection": "caesar-test"})
    assert {event.action for event, _, _ in only.context["rows"]} == {"quarantined"}


def test_it_lists_quarantined_files_filtered_by_problem(archive, staff_client):
    response = staff_client.get(reverse("archive:quarantine"))
    assert response.context["page"].paginator.count == 2
    only = staff_client.get(reverse("archive:quarantine"), {"problem_code": "corrupt_image"})
    rows = list(only.context["page"].object_list)
    assert [s.problem_code for s in rows] == ["corrupt_image"]
    assert "2002_02.jpg" in only.content.decode()


def test_it_lets_staff_decide_near_duplicate_pairs(archive, staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    page = client.get(reverse("archive:near_duplicates"))
    html = page.content.decode()
    pair = NearDuplicate.objects.get()
    assert reverse("archive:preview", args=[pair.a.item.sha256]) in html
    assert reverse("archive:preview", args=[pair.b.item.sha256]) in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    assert client.post(reverse("archive:near_duplicates"), {"pair": pair.pk, "decision": "same"}).status_code == 403
    response = client.post(reverse("archive:near_duplicates"),
                           {"pair": pair.pk, "decision": "same", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.status == "same"
    assert not client.get(reverse("archive:near_duplicates")).context["page"].object_list
