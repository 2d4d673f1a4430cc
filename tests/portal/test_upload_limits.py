"""What one visitor can send: bodies refused by size before they are read, pictures refused from their header,
heavy work bounded (a clear "busy, try again" that keeps the family's form), uploads never on disk in clear.

The slow test at the end runs a real `dalil serve` and sends it concurrent reports with photos.
"""

import io
import struct
import threading
import time
import zlib

import numpy as np
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from PIL import Image, ImageFile

from dalil.identification.models import MissingPersonReport
from dalil.lib import limits
from tests.portal.conftest import MOTHER

MB = 1024 * 1024


def png_declaring(width: int, height: int) -> bytes:
    """A PNG of a few dozen bytes whose header says width x height (one row of pixels follows, then nothing)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * (width // 8 + 1)))
            + chunk(b"IEND", b""))


def noise_png(side: int, seed: int = 1) -> bytes:
    """A PNG that does not compress: about side x side x 3 bytes."""
    rgb = np.random.default_rng(seed).integers(0, 255, (side, side, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "PNG", compress_level=1)
    return out.getvalue()


def _upload(data: bytes, name="photo.png"):
    return SimpleUploadedFile(name, data, content_type="image/png")


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def readable(self):
        return True

    def read(self, *args):
        raise AssertionError("the request body was read")

    readline = readinto = read


@pytest.fixture
def english(family):
    family.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return family


@pytest.fixture
def no_decoding(monkeypatch):
    """Any picture decoded fails the test: what is refused must be refused from its header."""
    def refuse(self, *args, **kwargs):
        raise AssertionError(f"{self.size[0]}x{self.size[1]} pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


def _hold_slots(count: int):
    """Take `count` heavy-work slots in other threads (as other visitors' uploads would); returns the release."""
    taken, release = threading.Barrier(count + 1), threading.Event()

    def hold():
        with limits.heavy_work():
            taken.wait()
            release.wait(30)

    threads = [threading.Thread(target=hold) for _ in range(count)]
    for thread in threads:
        thread.start()
    taken.wait(10)

    def done():
        release.set()
        for thread in threads:
            thread.join()

    return done


# --- pictures refused from their header -------------------------------------------------------------------------

@pytest.mark.django_db
def test_it_refuses_a_tiny_png_declaring_a_huge_picture_without_decoding_it(english, no_decoding):
    bomb = png_declaring(60_000, 60_000)  # 3.6 gigapixels declared in 60-odd bytes
    assert len(bomb) < 200
    started = time.monotonic()
    response = english.post("/report/", {**MOTHER, "photo": _upload(bomb, "bomb.png"), "photo_consent": "on"})
    assert time.monotonic() - started < 2
    assert response.status_code == 200 and "too large (more than 40 megapixels)" in response.content.decode()
    assert not MissingPersonReport.objects.exists()


def test_the_face_search_refuses_the_same_png_without_decoding_it(no_decoding, settings):
    from dalil.faces.images import PictureRefused, upload_rgb

    with pytest.raises(PictureRefused, match="possible decompression bomb"):
        upload_rgb(png_declaring(60_000, 60_000), "bomb.png")
    with pytest.raises(PictureRefused, match="possible decompression bomb"):
        upload_rgb(png_declaring(8_000, 6_000), "48mp.png")  # just over the 40 MP limit


# --- request bodies -------------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("path, limit_mb", [("/report/", 12), ("/search/", 1), ("/faces/search/", 24)])
def test_it_refuses_an_oversized_post_with_413_before_reading_it(english, path, limit_mb):
    response = english.generic("POST", path, b"", content_type="multipart/form-data; boundary=x",
                               CONTENT_LENGTH=str(150 * MB), **{"wsgi.input": Unreadable()})
    assert response.status_code == 413
    page = response.content.decode()
    assert f"larger than {limit_mb} MB, so it was not read" in page and '<meta name="viewport"' in page


@pytest.mark.django_db
def test_it_says_so_in_arabic_by_default(family):
    response = family.generic("POST", "/report/", b"", CONTENT_LENGTH=str(13 * MB), **{"wsgi.input": Unreadable()})
    assert response.status_code == 413 and "أكبر من 12 ميغابايت" in response.content.decode()


@pytest.mark.django_db
def test_a_page_without_a_file_field_takes_a_smaller_body_than_the_report_form(english):
    body = b"q=" + b"a" * (2 * MB)
    assert english.generic("POST", "/search/", body,
                           content_type="application/x-www-form-urlencoded").status_code == 413
    response = english.post("/report/", {**MOTHER, "distinguishing_marks": "a" * 100,
                                          "photo": _upload(noise_png(820))})  # 2 MB: fine for the report form
    assert response.status_code == 200 and MissingPersonReport.objects.count() == 1


def test_serve_has_waitress_refuse_larger_bodies_and_keep_the_others_in_memory(settings):
    from dalil.ingest.management.commands.serve import body_limits

    # Django: every uploaded file in memory, up to the largest body any page takes
    assert django_settings.FILE_UPLOAD_HANDLERS == ["django.core.files.uploadhandler.MemoryFileUploadHandler"]
    assert django_settings.FILE_UPLOAD_MAX_MEMORY_SIZE >= limits.largest_body()
    settings.MAX_STAFF_UPLOAD_BYTES = 30 * MB
    options = body_limits()
    # waitress refuses Content-Length >= max_request_body_size, and spools to a temporary file past inbuf_overflow
    assert options["max_request_body_size"] == 30 * MB + 1 and options["inbuf_overflow"] >= 30 * MB + 1


@pytest.mark.django_db
def test_it_keeps_a_photo_larger_than_djangos_default_in_memory_never_in_a_temporary_file(english, monkeypatch):
    def on_disk(*args, **kwargs):
        raise AssertionError("an upload was written to a temporary file")

    monkeypatch.setattr(TemporaryUploadedFile, "__init__", on_disk)
    photo = noise_png(1000)
    assert len(photo) > 2.5 * MB  # over Django's FILE_UPLOAD_MAX_MEMORY_SIZE default: it would go to /tmp
    response = english.post("/report/", {**MOTHER, "photo": _upload(photo), "photo_consent": "on"})
    assert response.status_code == 200, response.content.decode()[:2000]
    assert MissingPersonReport.objects.get().photo_consent


# --- heavy work at once ---------------------------------------------------------------------------------------

def test_heavy_work_runs_so_many_at_once_and_refuses_past_the_wait(settings):
    settings.HEAVY_JOBS, settings.BUSY_WAIT_SECONDS = 2, 1
    release = _hold_slots(2)
    try:
        started = time.monotonic()
        with pytest.raises(limits.Busy), limits.heavy_work():
            pass
        assert time.monotonic() - started >= 0.9  # it waited for a slot before giving up
    finally:
        release()
    with limits.heavy_work(), limits.heavy_work():  # free again; and one thread re-enters its own slot
        pass


def test_a_slot_freed_while_waiting_is_taken(settings):
    settings.HEAVY_JOBS, settings.BUSY_WAIT_SECONDS = 1, 10
    release = _hold_slots(1)
    threading.Timer(0.3, release).start()
    started = time.monotonic()
    with limits.heavy_work():
        assert 0.2 < time.monotonic() - started < 5


@pytest.mark.django_db
def test_a_busy_server_answers_503_and_gives_the_family_back_what_they_typed(english, settings):
    settings.HEAVY_JOBS, settings.BUSY_WAIT_SECONDS = 1, 0
    release = _hold_slots(1)
    try:
        response = english.post("/report/", {**MOTHER, "photo": _upload(noise_png(64)), "photo_consent": "on"})
    finally:
        release()
    assert response.status_code == 503 and response["Retry-After"] == "60"
    page = response.content.decode()
    assert "What you typed is kept: please choose the photo again and send it in a minute." in page
    assert 'value="محمد"' in page and "ندبة على الكتف الأيسر" in page and 'value="+963 944 123 456"' in page
    assert not MissingPersonReport.objects.exists()
    again = english.post("/report/", {**MOTHER, "photo": _upload(noise_png(64)), "photo_consent": "on"})
    assert again.status_code == 200 and MissingPersonReport.objects.count() == 1


@pytest.mark.django_db
def test_a_busy_answer_speaks_arabic_by_default(family, settings):
    settings.HEAVY_JOBS, settings.BUSY_WAIT_SECONDS = 1, 0
    release = _hold_slots(1)
    try:
        response = family.post("/report/", {**MOTHER, "photo": _upload(noise_png(64))})
    finally:
        release()
    assert response.status_code == 503 and "ما كتبته محفوظ" in response.content.decode()


@pytest.mark.django_db
def test_a_picture_refused_from_its_header_never_waits_for_a_busy_server(english, settings):
    from dalil.faces.images import PictureRefused
    from dalil.faces.probe import probe_vector

    settings.HEAVY_JOBS, settings.BUSY_WAIT_SECONDS = 1, 0
    release = _hold_slots(1)
    try:
        response = english.post("/report/", {**MOTHER, "photo": _upload(png_declaring(60_000, 60_000))})
        with pytest.raises(PictureRefused, match="possible decompression bomb"):
            probe_vector(png_declaring(60_000, 60_000), "bomb.png")
    finally:
        release()
    assert response.status_code == 200 and "too large (more than 40 megapixels)" in response.content.decode()


@pytest.mark.django_db
def test_a_report_without_a_photo_is_never_busy(english, settings):
    settings.HEAVY_JOBS, settings.BUSY_WAIT_SECONDS = 1, 0
    release = _hold_slots(1)
    try:
        assert english.post("/report/", MOTHER).status_code == 200
    finally:
        release()
