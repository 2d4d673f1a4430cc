"""What one visitor can make the server do: how large a request body may be, and how much heavy work runs at once.

Two bounds, so that nothing a visitor sends can take the service down:

- **Body size.** `dalil serve` has waitress refuse any body over the largest limit below while reading its
  headers (before a byte of the body is read), and keep every body it accepts in memory: never a temporary
  file, since a family's photo must not touch the disk in clear. `RequestLimitsMiddleware` then refuses, from
  the Content-Length alone and before Django parses or spools anything, a body over the limit of the page it is
  sent to: DALIL_MAX_FORM_BYTES for pages without a file field, DALIL_MAX_UPLOAD_BYTES for the family pages that
  take a photo or a document, DALIL_MAX_STAFF_UPLOAD_BYTES for the staff pages that take files.
- **Heavy work at once.** Decoding an uploaded picture and looking for faces in it cost seconds and hundreds of
  megabytes for a large one. `heavy_work()` lets DALIL_HEAVY_JOBS of them run at once in the process; the next
  waits up to DALIL_BUSY_WAIT_SECONDS, then gets `Busy`, which the views turn into a 503 with Retry-After that
  keeps what the family typed (and this middleware into a plain 503 page where a view does not).

Memory is then bounded by (waitress's connection limit x the largest body limit) for bodies being received,
plus DALIL_HEAVY_JOBS x the cost of one decode at the pixel limit: see docs/settings.md.
"""

import threading
from contextlib import contextmanager

from django.conf import settings
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _

RETRY_AFTER = 60  # seconds: "try again in a minute"

# Pages that take files, by URL name. Every other page gets DALIL_MAX_FORM_BYTES.
FAMILY_UPLOADS = {"portal:report", "portal:faces", "portal:claim"}
STAFF_UPLOADS = {"faces:search", "exchange:upload"}

BUSY = _("Many people are sending photos right now, and nothing was sent. Please wait a minute and send it again.")
BUSY_PHOTO = _("Many people are sending photos right now, and nothing was sent. What you typed is kept: please "
               "choose the photo again and send it in a minute.")


class Busy(Exception):
    """DALIL_HEAVY_JOBS pictures are being worked on already and none finished in DALIL_BUSY_WAIT_SECONDS."""


# --- heavy work at once --------------------------------------------------------------------------------------

_local = threading.local()
_semaphores: dict[int, threading.BoundedSemaphore] = {}
_semaphores_lock = threading.Lock()


def _semaphore() -> threading.BoundedSemaphore:
    # One per size, so that a test (or a settings change) with another size gets its own.
    size = max(1, int(settings.HEAVY_JOBS))
    with _semaphores_lock:
        return _semaphores.setdefault(size, threading.BoundedSemaphore(size))


@contextmanager
def heavy_work():
    """Hold one of the DALIL_HEAVY_JOBS slots while decoding a picture or looking for faces; `Busy` if none frees.

    Re-entrant in a thread: a report's photo is checked, then searched for a face, in one slot.
    """
    depth = getattr(_local, "depth", 0)
    if depth:
        _local.depth = depth + 1
        try:
            yield
        finally:
            _local.depth = depth
        return
    semaphore = _semaphore()
    if not semaphore.acquire(timeout=max(0.0, float(settings.BUSY_WAIT_SECONDS))):
        raise Busy(f"{settings.HEAVY_JOBS} pictures are being worked on; none finished within "
                   f"{settings.BUSY_WAIT_SECONDS} s")
    _local.depth = 1
    try:
        yield
    finally:
        _local.depth = 0
        semaphore.release()


def busy(response):
    """Mark a page as the answer to `Busy`: 503, and when to try again."""
    response.status_code = 503
    response["Retry-After"] = str(RETRY_AFTER)
    return response


# --- request bodies ------------------------------------------------------------------------------------------

def largest_body() -> int:
    """The largest body any page accepts: what `dalil serve` lets waitress receive (in memory) at all."""
    return max(settings.MAX_FORM_BYTES, settings.MAX_UPLOAD_BYTES, settings.MAX_STAFF_UPLOAD_BYTES)


def body_limit(path: str, urlconf=None) -> int:
    try:
        name = resolve(path, urlconf).view_name
    except Resolver404:
        return settings.MAX_FORM_BYTES
    if name in FAMILY_UPLOADS:
        return settings.MAX_UPLOAD_BYTES
    if name in STAFF_UPLOADS:
        return settings.MAX_STAFF_UPLOAD_BYTES
    return settings.MAX_FORM_BYTES


def _layout(path: str) -> str:
    """The family portal's layout on its pages, the staff one elsewhere."""
    staff = ("/archive/", "/casework/", "/faces/", "/exports/", "/exchange/", "/statistics/", "/login/")
    return "base.html" if path.startswith(staff) else "portal/base.html"


class RequestLimitsMiddleware:
    """413 for a body over its page's limit, read from Content-Length before anything reads the body.

    Placed after LocaleMiddleware (the page speaks the visitor's language) and before anything that reads
    request.POST (CSRF). Also turns a `Busy` no view caught into a plain 503 page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body then either
        if length:
            limit = body_limit(request.path_info, getattr(request, "urlconf", None))
            if length > limit:
                return self.too_large(request, limit)
        return self.get_response(request)

    def too_large(self, request, limit: int):
        return render(request, "limits/too_large.html",
                      {"layout": _layout(request.path_info), "megabytes": max(1, limit // (1024 * 1024))}, status=413)

    def process_exception(self, request, exception):
        if isinstance(exception, Busy):
            return busy(render(request, "limits/busy.html", {"layout": _layout(request.path_info)}))
        return None
