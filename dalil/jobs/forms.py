from django import forms
from django.utils.translation import gettext_lazy as _

from dalil.evidence.models import Collection


class IngestForm(forms.Form):
    source = forms.CharField(label=_("Source on the server"), max_length=2000,
                             help_text=_("The full path of a folder or a zip already on the server, under a folder "
                                         "open to ingest (DALIL_INGEST_ROOTS)."),
                             widget=forms.TextInput(attrs={"dir": "ltr", "size": 60}))
    collection = forms.CharField(label=_("Collection"), max_length=200,
                                 help_text=_("A new name, or an existing collection to add to."))
    received_from = forms.CharField(label=_("Received from"), max_length=500, required=False)
    medium = forms.CharField(label=_("Medium"), max_length=500, required=False,
                             help_text=_("e.g. USB stick #3, external disk"))
    pattern = forms.CharField(label=_("Path pattern"), max_length=1000, required=False,
                              help_text=_("Optional: a regular expression reading branch, exam and detainee numbers "
                                          "from each file's path (as `dalil ingest --pattern`)."),
                              widget=forms.TextInput(attrs={"dir": "ltr", "size": 60}))

    def clean_pattern(self):
        import re

        pattern = self.cleaned_data["pattern"].strip()
        if pattern:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise forms.ValidationError(_("Not a valid pattern: %(reason)s") % {"reason": exc}) from None
        return pattern


class FacesForm(forms.Form):
    collection = forms.ChoiceField(label=_("Collection"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = Collection.objects.order_by("name").values_list("name", flat=True)
        self.fields["collection"].choices = [("", _("all collections")), *((n, n) for n in names)]
