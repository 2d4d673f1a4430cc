"""Template filters that keep Arabic pages readable: Latin and numbers isolated, stored codes in words.

`isolate` wraps every run of Latin letters or digits in `<bdi dir="ltr">`. Inside a right-to-left sentence
the Unicode bidi algorithm otherwise turns a number after Arabic letters into an "Arabic number" and lays
each part out right to left: 2026-11-29 is drawn 29-11-2026, "<5" is drawn "5>", and a Latin name next to
a number swaps places with it («المجموعة «69 :«demo صورة»). An isolate keeps each run in its own order and
in its place in the sentence; browsers and WeasyPrint both honour it (bdi is `unicode-bidi: isolate`).

Registered as a builtin-free library in settings (TEMPLATES OPTIONS "libraries"): `{% load dalil_text %}`.
"""

import re

from django import template
from django.utils.html import conditional_escape
from django.utils import translation
from django.utils.safestring import SafeData, mark_safe

register = template.Library()

# A run starts with a Latin letter or a digit (Western or Arabic-Indic), or with a comparison sign directly
# before a digit ("<5"); it goes on through letters, digits and the punctuation that sits inside codes,
# dates, times, hashes, paths, addresses and commands (dalil verify --collection NAME); it never ends on
# punctuation that belongs to the sentence.
_LATIN = "A-Za-z\u00c0-\u024f"
_DIGITS = "0-9\u0660-\u0669\u06f0-\u06f9"
RUN = re.compile(
    rf"(?:[<>≤≥]\s?(?=[{_DIGITS}])|[{_LATIN}{_DIGITS}])"
    rf"(?:[{_LATIN}{_DIGITS}_@%+=#~]|[-.:/,'’ ]+(?=[{_LATIN}{_DIGITS}]))*"
)
_TAG_OR_ENTITY = re.compile(r"(<[^>]*>|&[#\w]+;)")
_SKIP = re.compile(r"<(bdi|code|kbd|samp|time|script|style)\b|<[^>]*\b(dir|lang)=", re.I)


def _wrap(text: str) -> str:
    """Plain text (not yet escaped) -> escaped HTML with each Latin/number run isolated."""
    out, last = [], 0
    for match in RUN.finditer(text):
        out.append(conditional_escape(text[last:match.start()]))
        out.append(f'<bdi dir="ltr">{conditional_escape(match.group(0))}</bdi>')
        last = match.end()
    out.append(conditional_escape(text[last:]))
    return "".join(out)


def isolate_text(value) -> str:
    """`value` as safe HTML with every Latin or number run inside `<bdi dir="ltr">` (right-to-left pages only).

    Plain strings are escaped first. HTML already marked safe is processed between its tags only (tags and
    entities are left as they are), and not inside elements that already isolate or mark their direction
    (bdi, code, time, anything with dir= or lang=), so a sentence can be isolated after its variables are.
    """
    if value is None or value == "":
        return value
    if not translation.get_language_bidi():  # in a left-to-right page Latin and numbers are already in order
        return conditional_escape(value)
    if not isinstance(value, SafeData):
        return mark_safe(_wrap(str(value)))
    out, depth = [], 0
    for part in _TAG_OR_ENTITY.split(str(value)):
        if not part:
            continue
        if part.startswith("<"):
            if depth or _SKIP.match(part):
                closing = part.startswith("</")
                self_closing = part.endswith("/>") or re.match(r"<(br|img|input|meta|hr|wbr)\b", part, re.I)
                if closing:
                    depth = max(depth - 1, 0)
                elif not self_closing:
                    depth += 1
            out.append(part)
        elif part.startswith("&") or depth:
            out.append(part)
        else:
            out.append(_wrap(part))
    return mark_safe("".join(out))


@register.filter(is_safe=True)
def isolate(value):
    """{{ sentence|isolate }}: Latin and number runs direction-isolated (see the module's docstring)."""
    return isolate_text(value)


@register.filter(is_safe=True)
def ltr(value):
    """{{ value|ltr }}: one technical value (a code, a path, a date) as a left-to-right isolate."""
    if value is None or value == "":
        return value
    return mark_safe(f'<bdi dir="ltr">{conditional_escape(value)}</bdi>')
