"""Phonetic keys for Latin spellings of Arabic names, so that spellings of one sound compare equal.

latin_key folds what Syrian spellings vary on: o/u (Omar, Umar), e/i (Khaled,
Khalid), doubled letters (Hassan, Hasan), ou/oo/u, ee/ei/i, final -h (Hamzah),
final -y/-ie (Fady, Fadi), q/k, dj/j, ch/sh; "mhd"/"mohd" are Mohammad. The
skeleton drops vowels too (Ahmad, Ahmed -> ahmd) and is used as a blocking key.
"""

import re

from dalil.names.script import latin_plain

_REWRITES = [
    (re.compile(r"^(mhd|mhmd|mohd|muhd|mohmd)$"), "muhamad"),
    (re.compile(r"(.)\1+"), r"\1"),  # doubled letters
    (re.compile(r"ou|oo|o"), "u"),
    (re.compile(r"ee|ei|ie|ey$|y$|e"), "i"),
    (re.compile(r"aa"), "a"),
    (re.compile(r"dj"), "j"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"ck|q|c(?!h)"), "k"),
    (re.compile(r"^ch|ch"), "sh"),
    (re.compile(r"([aiu])h$"), r"\1"),  # Hamzah, Fatmeh
    (re.compile(r"(.)\1+"), r"\1"),
]


def latin_key(text: str) -> str:
    """'Mouhammed' -> 'muhamid', 'Muhamed' -> 'muhamid', 'Khaled' -> 'khalid', 'Mhd' -> 'muhamad'."""
    key = latin_plain(text)
    for pattern, repl in _REWRITES:
        key = pattern.sub(repl, key)
    return key


def latin_skeleton(text: str) -> str:
    """The key's consonants (a leading vowel kept): 'Ahmed' and 'Ahmad' -> 'ahmd'."""
    key = latin_key(text)
    return key[:1] + re.sub("[aiuy]", "", key[1:]) if key else ""
