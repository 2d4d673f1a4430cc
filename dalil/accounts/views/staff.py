"""The staff page (/staff/), for admins: add staff, grant and remove roles, deactivate and reactivate,
reset a password or a lost second factor, unlock a locked-out sign-in. Every change is audited
(dalil.accounts.staffing); every page is never cached (it shows one-time passwords)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dalil.accounts import staffing
from dalil.accounts.forms import AddStaffForm, RolesForm
from dalil.lib.roles import Role, require_role


def _admin_page(view):
    return require_role(Role.ADMIN)(never_cache(view))


def _staff_or_404(username: str):
    try:
        return staffing.get_staff(username)
    except staffing.StaffError:
        raise Http404("no such staff member") from None


def _actor(request) -> str:
    return request.user.get_username()


@_admin_page
def staff_list(request):
    locks = staffing.locks()
    locked = {lock.value for lock in locks if lock.kind == "username" and lock.locked}
    return render(request, "accounts/staff_list.html", {
        "people": [staffing.summary(user, locked) for user in staffing.staff_users()], "locks": locks,
    })


@_admin_page
def add(request):
    form = AddStaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, _created, password = staffing.add(form.cleaned_data["username"], form.cleaned_data["roles"],
                                                     _actor(request), request)
        except staffing.StaffError as error:
            form.add_error(None, str(error))
        else:
            if form.cleaned_data["first_name"]:
                user.first_name = form.cleaned_data["first_name"]
                user.save(update_fields=["first_name"])
            return render(request, "accounts/one_time_password.html",
                          {"person": user, "password": password, "new": True})
    return render(request, "accounts/staff_add.html", {"form": form})


@_admin_page
def person(request, username):
    user = _staff_or_404(username)
    return render(request, "accounts/staff_person.html", {
        "person": user, "summary": staffing.summary(user),
        "roles_form": RolesForm(initial={"roles": staffing.assigned_roles(user)}),
        "self": user.pk == request.user.pk,
    })


def _refuse_self(request, user, what: str):
    """An admin does not lock themselves out here: another admin, or `dalil staff`, can."""
    if user.pk == request.user.pk:
        messages.error(request, what)
        return redirect("staff:person", username=user.username)
    return None


@require_POST
@_admin_page
def roles(request, username):
    user = _staff_or_404(username)
    form = RolesForm(request.POST)
    if not form.is_valid():
        return redirect("staff:person", username=user.username)
    wanted = set(form.cleaned_data["roles"])
    if user.pk == request.user.pk and Role.ADMIN not in wanted:
        return _refuse_self(request, user, _("You cannot remove your own admin role; another admin can."))
    have = set(staffing.assigned_roles(user))
    try:
        staffing.change_roles(user, wanted - have, have - wanted, _actor(request), request)
    except staffing.StaffError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Roles saved. They apply from the next page %(user)s opens.")
                         % {"user": user.username})
    return redirect("staff:person", username=user.username)


@require_POST
@_admin_page
def active(request, username):
    user = _staff_or_404(username)
    activate = request.POST.get("active") == "1"
    if not activate and (refused := _refuse_self(request, user, _("You cannot deactivate your own account."))):
        return refused
    try:
        staffing.set_active(user, activate, _actor(request), request)
    except staffing.StaffError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(user)s can sign in again.") % {"user": user.username} if activate else
                         _("%(user)s is deactivated: every session of theirs has ended.") % {"user": user.username})
    return redirect("staff:person", username=user.username)


@require_POST
@_admin_page
def reset_password(request, username):
    user = _staff_or_404(username)
    if refused := _refuse_self(request, user, _("Change your own password on your account page.")):
        return refused
    password = staffing.reset_password(user, _actor(request), request)
    return render(request, "accounts/one_time_password.html", {"person": user, "password": password, "new": False})


@require_POST
@_admin_page
def reset_second_factor(request, username):
    user = _staff_or_404(username)
    if refused := _refuse_self(request, user, _("Another admin must remove your own authenticator.")):
        return refused
    staffing.reset_second_factor(user, _actor(request), request)
    messages.success(request, _("The authenticator and recovery codes of %(user)s are removed: they set up a new "
                                "authenticator at their next sign-in.") % {"user": user.username})
    return redirect("staff:person", username=user.username)


@require_POST
@_admin_page
def unlock(request):
    username = request.POST.get("username", "").strip() or None
    ip = request.POST.get("ip", "").strip() or None
    try:
        staffing.unlock(_actor(request), request, username=username, ip=ip)
    except staffing.StaffError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Unlocked: %(what)s can try to sign in again.") % {"what": username or ip})
    if username and request.POST.get("back") == "person":
        return redirect("staff:person", username=username)
    return redirect("staff:list")
