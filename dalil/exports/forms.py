"""The exports page's form: what to package, under which profile, for whom."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dalil.archive.views.cases.forms import ArabicIntegerField
from dalil.evidence.models import Collection
from dalil.exports import contacts

PROFILE_CHOICES = [
    ("prosecutor", _("Prosecutor: originals, full metadata, reports the family consented to share with prosecutors")),
    ("partner", _("Partner organisation: identifying metadata removed, no contact details")),
    ("public", _("Public: aggregates only (no evidence package)")),
]


class BagForm(forms.Form):
    case = ArabicIntegerField(label=_("Case number"), required=False, min_value=1)
    collection = forms.ChoiceField(label=_("or a whole collection"), required=False)
    query = forms.CharField(label=_("or the cases a query selects"), required=False, max_length=500,
                            help_text=_("e.g. branch=215 month=2012-05 category=custody"),
                            widget=forms.TextInput(attrs={"dir": "ltr", "size": 36}))
    profile = forms.ChoiceField(label=_("Profile"), choices=PROFILE_CHOICES)
    recipient = forms.CharField(label=_("Recipient"), max_length=200,
                                help_text=_("Who receives the package: recorded on the job and in the bag."))
    recipient_key = forms.CharField(
        label=_("Recipient's age public key"), required=False, max_length=2000,
        help_text=_("Prosecutor packages only. The families' contact details (where they consented) go into the "
                    "package encrypted to this key (age1…, made by the recipient with age-keygen; one per line for "
                    "several). Without a key they are left out."),
        widget=forms.Textarea(attrs={"dir": "ltr", "rows": 2, "cols": 66, "spellcheck": "false"}))

    def __init__(self, *args, may_export_contacts: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_export_contacts:
            # An archivist exports evidence but may not see families' contact details: no key field, and the
            # package says they were withheld (dalil/exports/contacts.py).
            del self.fields["recipient_key"]
        names = Collection.objects.order_by("name").values_list("name", flat=True)
        self.fields["collection"].choices = [("", "—")] + [(n, n) for n in names]

    def clean_recipient_key(self):
        keys = self.cleaned_data.get("recipient_key", "").split()
        try:
            return contacts.normalise_keys(keys)
        except contacts.ContactKeyError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        data = super().clean()
        given = [name for name in ("case", "collection", "query") if data.get(name)]
        if len(given) != 1:
            raise forms.ValidationError(_("Choose exactly one of: a case, a collection or a query."))
        return data
