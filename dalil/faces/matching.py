"""Face similarity of a missing-person report's photo to each body case, for identification.matching.

Computed on demand and kept in a small per-process cache keyed by the report,
its (encrypted) photo and the state of the face index, so a candidate list of
hundreds of cases decodes the family's photo once.
"""

import hashlib
import threading
from collections import OrderedDict

from dalil.faces import backend as backends
from dalil.faces.images import PictureRefused

CACHE_SIZE = 64
_cache: OrderedDict = OrderedDict()
_lock = threading.Lock()


def similarities_for_report(report) -> dict[int, float] | None:
    """{case id: similarity 0..1} for the cases whose faces are near the report's photo; None if not computable."""
    if not report.photo_encrypted or not backends.available():
        return None
    from dalil.faces.index import search_cases, shared_index

    index = shared_index()
    if not len(index):
        return None
    key = (report.pk, hashlib.sha256(bytes(report.photo_encrypted)).hexdigest(), index.last_id, len(index))
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    from dalil.faces.probe import probe_vector

    try:
        vector = probe_vector(report.photo, f"the photo of report {report.reference}")
        found = {m.case_id: m.similarity for m in search_cases([vector], top_k=200, index=index)}
    except PictureRefused:
        found = None
    with _lock:
        _cache[key] = found
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return found
