"""The staff menu, and "may this user open that page?", both read from the views themselves.

Each staff view is wrapped by `require_role(*roles)`, which records the roles on
the view (`allowed_roles`, carried outwards by every `functools.wraps`). The
menu lists the sections below and shows one only when the signed-in user holds
one of the roles its view names: there is no second list of who sees what to
drift from the views. Templates ask the same question with `may`, e.g.
`{% if may.archive_quarantine %}` for the route "archive:quarantine".
"""

from functools import lru_cache

from django.urls import URLResolver, get_resolver, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from dalil.lib.roles import has_role

# The staff sections, in menu order: route name, label. Who sees each is decided by its view.
SECTIONS = (
    ("archive:collections", _("Collections")),
    ("archive:cases", _("Cases")),
    ("casework:queue", _("Casework")),
    ("casework:figures", _("Figures")),
    ("faces:search", _("Face search")),
    ("names:search", _("Name search")),  # dalil.names
    ("names:duplicates", _("Possible duplicates")),
    ("reports:staff", _("Statistics")),
    ("archive:quarantine", _("Quarantine")),
    ("archive:near_duplicates", _("Near duplicates")),
    ("archive:custody", _("Custody log")),
    ("exports:jobs", _("Exports")),
    ("exchange:upload", _("Imports")),
    ("jobs:list", _("Jobs")),  # dalil.jobs: background work and its results
    ("staff:list", _("Staff")),  # dalil.accounts: admins manage staff accounts
)


@lru_cache(maxsize=4)
def _views(resolver) -> dict:
    """{"namespace:name": view callable} for every named route of a URLconf."""

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix)
            elif pattern.name:
                yield prefix + pattern.name, pattern.callback

    return dict(walk(resolver.url_patterns, ""))


def roles_for(route: str):
    """The roles the route's view requires, or None for a page open to everyone (portal, login)."""
    view = _views(get_resolver())[route]
    return getattr(view, "allowed_roles", None)


def may_open(user, route: str) -> bool:
    roles = roles_for(route)
    return roles is None or has_role(user, *roles)


class May:
    """`may.archive_quarantine` in a template: may this user open the route "archive:quarantine"?"""

    def __init__(self, user):
        self.user = user

    def __getitem__(self, key: str) -> bool:
        namespace, _sep, name = key.partition("_")
        try:
            return may_open(self.user, f"{namespace}:{name}")
        except KeyError:
            raise KeyError(key) from None  # a typo in a template shows as "" (false), as Django does for any name


def staff_menu(user) -> list[dict]:
    """The sections this user may open, as {"url", "label", "route"}; empty for anyone without a staff role."""
    routes = _views(get_resolver())
    return [{"route": route, "url": reverse(route), "label": label}
            for route, label in SECTIONS
            if route in routes and roles_for(route) is not None and may_open(user, route)]


def navigation(request) -> dict:
    """Context processor: the menu and `may`, computed only if a template uses them."""
    user = getattr(request, "user", None)
    if user is None:
        return {"staff_menu": [], "may": {}}
    return {"staff_menu": SimpleLazyObject(lambda: staff_menu(user)), "may": May(user)}
