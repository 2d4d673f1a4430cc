"""The family's forms. Every field is optional except what we cannot work without.

Numbers and dates may be typed with Arabic-Indic or Persian digits; they are read as ASCII (number fields are
text fields with inputmode=numeric: a browser's type=number field silently drops Arabic-Indic digits). Dates a
family gives may be a year, a month or a day, and "about" (dalil.portal.dates).
Every free-text field has a length limit checked here, on the server (the
browser's maxlength is only a courtesy), and loses any bidirectional override
or isolate control (dalil/lib/bidi.py) so that a name shows on staff pages as typed.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dalil.identification.models import MissingPersonReport
from dalil.lib.arabic import ascii_digits
from dalil.lib.bidi import strip_controls
from dalil.portal.dates import ApproximateDateField
from dalil.portal.images import clean_photo, read_upload

Report = MissingPersonReport
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# Free text: room for a long description, not for a novel (a 2 MB "distinguishing marks" was accepted once).
MAX_NAME, MAX_PLACE, MAX_TEXT, MAX_REASON = 100, 200, 2000, 4000
TOO_LONG = _("This is too long: please keep it under %(limit_value)d characters (it has %(show_value)d).")
# Copied as they are onto the report; the reporter's name, phone, email and the photo are encrypted instead.
PLAIN_FIELDS = {
    "first_name_ar", "father_name_ar", "grandfather_name_ar", "family_name_ar", "mother_name_ar",
    "first_name_latin", "father_name_latin", "grandfather_name_latin", "family_name_latin", "mother_name_latin",
    "sex", "age_at_arrest", "home_town", "arrest_place", "arresting_branch", "birth_date_approximate",
    "arrest_date_approximate", "last_detention_place", "distinguishing_marks", "chronic_illnesses",
    "reporter_relationship", "consent_contact", "consent_prosecutors", "consent_other_bodies", "would_testify",
    "wants_caseworker_search", "news_on_page",
}
APPROXIMATE_DATES = ("birth_date", "arrest_date")  # (date, precision) pairs: date and NAME_precision on the report
NUMERIC = {"inputmode": "numeric", "autocomplete": "off", "dir": "ltr"}


class DigitsDateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"})

    def to_python(self, value):
        return super().to_python(ascii_digits(value) if isinstance(value, str) else value)


class DigitsIntegerField(forms.IntegerField):
    widget = forms.TextInput(attrs=NUMERIC)

    def to_python(self, value):
        return super().to_python(ascii_digits(value).strip() if isinstance(value, str) else value)


class FamilyText(forms.CharField):
    """Text a family types: bidi controls removed before the length is checked, a length message they can act on."""

    def __init__(self, *, max_length: int, **kwargs):
        super().__init__(max_length=max_length, error_messages={"max_length": TOO_LONG}, **kwargs)

    def to_python(self, value):
        return strip_controls(super().to_python(value))


def _text(label, help_text="", max_length=MAX_NAME, lang=None, attrs=None):
    attrs = attrs or ({"lang": lang, "dir": "auto"} if lang else {"dir": "auto"})
    return FamilyText(label=label, help_text=help_text, max_length=max_length, required=False,
                      widget=forms.TextInput(attrs=attrs))


def _area(label, help_text="", max_length=MAX_TEXT, required=False, rows=3):
    return FamilyText(label=label, help_text=help_text, required=required, max_length=max_length,
                      widget=forms.Textarea(attrs={"rows": rows, "dir": "auto"}))


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
    birth_date = ApproximateDateField(label=_("Date of birth"),
                                      help_text=_("Only the year is needed; add the month and day if you know them."))
    birth_date_approximate = forms.BooleanField(label=_("About (I am not sure of this date)"), required=False)
    age_at_arrest = DigitsIntegerField(label=_("Or: age when arrested"), min_value=0, max_value=120, required=False)
    home_town = _text(_("Home town"), max_length=MAX_PLACE)
    arrest_date = ApproximateDateField(label=_("Date of arrest or disappearance"),
                                       help_text=_("An approximate date is fine: the year alone, or the month and "
                                                   "year, and tick “about” if you are not sure."))
    arrest_date_approximate = forms.BooleanField(label=_("About (I am not sure of this date)"), required=False)
    arrest_place = _text(_("Place of arrest or disappearance"), max_length=MAX_PLACE)
    arresting_branch = _text(_("Arresting branch, if known"), _("For example 215 or 227."), max_length=40,
                             attrs=NUMERIC)
    last_detention_place = _text(_("Last known place of detention"), max_length=MAX_PLACE)
    distinguishing_marks = _area(_("Distinguishing marks"), _("Scars, tattoos, birthmarks, missing teeth…"))
    chronic_illnesses = _area(_("Chronic illnesses"))
    photo = forms.FileField(label=_("A recent photo of them"), required=False,
                            help_text=_("JPEG, PNG or WebP, up to 10 MB."),
                            widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))
    photo_consent = forms.BooleanField(
        label=_("I agree that dalil keeps this photo, encrypted, to compare it with the archive"), required=False)
    reporter_name = _text(_("Your name"), max_length=MAX_PLACE)
    reporter_relationship = _text(_("Your relationship to them"), _("For example: mother, brother, cousin."))
    reporter_phone = _text(_("Your phone number"), max_length=40,
                           attrs={"inputmode": "tel", "autocomplete": "tel", "dir": "ltr"})
    reporter_email = forms.EmailField(label=_("Your email"), required=False, max_length=254,
                                      error_messages={"max_length": TOO_LONG})
    consent_contact = forms.BooleanField(label=_("You may contact me"), required=False)
    consent_prosecutors = forms.BooleanField(label=_("You may share this report with prosecutors"), required=False)
    consent_other_bodies = forms.BooleanField(
        label=_("You may share this report with other bodies searching for the missing"), required=False)
    would_testify = forms.ChoiceField(label=_("Would you be willing to testify?"), choices=TESTIFY_CHOICES,
                                      required=False, widget=forms.RadioSelect)
    wants_caseworker_search = forms.BooleanField(
        label=_("Let a caseworker search the archive for me"), required=False,
        help_text=_("Families' associations advise not to search the photos alone."))
    news_on_page = forms.TypedChoiceField(
        label=_("If we find that your relative has died, how would you like to be told?"),
        choices=[("", _("By a caseworker, in person or by phone, before it is written on my follow-up page")),
                 ("page", _("On my follow-up page, without waiting for a call"))],
        coerce=lambda value: value == "page", empty_value=False, required=False, widget=forms.RadioSelect)

    fieldsets = [
        (_("The missing person"), ["first_name_ar", "father_name_ar", "grandfather_name_ar", "family_name_ar",
                                   "mother_name_ar", "first_name_latin", "father_name_latin",
                                   "grandfather_name_latin", "family_name_latin", "mother_name_latin", "sex",
                                   "birth_date", "birth_date_approximate", "age_at_arrest", "home_town"]),
        (_("The arrest or disappearance"), ["arrest_date", "arrest_date_approximate", "arrest_place",
                                            "arresting_branch", "last_detention_place"]),
        (_("To recognise them"), ["distinguishing_marks", "chronic_illnesses", "photo", "photo_consent"]),
        (_("About you"), ["reporter_name", "reporter_relationship", "reporter_phone", "reporter_email"]),
        (_("What you allow"), ["consent_contact", "consent_prosecutors", "consent_other_bodies", "would_testify",
                               "wants_caseworker_search", "news_on_page"]),
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
            elif name in APPROXIMATE_DATES and data.get(name):
                value, precision = data[name]
                setattr(report, name, value)
                setattr(report, f"{name}_precision", precision)
        keep_photo = data.get("photo_consent") and data.get("photo")
        report.photo_consent = bool(keep_photo)
        report.set_private(name=data.get("reporter_name", ""), phone=data.get("reporter_phone", ""),
                           email=data.get("reporter_email", ""), photo=data["photo"] if keep_photo else b"")
        report.save()
        return report, token


def _empty(name: str):
    if name == "age_at_arrest":
        return None
    return False if name.endswith("_approximate") or name == "news_on_page" else ""


class ShortReportForm(ReportForm):
    """The essentials only, for "let a caseworker search for me" when there is no report yet."""

    KEEP = ["first_name_ar", "father_name_ar", "family_name_ar", "first_name_latin", "family_name_latin",
            "arrest_date", "arrest_date_approximate", "arresting_branch", "distinguishing_marks", "reporter_name",
            "reporter_relationship", "reporter_phone", "reporter_email", "consent_contact", "news_on_page"]
    fieldsets = [(_("The missing person"), KEEP[:9]), (_("About you"), KEEP[9:])]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in self.KEEP:
                del self.fields[name]

    def clean_photo(self):
        return b""


class AskForm(forms.Form):
    note = _area(_("Anything the caseworker should know (optional)"))


class SearchForm(forms.Form):
    number = _text(_("The numbers"), _("One of the three numbers (branch, detainee, examination), or all three as "
                                       "written on the card, for example 227/7120/1145."), max_length=60,
                   attrs=NUMERIC)
    branch = _text(_("Branch"), _("For example 215."), max_length=20, attrs=NUMERIC)
    date_from = DigitsDateField(label=_("Date from"), required=False)
    date_to = DigitsDateField(label=_("Date to"), required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", _("Any"))] + SEX_CHOICES[1:], required=False)
    age = DigitsIntegerField(label=_("Age"), min_value=0, max_value=120, required=False)
    marks = _text(_("Words about marks"), _("For example: scar, tattoo."), max_length=MAX_PLACE)

    def is_empty(self) -> bool:
        return not any(self.data.get(name) for name in self.fields)


class ClaimForm(forms.Form):
    reason = _area(_("Why do you think this is your relative?"), max_length=MAX_REASON, required=True, rows=4)
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
