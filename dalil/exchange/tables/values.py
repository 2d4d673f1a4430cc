"""One spreadsheet row as clean values: Arabic-Indic digits made ASCII, dates and sexes read, names by script."""

import datetime
import hashlib
import json

from dalil.exchange.pfif.report import is_arabic
from dalil.lib.dates import partial_date, written
from dalil.lib.arabic import ascii_digits, normalize_number

DATES = ("birth_date", "arrest_date", "death_date")
NUMBERS = ("branch", "detainee_no", "exam_no")
INTEGERS = {"age_at_arrest": 120, "age": 120, "photos": 100_000}
NAME_FIELDS = ("first_name", "father_name", "grandfather_name", "family_name", "mother_name")
_SEX = {"male": "male", "m": "male", "ذكر": "male", "female": "female", "f": "female", "انثى": "female",
        "أنثى": "female", "انثي": "female"}


class RowError(Exception):
    """A value that cannot be read; str() names the field and the value."""


# "about 1979", "حوالي 2012-11", "c. 1980", "~1979": the family knows the date only roughly.
_ABOUT = ("about", "approx.", "approx", "approximately", "circa", "ca.", "c.", "around", "~", "حوالي", "حوالى",
          "تقريبا", "تقريباً", "نحو")


def _about(text: str) -> tuple[str, bool]:
    """The date without its "about" word, and whether there was one (before or after it)."""
    text = text.strip()
    for word in _ABOUT:
        if text.lower().startswith(word):
            return text[len(word):].strip(" :"), True
        if text.lower().endswith(" " + word) or (word in ("تقريبا", "تقريباً") and text.endswith(word)):
            return text[:-len(word)].strip(" :"), True
    return text, False


def as_partial(value: str) -> tuple[datetime.date, str]:
    """The stored text of a cleaned date ("1979", "2012-11", "2012-11-05") back as (first day, precision)."""
    found = partial_date(value)
    if found is None:
        raise ValueError(f"{value!r} is not a cleaned date")
    return found


def _date(name: str, text: str) -> tuple[str, bool]:
    """A cleaned date as text at the precision given ("1979", "2012-11" or "2012-11-05"), and whether "about"."""
    text, about = _about(text.split(" ")[0] if " " in text and ":" in text else text)
    found = partial_date(text)
    if found is None:
        raise RowError(f"{name} {text!r} is not a date (write 2012-03-10, 10/03/2012, 2012-03 or 2012, "
                       "with 'about' if it is not sure)")
    value, precision = found
    if value > datetime.date.today():
        raise RowError(f"{name} {text!r} is in the future")
    return written(value, precision), about


def clean_row(cells: list[str], columns: dict) -> dict:
    """Mapped, normalised values of one row (empty ones left out); raises RowError naming the bad value."""
    out = {}
    for index, name in columns.items():
        text = ascii_digits(cells[index] if index < len(cells) else "").strip()
        if not text:
            continue
        if name in DATES:
            out[name], about = _date(name, text)
            if about:
                out[f"{name}_approximate"] = True
        elif name in NUMBERS:
            out[name] = normalize_number(text)
        elif name in INTEGERS:
            if not text.isdigit() or int(text) > INTEGERS[name]:
                raise RowError(f"{name} {text!r} is not a whole number up to {INTEGERS[name]}")
            out[name] = int(text)
        elif name == "sex":
            sex = _SEX.get(text.strip().lower())
            if sex is None:
                raise RowError(f"sex {text!r} is not male/female (ذكر/أنثى)")
            out[name] = sex
        elif name == "reporter_phone":
            out[name] = " ".join(text.split())
        else:
            out[name] = " ".join(text.split()) if "\n" not in text else text
    return out


def split_names(values: dict) -> dict:
    """Name values as report fields: first_name -> first_name_ar or _latin by script; a full name split up."""
    out = {}
    full = values.get("full_name", "")
    if full and not values.get("first_name"):
        words = full.split()
        parts = {"first_name": words[0]}
        if len(words) > 1 and not values.get("family_name"):
            parts["family_name"] = words[-1]
        if is_arabic(full) and len(words) in (3, 4):
            parts.setdefault("father_name", values.get("father_name") or words[1])
            if len(words) == 4:
                parts.setdefault("grandfather_name", values.get("grandfather_name") or words[2])
        values = {**parts, **{k: v for k, v in values.items() if k in NAME_FIELDS}}
    for name in NAME_FIELDS:
        if value := values.get(name):
            out[f"{name}_{'ar' if is_arabic(value) else 'latin'}"] = value
    return out


def digest(data) -> str:
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
