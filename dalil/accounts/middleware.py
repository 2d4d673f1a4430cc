"""Every staff request passes here: the idle timeout, then "no staff page before the second factor".

The second-factor rule is kept here, in one place, rather than in each view:
a user signed in with a password only (django-otp's `is_verified()` is false)
reaches nothing but the sign-in steps, signing out, the language switch and
the pages open to everyone (the family portal, public statistics); every
other route, present or future, sends them to the code step (or enrolment).
`dalil.lib.roles` also grants such a user no role, so a view reached some
other way still refuses them.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils.translation import gettext as _

# Reachable with a password only: the rest of the sign-in, and what anyone may open.
OPEN_ROUTES = {"login", "logout", "set_language", "reports:public", "accounts:verify", "accounts:enrol"}
OPEN_NAMESPACES = {"portal"}
SEEN = "dalil_seen"  # session: when this signed-in session last made a request (Unix seconds, to the minute)
SEEN_EVERY = 60  # seconds: the session is written at most once a minute, not on every request


def second_factor_redirect(request):
    """To the code step (which sends a user without an authenticator on to enrolment), back here afterwards."""
    target = request.get_full_path() if request.method == "GET" else reverse(settings.LOGIN_REDIRECT_URL)
    return redirect_to_login(target, login_url=reverse("accounts:verify"))


def idle_seconds() -> int:
    return max(settings.STAFF_IDLE_MINUTES, 1) * 60


class StaffSessionMiddleware:
    """After AuthenticationMiddleware, MessageMiddleware and django-otp's OTPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            seen = request.session.get(SEEN)
            if seen is not None and now - seen > idle_seconds():
                path = request.get_full_path() if request.method == "GET" else reverse(settings.LOGIN_REDIRECT_URL)
                logout(request)
                messages.info(request, _("You were signed out after %(minutes)d minutes without activity. "
                                         "Sign in again to go on.") % {"minutes": idle_seconds() // 60})
                return redirect_to_login(path)
            if seen is None or now - seen >= SEEN_EVERY:
                request.session[SEEN] = now
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if match is None or match.view_name in OPEN_ROUTES or set(match.namespaces) & OPEN_NAMESPACES:
            return None
        return second_factor_redirect(request)
