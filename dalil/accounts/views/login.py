"""Signing in: the password at /login/, then a code at /account/verify/ (or, the first time, enrolment).

Plain server-rendered forms, no script: they work under a strict
Content-Security-Policy and with JavaScript off.
"""

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView, redirect_to_login
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login

from dalil.accounts import factors
from dalil.accounts.forms import CodeForm
from dalil.audit.models import AuditEvent, audit


def _next(request) -> str:
    """Where to go once signed in: the `next` asked for, if it is one of ours, else the default page."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return wanted
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _to(route: str, next_url: str):
    return redirect_to_login(next_url, login_url=reverse(route))


class StaffLoginView(LoginView):
    """Django's login form (django-axes counts its failures), then on to the second factor."""

    template_name = "registration/login.html"

    def get(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_verified():
            return _to("accounts:verify", _next(request))  # half way through signing in: the code step
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        auth_login(self.request, form.get_user())
        # Every sign-in asks for a code, even in a browser that gave one earlier in this session.
        self.request.session.pop(DEVICE_ID_SESSION_KEY, None)
        return _to("accounts:verify", self.get_success_url())


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE): a page that says how long, and who can help."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60) if settings.AXES_COOLOFF_TIME else 0
    return render(request, "accounts/locked_out.html", {"minutes": minutes, "limit": settings.AXES_FAILURE_LIMIT},
                  status=429)


def _lockout(request, user):
    """Sign the half-signed-in user out and show the lockout page (as django-axes shows it for passwords)."""
    credentials = {"username": user.get_username()}
    logout(request)
    return get_lockout_response(request, None, credentials)


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def verify(request):
    """The second step: a code from the authenticator app, or a recovery code."""
    user = request.user
    if not user.is_authenticated:
        return redirect("login")  # a step of signing in, like /login/ itself: the first step comes first
    next_url = _next(request)
    if user.is_verified():
        return redirect(next_url)
    if not factors.has_authenticator(user):
        return _to("accounts:enrol", next_url)
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        return _lockout(request, user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, why = factors.check_code(user, form.cleaned_data["code"])
        if device is not None:
            return _signed_in(request, device, next_url)
        if why == "throttled":
            form.add_error("code", _("Too many wrong codes in a row: wait a minute, then type the newest code."))
        else:
            # A wrong code counts towards the lockout like a wrong password.
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if getattr(request, "axes_locked_out", False):
                return _lockout(request, user)
            form.add_error("code", _("That code is not right. Type the code your authenticator app shows now, "
                                     "or one of your recovery codes."))
    return render(request, "accounts/verify.html", {"form": form, "next": next_url})


def _signed_in(request, device, next_url):
    otp_login(request, device)
    request.session.cycle_key()  # a new session id now that the session carries staff powers
    user = request.user
    axes_reset(username=user.get_username())  # a full sign-in clears this user's earlier failures
    if factors.is_recovery_device(device):
        left = factors.recovery_codes_left(user)
        audit(request, AuditEvent.Action.RECOVERY_CODE_USED, f"staff:{user.username}", codes_left=left)
        messages.warning(request, ngettext(
            "You signed in with a recovery code; it will not work again. %(left)d code is left: make new ones "
            "on your account page.",
            "You signed in with a recovery code; it will not work again. %(left)d codes are left: make new ones "
            "on your account page.", left) % {"left": left})
    audit(request, AuditEvent.Action.SIGNED_IN, f"staff:{user.username}",
          factor="recovery code" if factors.is_recovery_device(device) else "authenticator app")
    return redirect(next_url)


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def enrol(request):
    """First sign-in: show a fresh secret once (QR code and text), confirm it with a code, show recovery codes."""
    user = request.user
    if not user.is_authenticated:
        return redirect("login")  # a step of signing in, like /login/ itself: the first step comes first
    next_url = _next(request)
    if user.is_verified() or factors.has_authenticator(user):
        return _to("accounts:verify", next_url)  # an authenticator is replaced only after an admin removes it
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        return _lockout(request, user)
    form = CodeForm(request.POST or None)
    device = factors.pending(user) if request.method == "POST" else None
    if request.method == "POST" and device is not None and form.is_valid():
        verified, why = factors.check_code(user, form.cleaned_data["code"], confirmed=False)
        if verified is not None:
            codes = factors.confirm(verified)
            otp_login(request, verified)
            request.session.cycle_key()
            axes_reset(username=user.get_username())
            audit(request, AuditEvent.Action.SECOND_FACTOR_ADDED, f"staff:{user.username}")
            audit(request, AuditEvent.Action.SIGNED_IN, f"staff:{user.username}", factor="authenticator app")
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": next_url,
                                                                    "first_time": True})
        if why == "throttled":
            form.add_error("code", _("Too many wrong codes in a row: wait a minute, then type the newest code."))
        else:
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if getattr(request, "axes_locked_out", False):
                return _lockout(request, user)
            form.add_error("code", _("That code is not right. Check that the app shows an entry for Dalil, then "
                                     "type the code it shows now."))
    elif request.method == "POST" and device is None:
        form.add_error(None, _("This set-up page expired. Scan the new code below."))
    # Shown once: each time this page is drawn it makes a new secret, and the one shown before stops counting.
    device = device or factors.new_unconfirmed(user)
    return render(request, "accounts/enrol.html", {
        "form": form, "next": next_url, "qr": factors.qr_svg(device), "secret": factors.base32_secret(device),
        "link": factors.provisioning_link(device), "apps": factors.AUTHENTICATOR_APPS,
    })
