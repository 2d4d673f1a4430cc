"""Probe photos (uploads, a family's photo of the missing person) turned into face vectors to search with."""

import numpy as np

from dalil.faces.backend import FaceBackend, default_backend
from dalil.faces.images import PictureRefused, upload_rgb

_backend: FaceBackend | None = None


def backend() -> FaceBackend:
    global _backend
    if _backend is None:
        _backend = default_backend()
    return _backend


class NoFace(PictureRefused):
    pass


def probe_vector(data: bytes, name: str, using: FaceBackend | None = None) -> np.ndarray:
    """The embedding of the largest face in an uploaded photo; PictureRefused (or NoFace) says why not."""
    rgb = upload_rgb(data, name)
    found = (using or backend()).detect_and_embed(rgb)
    if not found:
        raise NoFace(f"no face found in {name}")
    largest = max(found, key=lambda f: (f.box[2] - f.box[0]) * (f.box[1] - f.box[3]))
    return largest.embedding
