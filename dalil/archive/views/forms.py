"""The filter forms of the archive pages (all GET, all optional)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dalil.archive.views import labels
from dalil.lib.arabic import ascii_digits
from dalil.reports import labels as quarantine_labels  # the quarantine codes' words


def _number(value: str) -> str:
    """As ingest stores numbers: ASCII digits, no leading zeros ('٠٢١٥' -> '215')."""
    text = ascii_digits(value or "").strip()
    return (text.lstrip("0") or "0") if text.isdigit() else text


class PhotoFilter(forms.Form):
    branch = forms.CharField(label=_("Branch"), required=False, max_length=20)
    exam = forms.CharField(label=_("Examination number"), required=False, max_length=40)
    detainee = forms.CharField(label=_("Detainee number"), required=False, max_length=40)

    def clean_branch(self):
        return _number(self.cleaned_data["branch"])

    def clean_exam(self):
        return _number(self.cleaned_data["exam"])

    def clean_detainee(self):
        return _number(self.cleaned_data["detainee"])

    def apply(self, photos):
        if not self.is_valid():
            return photos
        data = self.cleaned_data
        if data["branch"]:
            photos = photos.filter(branch=data["branch"])
        if data["exam"]:
            photos = photos.filter(exam_no=data["exam"])
        if data["detainee"]:
            photos = photos.filter(detainee_no=data["detainee"])
        return photos


class CustodyFilter(forms.Form):
    collection = forms.ChoiceField(label=_("Collection"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)

    def __init__(self, *args, collections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collection"].choices = [("", _("all"))] + [(name, name) for name in collections]
        self.fields["action"].choices = [("", _("all"))] + list(labels.ACTIONS.items())


class QuarantineFilter(forms.Form):
    collection = forms.ChoiceField(label=_("Collection"), required=False)
    problem_code = forms.ChoiceField(label=_("Problem"), required=False)

    def __init__(self, *args, collections=(), problem_codes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collection"].choices = [("", _("all"))] + [(name, name) for name in collections]
        self.fields["problem_code"].choices = [("", _("all"))] + [(code, quarantine_labels.label(quarantine_labels.QUARANTINE, code))
                                                          for code in problem_codes]
