"""The staff archive browser: server-rendered pages, staff only (see access.py)."""

from dalil.archive.views.browse import collection, collections, display, item
from dalil.archive.views.cases import cases
from dalil.archive.views.logs import custody, near_duplicates, quarantine
from dalil.archive.views.media import original, original_warning, preview, thumbnail

__all__ = [
    "cases",
    "collection",
    "collections",
    "custody",
    "display",
    "item",
    "near_duplicates",
    "original",
    "original_warning",
    "preview",
    "quarantine",
    "thumbnail",
]
