"""Family pages: language links that keep the page, the hint for English phones, dates in the family's words."""

from django import template
from django.utils.http import urlencode
from django.utils.translation import get_language

from dalil.identification.models import DatePrecision
from dalil.portal.dates import in_words

register = template.Library()


@register.simple_tag(takes_context=True)
def language_url(context, code: str, path: str = "") -> str:
    """This page (or `path`) again in another language: its query kept, `lang` set (see access.portal_page)."""
    request = context.get("request")
    if request is None:
        return f"/?lang={code}"
    query = request.GET.copy() if not path else {}
    if hasattr(query, "pop"):
        query.pop("lang", None)
    params = query.urlencode() if hasattr(query, "urlencode") else ""
    return f"{path or request.path}?{params + '&' if params else ''}{urlencode({'lang': code})}"


def prefers_english(accept_language: str) -> bool:
    """Whether a browser's Accept-Language puts English before Arabic (or names English and no Arabic)."""
    ranked = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag.strip().lower().split("-")[0]))
    for _quality, _position, language in sorted(ranked):
        if language in ("ar", "en"):
            return language == "en"
    return False


@register.simple_tag(takes_context=True)
def english_hint(context) -> bool:
    """True on an Arabic page read by a browser that asks for English first: the page offers the switch, in
    English (the site stays Arabic first: dalil.lib.middleware)."""
    request = context.get("request")
    if request is None or not (get_language() or "").startswith("ar"):
        return False
    return prefers_english(getattr(request, "browser_languages", ""))


@register.simple_tag
def family_date(value, precision: str = DatePrecision.DAY, approximate: bool = False) -> str:
    """A date in words, with the Syrian month name beside the international one in Arabic."""
    return in_words(value, precision or DatePrecision.DAY, bool(approximate))


@register.filter
def month_words(value) -> str:
    """`{{ case.date|month_words }}`: a full date the same way (a day known)."""
    return in_words(value) if value else ""

