"""A full name cut into the parts that are compared: compounds kept whole, particles set aside.

"Mohammad Abd al-Rahman bin Khaled Al-Halabi" gives the parts Mohammad,
Abd al-Rahman, Khaled, Halabi: عبد الرحمن / Abdulrahman / Abdel Rahman is one
part (a compound given name), "abu X" too; bin/ibn/bint ("son of") is dropped,
the article al-/el-/Al (ال) is set aside, since lists write it or leave it out.
"""

import re
from dataclasses import dataclass, field
from functools import cached_property

from dalil.names.lexicon import known_folded, lexicon_arabic
from dalil.names.phonetic import latin_key, latin_skeleton
from dalil.names.script import arabic_plain, arabic_skeleton, fold_arabic, is_arabic, latin_plain
from dalil.names.translit import latin_to_arabic

_SPLIT = re.compile(r"[\s\-_.,'’`]+")
LATIN_ARTICLES = {"al", "el", "il", "ul"}
LATIN_LINKS = {"bin", "ibn", "ben", "bint", "binti"}
LATIN_ABD = re.compile(r"^(abdoul|abdul|abdel|abdal|abdol|abdil|abdu|abd)(.*)$")  # longest first
LATIN_ABU = {"abu", "abou", "abo"}
ARABIC_LINKS = {"بن", "ابن", "بنت"}


@dataclass
class Part:
    """One name part as typed, with the forms it is compared by."""

    text: str
    role: str = ""
    arabic: bool = field(init=False)

    def __post_init__(self):
        self.arabic = is_arabic(self.text)

    @cached_property
    def folded(self) -> list[str]:
        """Folded Arabic spellings, article removed: the typed one, or a Latin part's likely ones."""
        if self.arabic:
            return [strip_article_arabic(fold_arabic(self.text))]
        return [strip_article_arabic(a) for a in latin_to_arabic(self.text)]

    @cached_property
    def known(self) -> frozenset[str]:
        """The common names of dalil.names.lexicon this part is a spelling of (folded Arabic)."""
        if self.arabic:
            folded = fold_arabic(self.text)
            return frozenset({folded}) if folded in known_folded() else frozenset()
        return frozenset(fold_arabic(a) for a in lexicon_arabic(latin_plain(self.text)))

    @cached_property
    def key(self) -> str:
        """The Latin phonetic key (Latin parts only)."""
        return "" if self.arabic else latin_key(self.text)

    def keys(self) -> set[str]:
        """Blocking keys: Arabic consonant skeletons (any script), and the Latin skeleton for Latin parts."""
        keys = {arabic_skeleton(f) for f in self.folded if f}
        if not self.arabic and self.key:
            keys.add("L" + latin_skeleton(self.key))
        return {k[:40] for k in keys if k}


def strip_article_arabic(folded: str) -> str:
    return folded[2:] if folded.startswith("ال") and len(folded) > 3 else folded


def split_name(text: str, role: str = "") -> list[Part]:
    """The parts of one name field or a whole name, in their written order."""
    if not text or not text.strip():
        return []
    tokens = [t for t in _SPLIT.split(text.strip()) if t]
    if is_arabic(text):
        return [Part(t, role) for t in _join_arabic(tokens)]
    return [Part(t, role) for t in _join_latin(tokens)]


def _join_arabic(tokens: list[str]) -> list[str]:
    out, i = [], 0
    while i < len(tokens):
        plain = arabic_plain(tokens[i])
        if plain in ARABIC_LINKS and i + 1 < len(tokens):
            i += 1
            continue
        if plain in ("عبد", "ابو", "ابي", "ابا") and i + 1 < len(tokens):
            out.append(tokens[i] + tokens[i + 1])
            i += 2
            continue
        if plain == "ال" and i + 1 < len(tokens):
            out.append("ال" + tokens[i + 1])
            i += 2
            continue
        out.append(tokens[i])
        i += 1
    return out


def _join_latin(tokens: list[str]) -> list[str]:
    out, i = [], 0
    while i < len(tokens):
        plain = latin_plain(tokens[i])
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if plain in LATIN_LINKS and nxt:
            i += 1
        elif plain in LATIN_ARTICLES and nxt:
            out.append(nxt)  # the article is left out of the comparison, whichever way it is written
            i += 2
        elif (match := LATIN_ABD.match(plain)) and not match.group(2) and nxt:
            # "Abd al-Rahman", "Abdul Rahman": the compound is one given name.
            rest, i = [nxt], i + 2
            if latin_plain(nxt) in LATIN_ARTICLES and i < len(tokens):
                rest, i = [tokens[i]], i + 1
            out.append("Abdal" + "".join(rest))
        elif plain in LATIN_ABU and nxt:
            out.append("Abu" + nxt)
            i += 2
        else:
            if match := LATIN_ABD.match(plain):
                tail = match.group(2)
                tail = tail[2:] if tail[:2] in LATIN_ARTICLES and len(tail) > 4 else tail
                out.append("Abdal" + tail)  # Abdulrahman, Abdelrahman, Abdurrahman
            elif plain.startswith(("al", "el")) and len(plain) > 5 and plain[2:] and _strip_ok(plain):
                out.append(plain[2:])  # Alhalabi, Elhalaby
            else:
                out.append(tokens[i])
            i += 1
    return out


def _strip_ok(plain: str) -> bool:
    """Whether a Latin word starting al/el is the article glued on (Alhalabi), not a name (Alexander, Elias)."""
    return plain not in {"alexander", "alexandre", "elias", "alberto", "albert", "ellen", "elena", "alaaddin"} and \
        plain[2] not in "aeiouy"
