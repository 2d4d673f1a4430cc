"""The forms of the case pages, and words for the case models' stored codes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dalil.archive.models import BodyCase
from dalil.lib.arabic import ascii_digits

CATEGORIES = {
    "custody": _("died in custody"),
    "soldier": _("soldier or security forces"),
    "attack": _("attack scene"),
    "unknown": _("unknown"),
}
SEXES = {"": _("unknown"), "male": _("male"), "female": _("female")}
CODES = {
    "emaciation": _("emaciation"),
    "ligature": _("ligature or strangulation marks"),
    "electrocution": _("electrocution marks"),
    "eye": _("eye injuries"),
    "blunt": _("blunt-force bruising"),
    "cuts": _("cuts"),
    "burns": _("burns"),
    "restraint": _("restraint marks"),
    "other": _("other"),
}
ACTIONS = {
    "grouped": _("grouped"),
    "corrected": _("numbers corrected"),
    "described": _("described"),
    "coded": _("injury code"),
    "split": _("split"),
    "merged": _("merged"),
    "undone": _("undone"),
}
FIELDS = {
    "branch": _("Branch"),
    "detainee_no": _("Detainee number"),
    "exam_no": _("Examination number"),
    "category": _("Category"),
    "date": _("Date"),
    "sex": _("Sex"),
    "age_min": _("Age from"),
    "age_max": _("Age to"),
    "marks": _("Distinguishing marks"),
    "notes": _("Notes"),
    "needs_review": _("Needs review"),
    "review_reasons": _("Reasons for review"),
    "merged_into": _("Merged into"),
    "numbers_pending": _("Numbers to be set"),
}


def number(value: str) -> str:
    """As ingest stores numbers: ASCII digits, no leading zeros ('٠٢١٥' -> '215')."""
    text = ascii_digits(value or "").strip()
    return (text.lstrip("0") or "0") if text.isdigit() else text


class ArabicDateField(forms.DateField):
    """A date typed in Western or Arabic-Indic digits (YYYY-MM-DD)."""

    def to_python(self, value):
        return super().to_python(ascii_digits(value) if isinstance(value, str) else value)


class ArabicIntegerField(forms.IntegerField):
    """A whole number typed in Western or Arabic-Indic digits (a text box: number boxes refuse ٢٥ in some browsers)."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "dir": "auto", "size": 6})

    def widget_attrs(self, widget):
        return {}  # no min/max attributes: a text box would not use them, the field still checks the range

    def to_python(self, value):
        return super().to_python(ascii_digits(value) if isinstance(value, str) else value)


class CaseFilter(forms.Form):
    branch = forms.CharField(label=_("Branch"), required=False, max_length=20)
    exam = forms.CharField(label=_("Examination number"), required=False, max_length=40)
    detainee = forms.CharField(label=_("Detainee number"), required=False, max_length=40)
    category = forms.ChoiceField(label=_("Category"), required=False,
                                 choices=[("", _("all"))] + list(CATEGORIES.items()))
    review = forms.ChoiceField(label=_("Needs review"), required=False,
                               choices=[("", _("all")), ("yes", _("yes")), ("no", _("no"))])
    date_from = ArabicDateField(label=_("Date from"), required=False)
    date_to = ArabicDateField(label=_("Date to"), required=False)

    def clean_branch(self):
        return number(self.cleaned_data["branch"])

    def clean_exam(self):
        return number(self.cleaned_data["exam"])

    def clean_detainee(self):
        return number(self.cleaned_data["detainee"])

    def apply(self, cases):
        if not self.is_valid():
            return cases
        data = self.cleaned_data
        for name, column in (("branch", "branch"), ("exam", "exam_no"), ("detainee", "detainee_no"),
                             ("category", "category")):
            if data[name]:
                cases = cases.filter(**{column: data[name]})
        if data["review"]:
            cases = cases.filter(needs_review=data["review"] == "yes")
        if data["date_from"]:
            cases = cases.filter(date__gte=data["date_from"])
        if data["date_to"]:
            cases = cases.filter(date__lte=data["date_to"])
        return cases


class CaseForm(forms.Form):
    """Correct the numbers and describe the body; only what differs from the case is recorded."""

    branch = forms.CharField(label=FIELDS["branch"], required=False, max_length=20)
    detainee_no = forms.CharField(label=FIELDS["detainee_no"], required=False, max_length=40)
    exam_no = forms.CharField(label=FIELDS["exam_no"], required=False, max_length=40)
    category = forms.ChoiceField(label=FIELDS["category"], choices=list(CATEGORIES.items()))
    date = ArabicDateField(label=FIELDS["date"], required=False, help_text=_("YYYY-MM-DD"))
    sex = forms.ChoiceField(label=FIELDS["sex"], required=False, choices=list(SEXES.items()))
    age_min = ArabicIntegerField(label=FIELDS["age_min"], required=False, min_value=0, max_value=120)
    age_max = ArabicIntegerField(label=FIELDS["age_max"], required=False, min_value=0, max_value=120)
    marks = forms.CharField(label=FIELDS["marks"], required=False, widget=forms.Textarea(attrs={"rows": 3}))
    notes = forms.CharField(label=FIELDS["notes"], required=False, widget=forms.Textarea(attrs={"rows": 3}))
    needs_review = forms.BooleanField(label=FIELDS["needs_review"], required=False)

    @classmethod
    def for_case(cls, case: BodyCase, data=None):
        initial = {name: getattr(case, name) for name in cls.base_fields}
        return cls(data, initial=initial)

    def clean_branch(self):
        return number(self.cleaned_data["branch"])

    def clean_detainee_no(self):
        return number(self.cleaned_data["detainee_no"])

    def clean_exam_no(self):
        return number(self.cleaned_data["exam_no"])

    def clean(self):
        data = super().clean()
        low, high = data.get("age_min"), data.get("age_max")
        if low is not None and high is not None and low > high:
            self.add_error("age_max", _("The upper age must not be below the lower one."))
        return data

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["date"] = data["date"].isoformat() if data.get("date") else None
        data["marks"], data["notes"] = data["marks"].strip(), data["notes"].strip()
        return data


class CodeForm(forms.Form):
    code = forms.ChoiceField(label=_("Finding"), choices=list(CODES.items()))
    note = forms.CharField(label=_("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    remove = forms.BooleanField(required=False, widget=forms.HiddenInput)


class MergeForm(forms.Form):
    into = ArabicIntegerField(label=_("Merge this case into case number"), min_value=1)


class MergeConfirmForm(forms.Form):
    """The second step of a merge: why they are one body, and both cases' numbers confirmed as shown."""

    into = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    numbers_case = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)
    numbers_target = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)
    note = forms.CharField(label=_("Why these two cases are one body (kept in the history, shown to reviewers)"),
                           max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    carry_over = forms.BooleanField(required=False)
    confirmed = forms.BooleanField(required=False)


class SplitConfirmForm(forms.Form):
    """A split of a case with claims or identifications: they stay on this case, with a note for the reviewers."""

    note = forms.CharField(label=_("Why the photos split off are another body (shown to reviewers)"),
                           max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    carry_over = forms.BooleanField(required=False)
