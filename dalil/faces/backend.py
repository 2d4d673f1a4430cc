"""Finding faces in a picture and describing each by 128 numbers, behind one small interface.

`DlibBackend` is the real one (face_recognition over dlib: HOG detector,
ResNet embedding; the weights ship inside face_recognition_models, nothing is
downloaded). `FakeBackend` is deterministic and for unit tests only.
"""

import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np
from PIL import Image



def upsamples_for(longest_side: int) -> tuple[int, ...]:
    """How many times to enlarge before HOG looks (it finds faces of about 80 px and more).

    A large photo is searched as it is: enlarging a 1600 px picture costs seconds and
    its faces are big enough. A small one (LFW-sized, a thumbnail) is enlarged once,
    then twice if nothing was found.
    """
    if longest_side >= 1000:
        return (0,)
    if longest_side >= 500:
        return (1,)
    return (1, 2)


@dataclass
class DetectedFace:
    box: tuple[int, int, int, int]  # top, right, bottom, left, in the picture turned by `turns` quarter turns
    embedding: np.ndarray  # 128 float32
    detector: str
    turns: int = 0  # quarter turns (np.rot90) applied before detection
    landmarks: dict = field(default_factory=dict)


class FaceBackend(ABC):
    name = "abstract"

    @abstractmethod
    def detect_and_embed(self, rgb: np.ndarray) -> list[DetectedFace]:
        """Every face found in an RGB uint8 array (H, W, 3)."""


def available() -> bool:
    """Whether the real backend can be imported here (face_recognition, dlib and the model weights)."""
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # face_recognition_models imports the deprecated pkg_resources
            import face_recognition  # noqa: F401
    except Exception:  # ImportError, or a model file missing: both mean "not here"
        return False
    return True


class DlibBackend(FaceBackend):
    name = "dlib"

    def __init__(self, num_jitters: int = 1):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import face_recognition
        self._fr = face_recognition
        self.num_jitters = num_jitters

    def _find(self, rgb: np.ndarray, upsamples: tuple[int, ...]):
        for upsample in upsamples:
            boxes = self._fr.face_locations(rgb, number_of_times_to_upsample=upsample, model="hog")
            if boxes:
                return boxes, upsample
        return [], 0

    def detect_and_embed(self, rgb: np.ndarray) -> list[DetectedFace]:
        rgb = np.ascontiguousarray(rgb)
        upsamples = upsamples_for(max(rgb.shape[:2]))
        boxes, upsample = self._find(rgb, upsamples)
        turns, image = 0, rgb
        detector = "hog" if upsample == upsamples[0] else "hog-upsampled"
        if not boxes:  # bodies were often photographed lying down: try the picture turned
            turns, boxes = self._find_turned(rgb)
            if boxes:
                image = np.ascontiguousarray(np.rot90(rgb, turns))
                detector = f"rotated-{90 * turns}"
        if not boxes:
            return []
        encodings = self._fr.face_encodings(image, boxes, num_jitters=self.num_jitters)
        landmarks = self._fr.face_landmarks(image, boxes, model="small")
        return [DetectedFace(tuple(int(v) for v in box), np.asarray(enc, dtype=np.float32), detector, turns,
                             {k: [list(map(int, p)) for p in pts] for k, pts in marks.items()})
                for box, enc, marks in zip(boxes, encodings, landmarks)]

    def _find_turned(self, rgb: np.ndarray) -> tuple[int, list]:
        """Faces in the picture turned by 1, 2, 3 quarter turns, searched at a coarser scale.

        Three more full passes would cost three times the upright one on every photo with no
        face (most of an archive's close-ups of wounds, numbers, hands). A large picture is
        turned at 768 pixels (faces of ~10% of its longest side and more, as a body photographed
        lying down shows them), a small one as the upright pass saw it. Boxes come back in the
        full picture's coordinates.
        """
        longest = max(rgb.shape[:2])
        scale, upsample = rotation_scale(longest)
        small = rgb
        if scale < 1:
            h, w = rgb.shape[:2]
            small = np.asarray(Image.fromarray(rgb).resize((round(w * scale), round(h * scale)),
                                                            Image.Resampling.BILINEAR, reducing_gap=2.0))
        for turns in (1, 2, 3):
            turned = np.ascontiguousarray(np.rot90(small, turns))
            boxes = self._fr.face_locations(turned, number_of_times_to_upsample=upsample, model="hog")
            if boxes:
                h, w = np.rot90(rgb, turns).shape[:2]
                return turns, [(min(h, round(t / scale)), min(w, round(r / scale)), min(h, round(b / scale)),
                                max(0, round(left / scale))) for t, r, b, left in boxes]
        return 0, []


ROTATION_SIDE = 768


def rotation_scale(longest_side: int) -> tuple[float, int]:
    """(scale, upsample) for the turned passes: a large picture at 768 px, a small one enlarged once."""
    if longest_side > ROTATION_SIDE:
        return ROTATION_SIDE / longest_side, 0
    return 1.0, 1 if longest_side < 500 else 0


class FakeBackend(FaceBackend):
    """Unit tests only: a picture with enough contrast is one face filling it; its embedding is its tiny grey copy."""

    name = "fake"

    def detect_and_embed(self, rgb: np.ndarray) -> list[DetectedFace]:
        grey = rgb.astype(np.float32).mean(axis=2)
        if grey.std() < 8:
            return []
        h, w = grey.shape
        rows = np.array_split(grey, 16, axis=0)
        cells = np.array([[c.mean() for c in np.array_split(r, 8, axis=1)] for r in rows]).reshape(128)
        cells = cells - cells.mean()
        norm = np.linalg.norm(cells) or 1.0
        vector = (cells / norm * 0.5).astype(np.float32)  # length 0.5: distances fall in dlib's range
        digest = hashlib.sha256(vector.tobytes()).hexdigest()[:8]
        return [DetectedFace((0, w, h, 0), vector, "fake", 0, {"fake": [[int(digest, 16) % 100, 0]]})]


def default_backend() -> FaceBackend:
    return DlibBackend()
