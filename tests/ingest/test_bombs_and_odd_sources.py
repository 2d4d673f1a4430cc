"""Bombs and odd sources are bounded: no archive expands past its limits, no pipe or device is read,
and what was read before a read stopped is kept (issue 10, defects 4, 9 and 10)."""

import os
import random
import signal
import struct
import zipfile
import zlib
from contextlib import contextmanager

import pytest

from dalil.evidence.models import Acquisition, Item, Sighting
from dalil.evidence.store import originals
from dalil.ingest.models import IngestRun
from dalil.ingest.pipeline import IngestError
from tests.ingest.helpers import jpeg_bytes, run, write

pytestmark = pytest.mark.django_db


@contextmanager
def deadline(seconds: int):
    """Fail instead of hanging: a FIFO opened for reading blocks until a writer comes."""
    def expired(*_):
        raise TimeoutError(f"still running after {seconds} s: the source was read")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def stored_bytes() -> int:
    containers = Acquisition.objects.filter(container__isnull=False).values("container")
    return sum(Item.objects.exclude(pk__in=containers).values_list("size", flat=True))


def zip_of(path, members, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return path


def test_it_stops_extracting_an_archive_at_its_byte_limit_and_goes_on(instance, tmp_path, settings):
    settings.MAX_ZIP_TOTAL_BYTES = 1_000_000
    rng = random.Random(4)
    members = [(f"part-{n:02}.bin", rng.randbytes(100_000)) for n in range(20)]  # incompressible: ratio ~1
    source = zip_of(tmp_path / "big.zip", members)
    summary = run(source)
    assert summary.files == 20
    limited = Sighting.objects.filter(problem_code="zip_total_limit").order_by("member_index")
    assert [s.member_index for s in limited] == list(range(10, 20))
    assert all(s.item is None and "DALIL_MAX_ZIP_TOTAL_BYTES" in s.problem for s in limited)
    assert stored_bytes() == 1_000_000
    assert Acquisition.objects.get().container.size == source.stat().st_size  # the zip itself is preserved


def test_it_stops_a_bomb_spread_over_many_entries_at_the_total_ratio(instance, tmp_path, settings):
    settings.MAX_ZIP_TOTAL_RATIO = 5
    source = zip_of(tmp_path / "spread.zip", [(f"z-{n:03}.bin", b"\0" * 200_000) for n in range(40)])
    summary = run(source)
    bombs = Sighting.objects.filter(problem_code="zip_bomb")
    assert summary.quarantined == 40 and bombs.count() > 30
    assert all("DALIL_MAX_ZIP_TOTAL_RATIO" in s.problem for s in bombs)
    assert stored_bytes() <= 5 * source.stat().st_size


def test_it_bounds_the_examiners_bomb_shape_with_the_default_limits(instance, tmp_path, settings):
    # The shape of the examiner's bomb (120 highly compressible entries, none over 10 MB, so no one entry
    # looks like a bomb), at a size that keeps the test quick: 120 x 1 MB from a zip of ~130 kB.
    source = zip_of(tmp_path / "bomb.zip", [(f"e-{n:03}.bin", b"\0" * 1_000_000) for n in range(120)])
    zip_size = source.stat().st_size
    assert 120_000_000 / zip_size > 4 * settings.MAX_ZIP_TOTAL_RATIO
    run(source)
    assert stored_bytes() <= settings.MAX_ZIP_TOTAL_RATIO * zip_size
    assert Sighting.objects.filter(problem_code="zip_bomb").count() > 80
    assert Sighting.objects.count() == 120  # every entry recorded, extracted or not


def lying_zip(path, declared: int, data: bytes):
    """A zip whose one entry declares `declared` bytes but whose deflate stream holds `data`."""
    zip_of(path, [("liar.bin", data)])
    blob = bytearray(path.read_bytes())
    struct.pack_into("<I", blob, 22, declared)  # local header: uncompressed size
    central = blob.index(b"PK\x01\x02")
    struct.pack_into("<I", blob, central + 24, declared)  # central directory: uncompressed size
    path.write_bytes(bytes(blob))
    return path


def test_it_keeps_the_bytes_read_from_an_entry_that_holds_more_than_it_declares(instance, tmp_path):
    mib = 1024 * 1024
    data = random.Random(7).randbytes(mib) * 20  # 20 MiB in all (the examiner's held 200)
    source = lying_zip(tmp_path / "liar.zip", mib, data)
    run(source)
    s = Sighting.objects.get(path="liar.bin")
    assert s.outcome == "quarantined" and s.problem_code == "read_error"
    assert f"reading stopped after {mib:,} bytes" in s.problem and "CRC-32" in s.problem
    assert s.item.size == mib and not s.item.complete
    with originals().open(s.item.sha256) as f:
        assert f.read() == data[:mib]
    assert zlib.crc32(data) != zlib.crc32(data[:mib])


def test_it_refuses_a_symlink_loop_as_the_source_with_one_sentence(instance, tmp_path):
    os.symlink(tmp_path / "loop", tmp_path / "loop")
    with pytest.raises(IngestError, match="symbolic link that leads back to itself") as refused:
        run(tmp_path / "loop")
    assert "\n" not in str(refused.value)
    assert IngestRun.objects.get().status == IngestRun.Status.REFUSED
    assert not Sighting.objects.exists() and not Acquisition.objects.exists()


def test_it_refuses_a_named_pipe_as_the_source_without_opening_it(instance, tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with deadline(20), pytest.raises(IngestError, match="is a named pipe, not a file or folder"):
        run(tmp_path / "pipe")
    assert not Acquisition.objects.exists()


def test_it_refuses_a_device_as_the_source_without_reading_it(instance, tmp_path):
    os.symlink("/dev/zero", tmp_path / "zeros.jpg")
    with deadline(20), pytest.raises(IngestError, match="is a character device, not a file or folder"):
        run("/dev/zero")
    with deadline(20), pytest.raises(IngestError, match="zeros.jpg .*/dev/zero.* character device"):
        run(tmp_path / "zeros.jpg")
    assert not Acquisition.objects.exists() and not Item.objects.exists()


def test_it_quarantines_a_symlink_loop_pipe_and_device_link_found_in_a_folder(instance, tmp_path):
    folder = tmp_path / "src"
    write(folder / "ok.jpg", jpeg_bytes(1, size=(64, 48)))
    os.symlink(folder / "loop.jpg", folder / "loop.jpg")
    os.symlink("/dev/zero", folder / "zero.jpg")
    os.mkfifo(folder / "pipe.jpg")
    with deadline(60):
        summary = run(folder)
    assert (summary.ingested, summary.quarantined) == (1, 3)
    codes = dict(Sighting.objects.filter(outcome="quarantined").values_list("path", "problem_code"))
    assert codes == {"loop.jpg": "symlink", "zero.jpg": "symlink", "pipe.jpg": "not_a_file"}
