"""What a family's browser may reach, fetched through one door each.

No account is needed anywhere in the portal. A browser "acts for" a report
once it has opened that report's secret follow-up link (or just filed it):
the report's id is kept in the session so that claims and search requests
attach to it. Nothing else about any report is reachable from the portal.
Body cases are reachable only if they are of a kind families search
(died in custody, or unknown) and not merged into another case.
"""

import ipaddress
import math
import secrets
import time
import zlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import render
from django.utils import translation

from dalil.archive.models import BodyCase, Photo
from dalil.audit.models import hash_address
from dalil.identification.models import MissingPersonReport
from dalil.lib import crypto

ACTS_FOR = "portal_report"  # session: the pk of the report this browser acts for
LINK = "portal_link"  # session: the follow-up token, encrypted, so later pages can point back to it
REVEALS = "portal_reveals"  # session: {case pk: [levels chosen]}

LEVELS = ("preview", "face", "photo")  # the reveal ladder, least graphic first
FAMILY_CATEGORIES = (BodyCase.Category.CUSTODY, BodyCase.Category.UNKNOWN)


def portal_page(view):
    """Every portal response: no referrer sent anywhere, never kept in a shared cache; `?lang=en` (the language
    links in the header) switches the page's language and remembers it, as the switcher's cookie."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        chosen = _chosen_language(request)
        if chosen:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-cache"
        if chosen:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, chosen, max_age=settings.LANGUAGE_COOKIE_AGE,
                                path=settings.LANGUAGE_COOKIE_PATH, samesite="Lax",
                                secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY)
        return response

    return wrapper


def _chosen_language(request) -> str:
    """The language a family picked with a header link, on a GET: a link, not a form, so that it works on every
    page (the follow-up page's address is its secret: it sends no referrer, and a form there would fail CSRF)."""
    code = request.GET.get("lang", "") if request.method in ("GET", "HEAD") else ""
    return code if code in dict(settings.LANGUAGES) else ""


def not_found(request):
    """One page for every unknown, revoked or mistyped link: it tells nothing about which."""
    return render(request, "portal/not_found.html", {"language_path": "/"}, status=404)  # never the link again


# --- the report this browser acts for -------------------------------------------------

def act_for(request, report: MissingPersonReport, token: str | None = None) -> None:
    if request.session.get(ACTS_FOR) != report.pk:
        request.session.cycle_key()  # a new session id whenever the browser starts acting for a report
    request.session[ACTS_FOR] = report.pk
    # Ends when the browser closes, whatever the site-wide default: on a shared phone, the next person must not
    # inherit the family's report (and its secret link).
    request.session.set_expiry(0)
    if token:
        request.session[LINK] = crypto.encrypt_text(token).decode()


def get_report_for_session(request) -> MissingPersonReport | None:
    """The report this browser acts for, or None (also when its link was revoked since)."""
    pk = request.session.get(ACTS_FOR)
    if not pk:
        return None
    report = MissingPersonReport.objects.filter(pk=pk, followup_revoked=False).first()
    if report is None:
        forget(request)
    return report


def followup_token_for_session(request) -> str:
    value = request.session.get(LINK)
    if not value:
        return ""
    try:
        return crypto.decrypt_text(value.encode())
    except crypto.MissingKey:
        return ""


def actor_for(request) -> str:
    report = get_report_for_session(request)
    return f"family:{report.reference}" if report else "anonymous"


def forget(request) -> None:
    request.session.flush()


# --- cases ---------------------------------------------------------------------------

def family_cases():
    # not a case split off whose numbers are still to be set: one body must never show as two
    return BodyCase.objects.filter(category__in=FAMILY_CATEGORIES, merged_into__isnull=True, numbers_pending=False)


def get_case_for_family(request, pk) -> BodyCase:
    try:
        return family_cases().get(pk=int(pk))
    except (BodyCase.DoesNotExist, TypeError, ValueError):
        raise Http404("no such case") from None


def get_photo_for_family(request, case: BodyCase, photo_id) -> Photo:
    try:
        return Photo.objects.get(pk=int(photo_id), case=case)
    except (Photo.DoesNotExist, TypeError, ValueError):
        raise Http404("no such photo") from None


def chosen_levels(request, case: BodyCase) -> list[str]:
    return list(request.session.get(REVEALS, {}).get(str(case.pk), []))


def current_level(request, case: BodyCase) -> str:
    """The furthest step of the ladder this browser chose for this case ('' for none)."""
    chosen = chosen_levels(request, case)
    return max(chosen, key=LEVELS.index) if chosen else ""


def may_choose(request, case: BodyCase, level: str) -> bool:
    """The ladder in order: a step only right after the one before it was chosen (never the photographs first)."""
    return LEVELS.index(level) <= (LEVELS.index(current_level(request, case)) + 1 if current_level(request, case)
                                   else 0)


def choose_level(request, case: BodyCase, level: str) -> bool:
    """Remember a chosen level; True when it is chosen for the first time (so it is audited once)."""
    reveals = dict(request.session.get(REVEALS, {}))
    levels = list(reveals.get(str(case.pk), []))
    first = level not in levels
    if first:
        levels.append(level)
    reveals[str(case.pk)] = levels
    request.session[REVEALS] = reveals
    return first


def hide_again(request, case: BodyCase) -> None:
    reveals = dict(request.session.get(REVEALS, {}))
    reveals.pop(str(case.pk), None)
    request.session[REVEALS] = reveals


# --- rate limits ----------------------------------------------------------------------
#
# Each action is counted twice, per browser session and per client address, and refused once either count is
# past its limit (DALIL_PORTAL_* settings, per hour). The per-session limit is modest: it slows one browser down.
# The per-address limit is much higher: the families an association helps may all share one address behind a
# NAT, and it is there only against floods. "Ask a caseworker" has no per-session limit, so that the page we
# point families to when they are slowed down stays open.
#
# The address is REMOTE_ADDR and never X-Forwarded-For: `dalil serve` (waitress's trusted_proxy) sets
# REMOTE_ADDR to the real client only when the request came from the configured proxy, so a header anyone can
# send cannot move a visitor into another's count (docs/deploy.md, docs/settings.md). Counts live in Django's
# cache (one `dalil serve` process shares them between its threads), keyed by a keyed hash of the address.

RATE_ID = "portal_rate_id"  # session: a random id the per-session counts are kept under (it survives cycle_key)
HOUR = 3600
LIMITS = {  # bucket: (per-session setting or None, per-address setting)
    "report": ("PORTAL_SESSION_REPORTS_PER_HOUR", "PORTAL_IP_REPORTS_PER_HOUR"),
    "search": ("PORTAL_SESSION_SEARCHES_PER_HOUR", "PORTAL_IP_SEARCHES_PER_HOUR"),
    "ask": (None, "PORTAL_IP_ASKS_PER_HOUR"),
}


def client_address(request) -> str:
    """The address a request is counted under: REMOTE_ADDR (see above), or an IPv6 client's /64 network."""
    value = request.META.get("REMOTE_ADDR", "")
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return value
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        # one household or phone is given a whole /64: counting single addresses would let it rotate freely
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _count(key: str, limit: int) -> int:
    """Count one more under `key` this hour: 0 while within `limit`, else the seconds until the count restarts."""
    if limit <= 0:  # 0 turns a limit off
        return 0
    now = time.time()
    offset = zlib.crc32(key.encode()) % HOUR  # each key's hour ends at its own time: no stampede on the hour
    window = int((now + offset) // HOUR)
    name = f"{key}:{window}"
    cache.add(name, 0, timeout=HOUR + 60)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=HOUR + 60)
        count = 1
    if count <= limit:
        return 0
    return max(1, math.ceil((window + 1) * HOUR - offset - now))


def over_limit(request, bucket: str) -> int:
    """Count one more `bucket` action from this browser and this address.

    Returns 0 when it may go ahead, else the seconds to wait (for Retry-After and the page's sentence).
    """
    session_setting, address_setting = LIMITS[bucket]
    waits = [_count(f"portal:rate:{bucket}:ip:{hash_address(client_address(request))}",
                    getattr(settings, address_setting))]
    if session_setting:
        session_id = request.session.setdefault(RATE_ID, secrets.token_urlsafe(16))
        waits.append(_count(f"portal:rate:{bucket}:session:{session_id}", getattr(settings, session_setting)))
    return max(waits)


def wait_context(wait: int) -> dict:
    """What a page needs to say when to try again: whole minutes, rounded up."""
    return {"wait_minutes": max(1, math.ceil(wait / 60))}


def limited(response, wait: int):
    """Mark a response as a rate-limit answer: 429 with Retry-After (seconds)."""
    response.status_code = 429
    response["Retry-After"] = str(int(wait))
    return response


def too_many(request, wait: int):
    """The portal's own page for a refused search: when to try again, and the caseworker who can help."""
    return limited(render(request, "portal/too_many.html", wait_context(wait)), wait)
