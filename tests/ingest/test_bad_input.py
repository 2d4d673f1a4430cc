"""Bad input never stops the run and never loses bytes."""

import hashlib
import io
import os
import zipfile

import pytest
from PIL import Image

from dalil.evidence.models import CustodyEvent, Item, Sighting
from dalil.evidence.store import originals
from tests.ingest.helpers import jpeg_bytes, run, write

pytestmark = pytest.mark.django_db


def sighting(path: str) -> Sighting:
    return Sighting.objects.get(path=path)


def stored_bytes(sha: str) -> bytes:
    with originals().open(sha) as f:
        return f.read()


def test_it_quarantines_a_truncated_jpeg_and_keeps_its_bytes(instance, tmp_path):
    data = jpeg_bytes(1, size=(800, 600))
    write(tmp_path / "src" / "ok.jpg", jpeg_bytes(2))
    write(tmp_path / "src" / "cut.jpg", data[: len(data) // 2])
    summary = run(tmp_path / "src")
    assert (summary.ingested, summary.quarantined) == (1, 1)
    cut = sighting("cut.jpg")
    assert cut.outcome == "quarantined" and cut.problem_code == "corrupt_image"
    assert "truncated or damaged" in cut.problem
    assert stored_bytes(cut.item.sha256) == data[: len(data) // 2]
    assert CustodyEvent.objects.filter(action="quarantined", item_sha256=cut.item.sha256).count() == 1


def test_it_quarantines_a_non_image_but_preserves_it(instance, tmp_path):
    write(tmp_path / "src" / "notes.jpg", b"%PDF-1.4 this is a pdf named like a photo\n" * 10)
    run(tmp_path / "src")
    s = sighting("notes.jpg")
    assert s.outcome == "quarantined" and s.problem_code == "not_an_image"
    assert s.item.media_type == "application/pdf"  # sniffed from bytes, not the name
    assert "application/pdf" in s.problem


def test_it_quarantines_a_zero_byte_file(instance, tmp_path):
    write(tmp_path / "src" / "empty.jpg", b"")
    summary = run(tmp_path / "src")
    s = sighting("empty.jpg")
    assert s.problem_code == "empty" and s.item.size == 0
    assert s.item.sha256 == hashlib.sha256(b"").hexdigest()
    assert summary.quarantined_total == 1


def test_it_refuses_to_decode_a_decompression_bomb(instance, tmp_path, settings):
    settings.MAX_IMAGE_PIXELS = 10_000_000
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG")  # 400 Mpx in a few kB
    write(tmp_path / "src" / "bomb.png", out.getvalue())
    run(tmp_path / "src")
    s = sighting("bomb.png")
    assert s.problem_code == "decompression_bomb"
    assert "20000x20000" in s.problem
    assert len(stored_bytes(s.item.sha256)) == len(out.getvalue())


def test_it_does_not_follow_symlinks(instance, tmp_path):
    secret = write(tmp_path / "outside" / "secret.jpg", jpeg_bytes(3))
    write(tmp_path / "src" / "ok.jpg", jpeg_bytes(4))
    os.symlink(secret, tmp_path / "src" / "link.jpg")
    run(tmp_path / "src")
    s = sighting("link.jpg")
    assert s.outcome == "quarantined" and s.problem_code == "symlink" and s.item is None
    assert str(secret) in s.problem
    assert not Item.objects.filter(sha256=hashlib.sha256(secret.read_bytes()).hexdigest()).exists()


def test_it_records_a_named_pipe_without_blocking_on_it(instance, tmp_path):
    (tmp_path / "src").mkdir()
    os.mkfifo(tmp_path / "src" / "pipe.jpg")
    run(tmp_path / "src")
    s = sighting("pipe.jpg")
    assert s.problem_code == "not_a_file" and "named pipe" in s.problem


def test_it_keeps_a_non_utf8_name_and_its_bytes(instance, tmp_path):
    (tmp_path / "src").mkdir()
    raw = os.fsencode(tmp_path / "src") + b"/\xd5\xd9\xd1\xc9.jpg"  # cp1256 Arabic, not UTF-8
    with open(raw, "wb") as f:
        f.write(jpeg_bytes(5))
    run(tmp_path / "src")
    s = Sighting.objects.get()
    assert s.outcome == "ingested"
    assert s.path == "\\xd5\\xd9\\xd1\\xc9.jpg"
    import base64

    assert base64.b64decode(s.raw_path_b64) == b"\xd5\xd9\xd1\xc9.jpg"
    assert any("not valid UTF-8" in w for w in s.warnings)


def test_it_quarantines_an_unreadable_file_and_goes_on(instance, tmp_path, monkeypatch):
    write(tmp_path / "src" / "a.jpg", jpeg_bytes(6))
    write(tmp_path / "src" / "b.jpg", jpeg_bytes(7))
    from dalil.ingest import process

    real_open = process.open_entry

    def refuse_b(ref, *args):
        if ref[1].endswith(b"b.jpg"):
            raise PermissionError(13, "Permission denied")
        return real_open(ref, *args)

    monkeypatch.setattr(process, "open_entry", refuse_b)
    summary = run(tmp_path / "src")
    assert summary.ingested == 1
    s = sighting("b.jpg")
    assert s.item is None and s.problem_code == "unreadable" and "Permission denied" in s.problem


def test_it_preserves_what_was_read_before_an_io_error(instance, tmp_path, monkeypatch):
    data = jpeg_bytes(8, size=(1600, 1200))
    write(tmp_path / "src" / "flaky.jpg", data)
    from dalil.ingest import process

    class Flaky(io.BytesIO):
        def read(self, n=-1):
            if self.tell() >= 4096:
                raise OSError(5, "Input/output error")
            return super().read(min(n, 4096) if n and n > 0 else 4096)

    monkeypatch.setattr(process, "open_entry", lambda ref, *a: Flaky(data))
    run(tmp_path / "src")
    s = sighting("flaky.jpg")
    assert s.problem_code == "read_error" and "4,096 bytes" in s.problem
    assert s.item.complete is False and stored_bytes(s.item.sha256) == data[:4096]


def test_it_stores_unsafe_zip_entries_by_hash_only(instance, tmp_path):
    archive = tmp_path / "upload.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("photos/ok.jpg", jpeg_bytes(9))
        zf.writestr("../../etc/evil.jpg", jpeg_bytes(10))
        zf.writestr("/abs/evil2.jpg", b"not an image")
    summary = run(archive)
    assert summary.kind == "zip" and summary.files == 3
    assert sighting("photos/ok.jpg").outcome == "ingested"
    evil = sighting("../../etc/evil.jpg")
    assert evil.problem_code == "unsafe_zip_path" and evil.item is not None
    assert not (tmp_path.parent / "etc" / "evil.jpg").exists()
    assert Sighting.objects.filter(problem_code="unsafe_zip_path").count() == 2
    container = Sighting.objects.first().acquisition.container
    assert container.sha256 == hashlib.sha256(archive.read_bytes()).hexdigest()


def test_it_does_not_extract_a_zip_bomb_entry(instance, tmp_path, settings):
    settings.MAX_ZIP_RATIO = 100
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.bin", b"\0" * (64 * 1024 * 1024))
    run(archive)
    s = sighting("zeros.bin")
    assert s.problem_code == "zip_bomb" and s.item is None and "zip bomb" in s.problem


def test_it_fails_cleanly_on_a_missing_source(instance, tmp_path):
    from dalil.ingest.pipeline import IngestError

    with pytest.raises(IngestError, match="no such file or folder"):
        run(tmp_path / "nope")
    assert not Sighting.objects.exists()
