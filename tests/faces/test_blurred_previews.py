"""What families are shown before the photographs, checked on real faces (the LFW corpus, the real face engine).

Step 1 of the portal's ladder promises that no face can be recognised in a blurred preview; step 2 shows the
face only, cropped tight (no collar or chest). Here the face engine plays the one trying to recognise someone.
"""

import io

import numpy as np
import pytest
from PIL import Image

from dalil.archive.imaging import blurred
from dalil.faces import backend as backends
from dalil.faces.images import crop_jpeg
from dalil.faces.index import WEAK
from tests.conftest import corpus
from tests.faces.conftest import require_face_recognition

pytestmark = [pytest.mark.corpus, pytest.mark.slow]
PEOPLE = 10  # identities with at least two photos, the first ten by name: the same set every run


@pytest.fixture(scope="module")
def engine():
    require_face_recognition()
    return backends.archive_backend()


def _people():
    root = corpus("faces") / "lfw-devtrain"
    folders = sorted(p for p in root.iterdir() if p.is_dir() and len(list(p.glob("*.jpg"))) >= 2)
    return [sorted(folder.glob("*.jpg"))[:2] for folder in folders[:PEOPLE]]


def _preview(path) -> np.ndarray:
    """The preview as a family receives it: blurred, then a JPEG as the archive stores it."""
    out = io.BytesIO()
    blurred(Image.open(path).convert("RGB")).save(out, "JPEG", quality=70)
    return np.asarray(Image.open(io.BytesIO(out.getvalue())).convert("RGB"))


def _nearest(engine, faces, reference) -> float:
    return min((float(np.linalg.norm(f.embedding - reference)) for f in faces), default=9.0)


def test_it_blurs_previews_so_that_the_face_engine_cannot_recognise_the_person(engine):
    recognised_in_photo, recognised_in_preview = 0, []
    for probe, other in _people():
        reference = engine.detect_and_embed(np.asarray(Image.open(other).convert("RGB")))[0].embedding
        if _nearest(engine, engine.detect_and_embed(np.asarray(Image.open(probe).convert("RGB"))), reference) < WEAK:
            recognised_in_photo += 1  # the engine does recognise these people in the photographs themselves
        if _nearest(engine, engine.detect_and_embed(_preview(probe)), reference) < WEAK:
            recognised_in_preview.append(probe.parent.name)
    assert recognised_in_photo >= PEOPLE - 1
    assert recognised_in_preview == []


def test_it_crops_faces_tight_with_no_collar_below_the_chin(engine):
    for probe, _other in _people()[:3]:
        rgb = np.asarray(Image.open(probe).convert("RGB"))
        top, right, bottom, left = engine.detect_and_embed(rgb)[0].box
        crop = Image.open(io.BytesIO(crop_jpeg(rgb, (top, right, bottom, left), size=1000)))
        side = max(bottom - top, right - left)
        assert crop.height <= min(rgb.shape[0], bottom + 0.05 * side) - max(0, top - 0.12 * side) + 1
        assert crop.height <= 1.2 * side and crop.width <= 1.25 * side
