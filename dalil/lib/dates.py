"""Dates as people write them: a day in the usual formats, or only a month or a year, Arabic-Indic digits too.

A family often knows only the year, or the month, of an arrest or a birth;
a victim list gives "2012-11". Such a date is kept as its first day plus a
precision ("day", "month", "year"), never as a guessed day.
"""

import datetime
import re

from dalil.lib.arabic import ascii_digits

DAY_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%Y")
_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})$|^(\d{1,2})[-/.](\d{4})$")


def parse_date(text: str) -> datetime.date | None:
    """A whole day in one of DAY_FORMATS; None otherwise."""
    text = ascii_digits(text).strip()
    for fmt in DAY_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def partial_date(text: str) -> tuple[datetime.date, str] | None:
    """A day, a month (2012-11, 11/2012) or a year (1979): its first day and its precision; None if none of these."""
    text = ascii_digits(text).strip()
    if day := parse_date(text):
        return day, "day"
    if match := _YEAR.match(text):
        return datetime.date(int(match.group(1)), 1, 1), "year"
    if match := _MONTH.match(text):
        year, month = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
        if 1 <= int(month) <= 12:
            return datetime.date(int(year), int(month), 1), "month"
    return None


def written(value: datetime.date | None, precision: str) -> str:
    """The date at its precision: 1979, 2012-11 or 2012-11-05 ('' for none)."""
    if value is None:
        return ""
    return {"year": value.strftime("%Y"), "month": value.strftime("%Y-%m")}.get(precision, value.isoformat())
