"""The family's forms. Every field is optional except what we cannot work without.

Numbers and dates may be typed with Arabic-Indic digits; they are read as ASCII.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dalil.identification.models import MissingPersonReport
from dalil.lib.arabic import ascii_digits
from dalil.portal.images import clean_photo, read_upload

Report = MissingPersonReport
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# Copied as they are onto the report; the reporter's name, phone, email and the photo are encrypted instead.
PLAIN_FIELDS = {
    "first_name_ar", "father_name_ar", "grandfather_name_ar", "family_name_ar", "mother_name_ar",
    "first_name_latin", "father_name_latin", "grandfather_name_latin", "family_name_latin", "mother_name_latin",
    "sex", "birth_date", "age_at_arrest", "home_town", "arrest_date", "arrest_place", "arresting_branch",
    "last_detention_place", "distinguishing_marks", "chronic_illnesses", "reporter_relationship",
    "consent_contact", "consent_prosecutors", "consent_other_bodies", "would_testify", "wants_caseworker_search",
}


class DigitsDateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"})

    def to_python(self, value):
        return super().to_python(ascii_digits(value) if isinstance(value, str) else value)


class DigitsIntegerField(forms.IntegerField):
    def to_python(self, value):
        return super().to_python(ascii_digits(value).strip() if isinstance(value, str) else value)


def _text(label, help_text="", max_length=100, lang=None):
    attrs = {"lang": lang, "dir": "auto"} if lang else {"dir": "auto"}
    return forms.CharField(label=label, help_text=help_text, max_length=max_length, required=False,
                           widget=forms.TextInput(attrs=attrs))


def _area(label, help_text=""):
    return forms.CharField(label=label, help_text=help_text, required=False,
                           widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}))


SEX_CHOICES = [("", _("I don't know")), ("male", _("Male")), ("female", _("Female"))]
TESTIFY_CHOICES = [("yes", _("Yes")), ("no", _("No")), ("maybe", _("Maybe, later"))]


class ReportForm(forms.Form):
    """A missing-person report: the person, the arrest, then who is reporting."""

    first_name_ar = _text(_("First name (in Arabic)"), lang="ar")
    father_name_ar = _text(_("Father's name (in Arabic)"), lang="ar")
    grandfather_name_ar = _text(_("Grandfather's name (in Arabic)"), lang="ar")
    family_name_ar = _text(_("Family name (in Arabic)"), lang="ar")
    mother_name_ar = _text(_("Mother's name (in Arabic)"), lang="ar")
    first_name_latin = _text(_("First name (in Latin letters)"), lang="en")
    father_name_latin = _text(_("Father's name (in Latin letters)"), lang="en")
    grandfather_name_latin = _text(_("Grandfather's name (in Latin letters)"), lang="en")
    family_name_latin = _text(_("Family name (in Latin letters)"), lang="en")
    mother_name_latin = _text(_("Mother's name (in Latin letters)"), lang="en")
    sex = forms.ChoiceField(label=_("Sex"), choices=SEX_CHOICES, required=False, widget=forms.RadioSelect)
    birth_date = DigitsDateField(label=_("Date of birth"), required=False)
    age_at_arrest = DigitsIntegerField(label=_("Or: age when arrested"), min_value=0, max_value=120, required=False)
    home_town = _text(_("Home town"), max_length=200)
    arrest_date = DigitsDateField(label=_("Date of arrest or disappearance"), required=False,
                                  help_text=_("An approximate date is fine."))
    arrest_place = _text(_("Place of arrest or disappearance"), max_length=200)
    arresting_branch = _text(_("Arresting branch, if known"), _("For example 215 or 227."), max_length=40)
    last_detention_place = _text(_("Last known place of detention"), max_length=200)
    distinguishing_marks = _area(_("Distinguishing marks"), _("Scars, tattoos, birthmarks, missing teeth…"))
    chronic_illnesses = _area(_("Chronic illnesses"))
    photo = forms.FileField(label=_("A recent photo of them"), required=False,
                            help_text=_("JPEG, PNG or WebP, up to 10 MB."),
                            widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))
    photo_consent = forms.BooleanField(
        label=_("I agree that dalil keeps this photo, encrypted, to compare it with the archive"), required=False)
    reporter_name = _text(_("Your name"), max_length=200)
    reporter_relationship = _text(_("Your relationship to them"), _("For example: mother, brother, cousin."))
    reporter_phone = _text(_("Your phone number"), max_length=40)
    reporter_email = forms.EmailField(label=_("Your email"), required=False)
    consent_contact = forms.BooleanField(label=_("You may contact me"), required=False)
    consent_prosecutors = forms.BooleanField(label=_("You may share this report with prosecutors"), required=False)
    consent_other_bodies = forms.BooleanField(
        label=_("You may share this report with other bodies searching for the missing"), required=False)
    would_testify = forms.ChoiceField(label=_("Would you be willing to testify?"), choices=TESTIFY_CHOICES,
                                      required=False, widget=forms.RadioSelect)
    wants_caseworker_search = forms.BooleanField(
        label=_("Let a caseworker search the archive for me"), required=False,
        help_text=_("Families' associations advise not to search the photos alone."))

    fieldsets = [
        (_("The missing person"), ["first_name_ar", "father_name_ar", "grandfather_name_ar", "family_name_ar",
                                   "mother_name_ar", "first_name_latin", "father_name_latin",
                                   "grandfather_name_latin", "family_name_latin", "mother_name_latin", "sex",
                                   "birth_date", "age_at_arrest", "home_town"]),
        (_("The arrest or disappearance"), ["arrest_date", "arrest_place", "arresting_branch",
                                            "last_detention_place"]),
        (_("To recognise them"), ["distinguishing_marks", "chronic_illnesses", "photo", "photo_consent"]),
        (_("About you"), ["reporter_name", "reporter_relationship", "reporter_phone", "reporter_email"]),
        (_("What you allow"), ["consent_contact", "consent_prosecutors", "consent_other_bodies", "would_testify",
                               "wants_caseworker_search"]),
    ]

    def grouped(self):
        return [(title, [self[name] for name in names if name in self.fields]) for title, names in self.fieldsets]

    def clean_reporter_phone(self):
        return ascii_digits(self.cleaned_data.get("reporter_phone", "")).strip()

    def clean_arresting_branch(self):
        return ascii_digits(self.cleaned_data.get("arresting_branch", "")).strip()

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        return clean_photo(read_upload(upload)) if upload else b""

    def clean_birth_date(self):
        value = self.cleaned_data.get("birth_date")
        if value and value > datetime.date.today():
            raise ValidationError(_("This date is in the future."))
        return value

    def clean(self):
        data = super().clean()
        if not (data.get("first_name_ar") or data.get("first_name_latin")):
            self.add_error("first_name_ar", _("Please give their first name, in Arabic or in Latin letters."))
        if data.get("consent_contact") and not (data.get("reporter_phone") or data.get("reporter_email")):
            self.add_error("reporter_phone", _("To contact you we need a phone number or an email."))
        return data

    def save(self, language: str = "ar") -> tuple[MissingPersonReport, str]:
        """Create the report (contact details and photo encrypted); returns it and the follow-up token."""
        data = self.cleaned_data
        token, digest = Report.issue_followup_token()
        report = Report(followup_digest=digest, language=language[:5])
        for name in self.fields:
            if name in PLAIN_FIELDS:
                setattr(report, name, data.get(name) if data.get(name) is not None else _empty(name))
        keep_photo = data.get("photo_consent") and data.get("photo")
        report.photo_consent = bool(keep_photo)
        report.set_private(name=data.get("reporter_name", ""), phone=data.get("reporter_phone", ""),
                           email=data.get("reporter_email", ""), photo=data["photo"] if keep_photo else b"")
        report.save()
        return report, token


def _empty(name: str):
    return None if name in ("birth_date", "age_at_arrest", "arrest_date") else ""


class ShortReportForm(ReportForm):
    """The essentials only, for "let a caseworker search for me" when there is no report yet."""

    KEEP = ["first_name_ar", "father_name_ar", "family_name_ar", "first_name_latin", "family_name_latin",
            "arrest_date", "arresting_branch", "distinguishing_marks", "reporter_name", "reporter_relationship",
            "reporter_phone", "reporter_email", "consent_contact"]
    fieldsets = [(_("The missing person"), KEEP[:8]), (_("About you"), KEEP[8:])]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in self.KEEP:
                del self.fields[name]

    def clean_photo(self):
        return b""


class AskForm(forms.Form):
    note = forms.CharField(label=_("Anything the caseworker should know (optional)"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}))


class SearchForm(forms.Form):
    number = _text(_("Any of the three numbers"), _("Branch, detainee or examination number."), max_length=40)
    branch = _text(_("Branch"), _("For example 215."), max_length=20)
    date_from = DigitsDateField(label=_("Date from"), required=False)
    date_to = DigitsDateField(label=_("Date to"), required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", _("Any"))] + SEX_CHOICES[1:], required=False)
    age = DigitsIntegerField(label=_("Age"), min_value=0, max_value=120, required=False)
    marks = _text(_("Words about marks"), _("For example: scar, tattoo."), max_length=200)

    def is_empty(self) -> bool:
        return not any(self.data.get(name) for name in self.fields)


class ClaimForm(forms.Form):
    reason = forms.CharField(label=_("Why do you think this is your relative?"),
                             widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}))
    document = forms.FileField(label=_("A document that may help (optional)"), required=False,
                               help_text=_("For example an ID card or a medical record, up to 10 MB. "
                                           "It is kept encrypted."))

    def clean_document(self):
        upload = self.cleaned_data.get("document")
        if not upload:
            return None
        if upload.size is not None and upload.size > MAX_DOCUMENT_BYTES:
            raise ValidationError(_("This file is larger than 10 MB. Please choose a smaller file."))
        data = upload.read(MAX_DOCUMENT_BYTES + 1)
        if len(data) > MAX_DOCUMENT_BYTES:
            raise ValidationError(_("This file is larger than 10 MB. Please choose a smaller file."))
        return (upload.name or "document")[-200:], data
