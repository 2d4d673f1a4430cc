"""Dates as families know them: a year, a month, or a day, and often "about".

The form asks for day, month and year apart (only the year is needed), with a
box for "about"; what is kept is the first day of what was known plus its
precision (MissingPersonReport.*_precision). Months are named as Syrian
families say them, with the international name beside: «تشرين الثاني (نوفمبر)».
Digits may be Arabic-Indic, Persian or Western.
"""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, gettext_lazy as _, pgettext_lazy

from dalil.identification.models import DatePrecision
from dalil.lib.arabic import ascii_digits

# Levantine names first (what families in Syria say), then the international name in Arabic.
SYRIAN_MONTHS = ["كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول", "تشرين الأول",
                 "تشرين الثاني", "كانون الأول"]
INTERNATIONAL_MONTHS_AR = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر",
                           "نوفمبر", "ديسمبر"]
ENGLISH_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                  "November", "December"]
EARLIEST_YEAR = 1900


def month_name(month: int, language: str | None = None) -> str:
    """'تشرين الثاني (نوفمبر)' in Arabic, 'November' otherwise."""
    if (language or get_language() or "ar").startswith("ar"):
        return f"{SYRIAN_MONTHS[month - 1]} ({INTERNATIONAL_MONTHS_AR[month - 1]})"
    return ENGLISH_MONTHS[month - 1]


def in_words(value: datetime.date | None, precision: str = DatePrecision.DAY, approximate: bool = False,
             language: str | None = None) -> str:
    """A date said back to a family as they gave it: '2012', 'about آذار (مارس) 2012', '3 آذار (مارس) 2012'."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        text = str(value.year)
    elif precision == DatePrecision.MONTH:
        text = f"{month_name(value.month, language)} {value.year}"
    else:
        text = f"{value.day} {month_name(value.month, language)} {value.year}"
    if approximate:
        return str(pgettext_lazy("an approximate date", "about %(date)s") % {"date": text})
    return text


def month_choices():
    return [("", _("Month (if known)"))] + [(str(m), month_name(m)) for m in range(1, 13)]


class _MonthSelect(forms.Select):
    """Month names in the language of the page being drawn (choices made at render time, not at import)."""

    def get_context(self, name, value, attrs):
        self.choices = month_choices()
        return super().get_context(name, value, attrs)


_ISO = re.compile(r"^\s*(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?\s*$")


class ApproximateDateWidget(forms.MultiWidget):
    """Day, month, year side by side (posted as NAME_day, NAME_month, NAME_year). A single NAME value (an ISO date
    '2012-11-03', '2012-11' or '2012', as older pages and scripts send) is read too."""

    template_name = "portal/widgets/approximate_date.html"

    def __init__(self, attrs=None):
        number = {"inputmode": "numeric", "autocomplete": "off", "dir": "ltr"}
        super().__init__({
            "day": forms.TextInput(attrs={**number, "size": 2, "maxlength": 2, "placeholder": _("Day")}),
            "month": _MonthSelect(),
            "year": forms.TextInput(attrs={**number, "size": 4, "maxlength": 4, "placeholder": _("Year")}),
        }, attrs)

    PARTS = (("day", _("Day")), ("month", _("Month")), ("year", _("Year")))

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for sub, (part, label) in zip(context["widget"]["subwidgets"], self.PARTS):
            if sub["attrs"].get("id"):  # id_arrest_date_year rather than id_arrest_date_2
                sub["attrs"]["id"] = f"{sub['attrs']['id'].rsplit('_', 1)[0]}_{part}"
            sub["attrs"]["aria-label"] = label
        return context

    def id_for_label(self, id_):
        return f"{id_}_year" if id_ else ""  # the field's label names the one part that is needed

    def decompress(self, value):
        if isinstance(value, tuple) and value and value[0]:
            when, precision = value
            return [str(when.day) if precision == DatePrecision.DAY else "",
                    str(when.month) if precision != DatePrecision.YEAR else "", str(when.year)]
        if isinstance(value, datetime.date):
            return [str(value.day), str(value.month), str(value.year)]
        return ["", "", ""]

    def value_from_datadict(self, data, files, name):
        whole = data.get(name)
        if whole and not any(data.get(f"{name}_{part}") for part in ("day", "month", "year")):
            match = _ISO.match(ascii_digits(str(whole)))
            if match:
                year, month, day = match.groups()
                return [day or "", month or "", year]
            return ["", "", str(whole)]  # refused with a sentence by the field
        return super().value_from_datadict(data, files, name)


class ApproximateDateField(forms.MultiValueField):
    """(date, precision) from day, month and year, any of them left empty but the year; None when all are empty."""

    widget = ApproximateDateWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(fields=tuple(forms.CharField(required=False) for _ in range(3)), require_all_fields=False,
                         **kwargs)

    def compress(self, data_list):
        day, month, year = (ascii_digits(str(v or "")).strip() for v in (list(data_list) + ["", "", ""])[:3])
        if not (day or month or year):
            return None
        if not year:
            raise ValidationError(_("Please add the year (four digits, for example 2012). The day and the month "
                                    "can stay empty if you do not know them."), code="no_year")
        if not year.isdigit() or len(year) != 4 or not EARLIEST_YEAR <= int(year) <= datetime.date.today().year:
            raise ValidationError(_("Please write the year with four digits, for example 2012."), code="year")
        if day and not month:
            raise ValidationError(_("Please choose the month too, or leave the day empty."), code="no_month")
        try:
            if day:
                value, precision = datetime.date(int(year), int(month), int(day)), DatePrecision.DAY
            elif month:
                value, precision = datetime.date(int(year), int(month), 1), DatePrecision.MONTH
            else:
                value, precision = datetime.date(int(year), 1, 1), DatePrecision.YEAR
        except ValueError:
            raise ValidationError(_("This day does not exist in that month. Please check the day, or leave it "
                                    "empty."), code="invalid_day") from None
        if value > datetime.date.today():
            raise ValidationError(_("This date is in the future."), code="future")
        return value, precision
