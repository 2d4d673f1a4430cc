from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from dalil.lib.roles import Role

ROLE_LABELS = {
    Role.ARCHIVIST: _("Archivist: ingests and seals; keeps originals and custody"),
    Role.ANALYST: _("Analyst: groups photos into cases, corrects numbers, codes findings"),
    Role.CASEWORKER: _("Caseworker: works with families' reports, contact details and links"),
    Role.REVIEWER: _("Reviewer: corroborates, confirms or rejects identifications"),
    Role.ADMIN: _("Admin: everything, and manages staff"),
}


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40, strip=True)


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(label=_("Roles"), required=False, widget=forms.CheckboxSelectMultiple,
                                      choices=[(role.value, ROLE_LABELS[role]) for role in Role])


class AddStaffForm(RolesForm):
    username = forms.CharField(label=_("User name"), max_length=150)
    first_name = forms.CharField(label=_("Name (optional)"), max_length=150, required=False)

    field_order = ["username", "first_name", "roles"]

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username=username).exists():
            raise forms.ValidationError(_("There is already a staff member with this user name."))
        return username

    def clean_roles(self):
        roles = self.cleaned_data["roles"]
        if not roles:
            raise forms.ValidationError(_("Choose at least one role: without one, the account opens no page."))
        return roles
