"""What a family's browser may reach, fetched through one door each.

No account is needed anywhere in the portal. A browser "acts for" a report
once it has opened that report's secret follow-up link (or just filed it):
the report's id is kept in the session so that claims and search requests
attach to it. Nothing else about any report is reachable from the portal.
Body cases are reachable only if they are of a kind families search
(died in custody, or unknown) and not merged into another case.
"""

from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import render

from dalil.archive.models import BodyCase, Photo
from dalil.identification.models import MissingPersonReport
from dalil.lib import crypto

ACTS_FOR = "portal_report"  # session: the pk of the report this browser acts for
LINK = "portal_link"  # session: the follow-up token, encrypted, so later pages can point back to it
REVEALS = "portal_reveals"  # session: {case pk: [levels chosen]}

LEVELS = ("preview", "face", "photo")  # the reveal ladder, least graphic first
FAMILY_CATEGORIES = (BodyCase.Category.CUSTODY, BodyCase.Category.UNKNOWN)


def portal_page(view):
    """Every portal response: no referrer sent anywhere, never kept in a shared cache."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-cache"
        return response

    return wrapper


def not_found(request):
    """One page for every unknown, revoked or mistyped link: it tells nothing about which."""
    return render(request, "portal/not_found.html", status=404)


# --- the report this browser acts for -------------------------------------------------

def act_for(request, report: MissingPersonReport, token: str | None = None) -> None:
    if request.session.get(ACTS_FOR) != report.pk:
        request.session.cycle_key()  # a new session id whenever the browser starts acting for a report
    request.session[ACTS_FOR] = report.pk
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
    return BodyCase.objects.filter(category__in=FAMILY_CATEGORIES, merged_into__isnull=True)


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

def over_limit(request, bucket: str) -> bool:
    """Count one more `bucket` action from this IP this hour; True once past the limit."""
    limits = {"report": getattr(settings, "PORTAL_REPORTS_PER_HOUR", 20),
              "search": getattr(settings, "PORTAL_SEARCHES_PER_HOUR", 120)}
    key = f"portal:rate:{bucket}:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > limits[bucket]


def too_many(request):
    return render(request, "portal/too_many.html", status=429)
