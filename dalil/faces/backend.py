"""Finding faces in a picture and describing each by 128 numbers, behind one small interface.

`DlibBackend` is the real one (face_recognition over dlib: HOG detector,
ResNet embedding; the weights ship inside face_recognition_models, nothing is
downloaded). `FakeBackend` is deterministic and for unit tests only.
"""

import hashlib
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

# dlib's detectors, shape predictor and ResNet are loaded once per process by face_recognition (module globals,
# shared by every DlibBackend) and are not safe to call from two threads at once: their scratch buffers are
# shared, and 8 web threads calling them together crashed the process (free(): corrupted unsorted chunks). Every
# call into them holds this lock; ingest's faces stage gets parallelism from worker processes instead, each
# with its own models (dalil.faces.scan).
DLIB_LOCK = threading.Lock()


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


CNN_ARCHIVE_SIDE = 500  # archive photos: the CNN fallback only for pictures this small (thumbnails, small scans)
CNN_SIDE = 640  # the CNN looks at a picture no larger than this (cost grows with pixels: ~0.25 s at 250x250)


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
    """HOG first; dlib's CNN detector only where HOG found nothing; ResNet embedding on the 5-point chip.

    What each choice bought on LFW is in bench/README.md ("What the field tries"). The defaults are the
    archive's (every photo at ingest): one embedding per face, the CNN only for small pictures. Probe
    photos (a family's upload, one at a time) are worth more work: see `probe_backend`. Every choice is
    deterministic: the same photo always gives the same vector.
    """

    name = "dlib"

    def __init__(self, num_jitters: int = 1, cnn_side: int = CNN_ARCHIVE_SIDE, mirror: bool = False):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import face_recognition
        self._fr = face_recognition
        # >1: the mean over randomly jittered copies of the face chip. dlib draws the jitter from one random
        # stream per process, so the same photo gets a different vector each time: not used by default.
        self.num_jitters = num_jitters
        self.cnn_side = cnn_side  # CNN fallback for pictures up to this longest side (0: never)
        self.mirror = mirror  # also embed the mirrored face and keep the mean (deterministic)

    def _find(self, rgb: np.ndarray, upsamples: tuple[int, ...]):
        for upsample in upsamples:
            boxes = self._fr.face_locations(rgb, number_of_times_to_upsample=upsample, model="hog")
            if boxes:
                return boxes, upsample
        return [], 0

    def _find_cnn(self, rgb: np.ndarray) -> list:
        """dlib's MMOD CNN detector (slower, finds blurred, dim and small faces HOG misses).

        A picture is looked at no larger than `CNN_SIDE`; a small one is enlarged until it is at least
        about 200 pixels. Boxes come back in the picture's own coordinates.
        """
        longest = max(rgb.shape[:2])
        if not self.cnn_side or longest > self.cnn_side:
            return []
        scale, upsample = 1.0, 0 if longest >= 200 else (1 if longest >= 100 else 2)
        small = rgb
        if longest > CNN_SIDE:
            scale = CNN_SIDE / longest
            h, w = rgb.shape[:2]
            small = np.ascontiguousarray(np.asarray(Image.fromarray(rgb).resize(
                (round(w * scale), round(h * scale)), Image.Resampling.BILINEAR, reducing_gap=2.0)))
        boxes = self._fr.face_locations(small, number_of_times_to_upsample=upsample, model="cnn")
        h, w = rgb.shape[:2]
        return [(max(0, round(t / scale)), min(w, round(r / scale)), min(h, round(b / scale)),
                 max(0, round(left / scale))) for t, r, b, left in boxes]

    def _embed(self, image: np.ndarray, boxes: list) -> list[np.ndarray]:
        encodings = [np.asarray(e, dtype=np.float32)
                     for e in self._fr.face_encodings(image, boxes, num_jitters=self.num_jitters, model="small")]
        if self.mirror:
            w = image.shape[1]
            mirrored = np.ascontiguousarray(image[:, ::-1])
            flipped = [(t, w - 1 - left, b, w - 1 - r) for t, r, b, left in boxes]
            encodings = [(e + np.asarray(m, dtype=np.float32)) / 2 for e, m in
                         zip(encodings, self._fr.face_encodings(mirrored, flipped, num_jitters=self.num_jitters,
                                                                model="small"))]
        return encodings

    def detect_and_embed(self, rgb: np.ndarray) -> list[DetectedFace]:
        with DLIB_LOCK:  # one thread at a time in dlib (see DLIB_LOCK)
            return self._detect_and_embed(np.ascontiguousarray(rgb))

    def _detect_and_embed(self, rgb: np.ndarray) -> list[DetectedFace]:
        upsamples = upsamples_for(max(rgb.shape[:2]))
        boxes, upsample = self._find(rgb, upsamples)
        turns, image = 0, rgb
        detector = "hog" if upsample == upsamples[0] else "hog-upsampled"
        if not boxes:  # blurred, dim or small: HOG misses faces the CNN still finds
            boxes, detector = self._find_cnn(rgb), "cnn"
        if not boxes:  # bodies were often photographed lying down: try the picture turned
            turns, boxes = self._find_turned(rgb)
            if boxes:
                image = np.ascontiguousarray(np.rot90(rgb, turns))
                detector = f"rotated-{90 * turns}"
        if not boxes:
            return []
        encodings = self._embed(image, boxes)
        landmarks = self._fr.face_landmarks(image, boxes, model="small")
        return [DetectedFace(tuple(int(v) for v in box), enc, detector, turns,
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


def archive_backend() -> FaceBackend:
    """For archive photos at ingest (the faces stage's workers)."""
    return DlibBackend()


def probe_backend() -> FaceBackend:
    """For probe photos (uploads, one at a time): the mean of the face and its mirror image, and the CNN
    fallback at any size (the picture scaled to CNN_SIDE), since no face means no search at all."""
    return DlibBackend(mirror=True, cnn_side=10**9)


def default_backend() -> FaceBackend:
    """The backend `dalil.faces.probe` uses: probe photos."""
    return probe_backend()
