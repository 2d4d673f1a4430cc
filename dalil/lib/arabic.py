"""Arabic text helpers that need no database: digits, spelling variants, numbers."""

import re

# Arabic-Indic (U+0660..) and Eastern Arabic-Indic / Persian (U+06F0..) digits to ASCII.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

# Letters people write interchangeably: hamza seats, alef maqsura, ta marbuta.
_LETTERS = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",  # hamza / madda / wasla on alef -> bare alef
    "ؤ": "و",
    "ئ": "ي",
    "ى": "ي",  # alef maqsura
    "ة": "ه",  # ta marbuta
})
# Harakat and other marks (U+064B..U+065F), the superscript alef (U+0670) and tatweel (U+0640).
_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")
_SPACES = re.compile(r"\s+")


def ascii_digits(text: str) -> str:
    """'٢١٥' -> '215'; everything else unchanged."""
    return text.translate(_DIGITS)


def normalize_arabic(text: str) -> str:
    """One spelling for the ways people write the same Arabic word, for searching.

    'أحمد' and 'احمد', 'ندبة' and 'ندبه', 'مُصطفى' and 'مصطفي' all give the same
    string; Arabic-Indic and Persian digits become ASCII; runs of spaces become
    one space. Latin text is left as it is (apart from spaces and digits).
    """
    text = _MARKS.sub("", text or "")
    text = ascii_digits(text.translate(_LETTERS))
    return _SPACES.sub(" ", text).strip()


def normalize_number(text: str) -> str:
    """A body or branch number as compared: ASCII digits, no spaces, no leading zeros ('٠٢١٥' -> '215')."""
    text = _SPACES.sub("", ascii_digits(text or ""))
    stripped = text.lstrip("0")
    return stripped or ("0" if text else "")
