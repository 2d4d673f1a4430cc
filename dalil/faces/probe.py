"""Probe photos (uploads, a family's photo of the missing person) turned into face vectors to search with.

Safe from any number of threads (the web server's): the backend is made once, under a lock; the picture is
decoded and searched holding one of DALIL_HEAVY_JOBS slots (`dalil.lib.limits.heavy_work`, which raises Busy
when none frees in time); and the dlib backend lets one thread at a time into its models (DLIB_LOCK).
"""

import threading

import numpy as np

from dalil.faces.backend import FaceBackend, default_backend
from dalil.faces.images import PictureRefused, check_upload, upload_rgb
from dalil.lib.limits import heavy_work

_backend: FaceBackend | None = None
_backend_lock = threading.Lock()


def backend() -> FaceBackend:
    global _backend
    if _backend is None:
        with _backend_lock:  # two threads at start-up would otherwise both make one
            if _backend is None:
                _backend = default_backend()
    return _backend


class NoFace(PictureRefused):
    pass


def probe_vector(data: bytes, name: str, using: FaceBackend | None = None) -> np.ndarray:
    """The embedding of the largest face in an uploaded photo; PictureRefused (or NoFace) says why not.

    dalil.lib.limits.Busy when DALIL_HEAVY_JOBS pictures are being worked on and none finished in time.
    """
    check_upload(data, name)  # a refused file never waits for a slot
    with heavy_work():
        rgb = upload_rgb(data, name)
        found = (using or backend()).detect_and_embed(rgb)
    if not found:
        raise NoFace(f"no face found in {name}")
    largest = max(found, key=lambda f: (f.box[2] - f.box[0]) * (f.box[1] - f.box[3]))
    return largest.embedding
