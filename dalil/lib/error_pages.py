"""The pages for 403, 404, 429 and 500 (and a refused CSRF check): in the visitor's language, with a way back.

A family on a portal page sees the portal's look (its footer keeps "let a
caseworker search for me" one tap away); staff see the staff look with only the
sections their roles open. The 500 page is rendered from a plain context: no
database, no session, no context processors, since any of them may be what failed.
`429.html` is for the rate limits (dalil.portal.access): render it with
`error_context(request)` and, if known, `retry_after_minutes`.
"""

import logging

from django.core.exceptions import DisallowedHost
from django.http import HttpResponse, HttpResponseForbidden, HttpResponseNotFound, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme

from dalil.lib.menu import staff_menu
from dalil.lib.roles import roles_of

log = logging.getLogger("dalil.errors")

PORTAL_BASE = "portal/base.html"
STAFF_BASE = "base.html"
STAFF_ENTRY = {"login", "logout"}  # staff pages that name no role: the way in and out (and dalil.accounts' steps)


def _family_page(request, *, ask_roles: bool) -> bool:
    """Is this a page families see? Staff pages are those whose view names roles (require_role) and sign-in.

    An unknown URL is a family's, unless the visitor holds a staff role (asked only where the database may be used).
    """
    try:
        match = resolve(request.path_info)
    except Resolver404:
        if not ask_roles:
            return True
        user = getattr(request, "user", None)
        return user is None or not roles_of(user)
    except Exception:  # a broken URLconf is no reason to fail the error page itself
        return True
    staff = (getattr(match.func, "allowed_roles", None) is not None or match.view_name in STAFF_ENTRY
             or match.namespace == "accounts")
    return not staff


def _back(request) -> str:
    """The page the visitor came from, if it is on this site."""
    referer = request.META.get("HTTP_REFERER", "")
    try:
        if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()},
                                                       require_https=request.is_secure()):
            return referer
    except DisallowedHost:
        pass
    return ""


def error_context(request) -> dict:
    """What the error templates need besides Django's own context: which look, where home is, the way back."""
    family = _family_page(request, ask_roles=True)
    if family:
        home = reverse("portal:home")
    else:
        sections = staff_menu(request.user) if hasattr(request, "user") else []
        home = sections[0]["url"] if sections else reverse("login")
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    return {"base_template": PORTAL_BASE if family else STAFF_BASE, "family": family, "home_url": home,
            "back_url": _back(request), "signed_in": signed_in}


def _page(request, template: str, status: int, **extra) -> HttpResponse:
    context = error_context(request)
    context.update(extra)
    return render(request, template, context, status=status)


def forbidden(request, exception=None):
    """handler403."""
    user = getattr(request, "user", None)
    no_role = bool(user is not None and user.is_authenticated and not roles_of(user))
    return _page(request, "403.html", HttpResponseForbidden.status_code, no_role=no_role)


def not_found(request, exception=None):
    """handler404."""
    return _page(request, "404.html", HttpResponseNotFound.status_code)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent from a page kept open too long, or a browser that hid where it came from."""
    log.warning("CSRF check failed on %s: %s", request.path, reason)
    return _page(request, "403_csrf.html", HttpResponseForbidden.status_code)


def too_many(request, retry_after_minutes: int | None = None) -> HttpResponse:
    """A 429 page for callers that have nothing of their own to show (the rate limits may render 429.html directly)."""
    response = _page(request, "429.html", 429, retry_after_minutes=retry_after_minutes)
    if retry_after_minutes:
        response["Retry-After"] = str(retry_after_minutes * 60)
    return response


def server_error(request):
    """handler500: nothing here touches the database, the session or a context processor."""
    language = translation.get_language() or "ar"
    try:
        family = _family_page(request, ask_roles=False)
        home = reverse("portal:home") if family else reverse("login")
    except Exception:
        family, home = True, "/"
    context = {"lang": language, "rtl": translation.get_language_bidi(), "home_url": home, "family": family,
               "stylesheet": _stylesheet("portal/portal.css" if family else "archive/dalil.css")}
    try:
        body = loader.get_template("500.html").render(context)
    except Exception:  # the template itself failed: a plain page, still in both languages
        log.exception("the 500 page could not be rendered")
        body = _plain_500(home)
    return HttpResponseServerError(body)


def _stylesheet(path: str) -> str:
    try:
        return static(path)
    except Exception:
        return ""


def _plain_500(home: str) -> str:
    home = escape(home)
    return ('<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1"><title>500</title></head><body>'
            '<h1>حدث خطأ من جهتنا</h1><p>حاول مرة أخرى بعد قليل. إن تكرّر الخطأ فأخبرنا.</p>'
            '<h1 lang="en" dir="ltr">Something went wrong on our side</h1>'
            '<p lang="en" dir="ltr">Please try again in a moment. If it keeps happening, tell us.</p>'
            f'<p><a href="{home}">الصفحة الرئيسية</a> · <a href="{home}" lang="en">Home</a></p></body></html>')
