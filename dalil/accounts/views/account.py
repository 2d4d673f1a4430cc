"""A staff member's own account: change the password, see the second factor, make new recovery codes."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from dalil.accounts import factors
from dalil.audit.models import AuditEvent, audit
from dalil.lib.roles import STAFF, require_role


def _own_page(view):
    return require_role(*STAFF)(never_cache(view))


@_own_page
def account(request):
    return render(request, "accounts/account.html", _context(request, PasswordChangeForm(request.user)))


def _context(request, form) -> dict:
    user = request.user
    return {"form": form, "has_authenticator": factors.has_authenticator(user),
            "codes_left": factors.recovery_codes_left(user), "recovery_codes": factors.RECOVERY_CODES}


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@require_POST
@_own_page
def password(request):
    form = PasswordChangeForm(request.user, request.POST)
    if not form.is_valid():
        return render(request, "accounts/account.html", _context(request, form))
    form.save()
    update_session_auth_hash(request, form.user)  # this session goes on; every other session of theirs ends
    audit(request, AuditEvent.Action.PASSWORD_CHANGED, f"staff:{request.user.username}")
    messages.success(request, _("Your password is changed. Your other sessions, on other devices, have ended."))
    return redirect("accounts:account")


@require_POST
@_own_page
def recovery_codes(request):
    codes = factors.new_recovery_codes(request.user)
    audit(request, AuditEvent.Action.RECOVERY_CODES_NEW, f"staff:{request.user.username}")
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "first_time": False})
