"""Finding a collection by the name an archivist typed, for every command that takes `--collection`.

A typo must never read as an empty collection ("0 files", exit 0): every command refuses an unknown name the
same way, naming the collections this instance has.
"""

from django.core.management.base import CommandError

from dalil.evidence.models import Collection

NAMES_SHOWN = 20


def known_names() -> list[str]:
    return list(Collection.objects.order_by("name").values_list("name", flat=True)[: NAMES_SHOWN + 1])


def unknown_collection_message(name: str) -> str:
    names = known_names()
    if not names:
        return (f"no collection named {name!r}; this instance has no collections yet "
                "(`dalil ingest SOURCE --collection NAME` makes one)")
    shown = ", ".join(names[:NAMES_SHOWN]) + (", …" if len(names) > NAMES_SHOWN else "")
    return f"no collection named {name!r}; collections here: {shown}"


def require_collection(name: str) -> Collection:
    """The collection called `name`, or a CommandError (exit 1) naming the collections there are."""
    collection = Collection.objects.filter(name=name).first()
    if collection is None:
        raise CommandError(unknown_collection_message(name))
    return collection


def check_collection_option(name: str | None) -> str | None:
    """For an optional --collection: None when it was not given, else the name once it is known to exist."""
    if name:
        require_collection(name)
        return name
    return None
