"""The real dlib backend's fallbacks and probe settings (what bench/faces.py measured them to buy)."""

import numpy as np
import pytest
from PIL import Image, ImageFilter

from dalil.faces import backend as backends
from tests.conftest import corpus
from tests.faces.conftest import require_face_recognition


def _lfw(name: str, number: int, blur: float = 0) -> np.ndarray:
    image = Image.open(corpus("faces") / "lfw-devtrain" / name / f"{name}_{number:04d}.jpg").convert("RGB")
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    return np.asarray(image)


@pytest.fixture(scope="module")
def archive():
    require_face_recognition()
    return backends.archive_backend()


def _count_cnn_calls(backend, monkeypatch) -> list:
    calls = []
    real = backend._fr.face_locations

    def counting(image, number_of_times_to_upsample=1, model="hog"):
        if model == "cnn":
            calls.append(image.shape)
        return real(image, number_of_times_to_upsample=number_of_times_to_upsample, model=model)

    monkeypatch.setattr(backend._fr, "face_locations", counting)
    return calls


def test_the_cnn_detector_finds_a_blurred_face_that_hog_misses(archive, monkeypatch):
    blurred = _lfw("Ariel_Sharon", 18, blur=4)  # HOG finds nothing here, even enlarged twice
    calls = _count_cnn_calls(archive, monkeypatch)
    found = archive.detect_and_embed(blurred)
    assert [f.detector for f in found] == ["cnn"] and len(calls) == 1
    top, right, bottom, left = found[0].box
    assert 40 < left < right < 210 and 40 < top < bottom < 230  # the centred face, not the whole picture
    same = archive.detect_and_embed(_lfw("Ariel_Sharon", 1))[0].embedding
    other = archive.detect_and_embed(_lfw("Colin_Powell", 1))[0].embedding
    assert np.linalg.norm(found[0].embedding - same) < np.linalg.norm(found[0].embedding - other)


def test_the_archive_never_pays_for_the_cnn_on_a_large_photo_without_a_face(archive, monkeypatch):
    rng = np.random.default_rng(3)
    faceless = np.repeat(np.repeat(rng.integers(0, 255, (96, 128, 3), dtype=np.uint8), 8, axis=0), 8, axis=1)
    calls = _count_cnn_calls(archive, monkeypatch)
    assert archive.detect_and_embed(faceless) == [] and calls == []  # 1024x768: HOG passes only
    assert archive.detect_and_embed(np.ascontiguousarray(faceless[::4, ::4])) == [] and len(calls) == 1  # 256x192


def test_a_probe_is_the_mean_of_its_face_and_its_mirror_image_and_the_same_every_time(archive):
    probe = backends.default_backend()  # what dalil.faces.probe uses
    assert probe.mirror and probe.num_jitters == 1 and probe.cnn_side > 4000
    face = _lfw("Tony_Blair", 1)
    first, again = (probe.detect_and_embed(face)[0].embedding for _ in range(2))
    assert np.array_equal(first, again)  # deterministic: dlib's jitter is not
    plain = archive.detect_and_embed(face)[0].embedding
    assert 0 < np.linalg.norm(first - plain) < 0.15
    same = archive.detect_and_embed(_lfw("Tony_Blair", 2))[0].embedding
    other = archive.detect_and_embed(_lfw("Colin_Powell", 1))[0].embedding
    assert np.linalg.norm(first - same) < np.linalg.norm(first - other)


def test_the_cnn_fallback_looks_at_a_large_probe_scaled_down(archive, monkeypatch):
    probe = backends.probe_backend()
    face = Image.fromarray(_lfw("Ariel_Sharon", 18)).filter(ImageFilter.GaussianBlur(4)).resize((1000, 1000))
    calls = _count_cnn_calls(probe, monkeypatch)
    found = probe.detect_and_embed(np.asarray(face))
    assert calls and max(calls[0][:2]) == backends.CNN_SIDE
    assert [f.detector for f in found] == ["cnn"] and found[0].box[1] - found[0].box[3] > 300  # in the 1000 px frame


def test_a_mirrored_face_is_boxed_where_the_face_is(archive):
    face = np.ascontiguousarray(_lfw("Colin_Powell", 2)[:, 20:])  # off centre: a wrong mirror box would show
    w = face.shape[1]
    top, right, bottom, left = archive.detect_and_embed(face)[0].box
    seen = archive.detect_and_embed(np.ascontiguousarray(face[:, ::-1]))[0].box  # HOG on the mirror image
    expected = (top, w - 1 - left, bottom, w - 1 - right)  # what DlibBackend(mirror=True) embeds
    assert max(abs(a - b) for a, b in zip(seen, expected)) <= 8
