"""Reasons as data ({"kind": ..., ...}), put into words in the reader's language only when shown.

Possible duplicates are found in whatever language the request or command that
saved the report was in; storing the reasons as data lets the page say them in
Arabic or English, whoever reads them.
"""

from django.utils.translation import gettext as _


def role_label(role: str) -> str:
    labels = {"first": _("first name"), "father": _("father's name"), "grandfather": _("grandfather's name"),
              "family": _("family name"), "mother": _("mother's name")}
    return labels.get(role, _("name"))


def say(reason: dict) -> str:
    """One reason as a sentence in the active language ('first name: محمد ~ Mohammad')."""
    kind = reason.get("kind")
    a, b = reason.get("a", ""), reason.get("b", "")
    if kind == "part":
        return _("%(role)s: %(a)s ~ %(b)s") % {"role": role_label(reason.get("role", "")), "a": a, "b": b}
    if kind == "differs":
        return _("%(role)s differs: %(a)s / %(b)s") % {"role": role_label(reason.get("role", "")), "a": a, "b": b}
    if kind == "order":
        return _("name parts in another order")
    if kind == "missing":
        return _("parts of the name not found: %(n)d") % {"n": reason.get("n", 0)}
    if kind == "born":
        return _("born %(a)s / %(b)s") % {"a": a, "b": b}
    if kind == "age":
        return _("age at arrest %(a)s / %(b)s") % {"a": a, "b": b}
    if kind == "town":
        return _("home town: %(a)s ~ %(b)s") % {"a": a, "b": b}
    if kind == "arrested":
        return _("arrested %(a)s / %(b)s") % {"a": a, "b": b}
    if kind == "place":
        return _("arrest place: %(a)s ~ %(b)s") % {"a": a, "b": b}
    return str(reason)


def say_all(reasons: list[dict]) -> list[str]:
    return [say(r) for r in reasons]
