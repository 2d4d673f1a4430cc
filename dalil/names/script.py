"""Letters as names are compared: Latin and Arabic spellings brought to comparable forms (no database).

Two forms matter. `latin_plain` is a Latin spelling with accents, case and
punctuation gone ("Al-Ḥalabī" -> "alhalabi"). `fold_arabic` is an Arabic
spelling with the letters people (and transliterators) confuse folded
together: hamza seats, ta marbuta, the emphatic and plain pairs (ص/س, ط/ت,
ض/د, ظ/ذ/ز), ق/ك, ع/ا, ح/ه. A Latin name is compared with an Arabic one by
writing it in Arabic letters first (dalil.names.translit) and folding both.
"""

import re
import unicodedata

from dalil.lib.arabic import normalize_arabic

ARABIC_LETTER = re.compile("[\u0621-\u064a\u0671-\u06d3]")
_NOT_LATIN = re.compile(r"[^a-z]+")
_NOT_ARABIC = re.compile("[^\u0621-\u064a]+")

# Arabic letters folded to one representative: a transliteration rarely tells these apart.
_FOLD = str.maketrans({
    "ص": "س", "ث": "س",
    "ط": "ت",
    "ض": "د",
    "ظ": "ز", "ذ": "ز",
    "ق": "ك",
    "ع": "ا", "ء": "ا",
    "ح": "ه", "ة": "ه",
    "غ": "خ",
})


def is_arabic(text: str) -> bool:
    """Whether the text is written (mostly) in Arabic letters."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(1 for c in letters if ARABIC_LETTER.match(c)) * 2 >= len(letters)


def latin_plain(text: str) -> str:
    """'Al-Ḥalabī' -> 'alhalabi': lower case, accents and everything but a-z removed."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _NOT_LATIN.sub("", ascii_only)


def arabic_plain(text: str) -> str:
    """An Arabic word as typed, normalised (dalil.lib.arabic) with spaces and non-letters removed."""
    return _NOT_ARABIC.sub("", normalize_arabic(text or ""))


def fold_arabic(text: str) -> str:
    """Arabic letters folded so that spellings a transliteration cannot tell apart compare equal."""
    return arabic_plain(text).translate(_FOLD)


def arabic_skeleton(text: str) -> str:
    """The folded consonants only (long vowels ا و ي dropped after the first letter): a blocking key."""
    folded = fold_arabic(text)
    if not folded:
        return ""
    return folded[0] + "".join(c for c in folded[1:] if c not in "اوي")
