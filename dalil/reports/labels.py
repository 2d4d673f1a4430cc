"""Words for the codes the figures count (the models keep plain English codes), translated at display time."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

CATEGORIES = {
    "custody": gettext_noop("died in custody"),
    "soldier": gettext_noop("soldier or security forces"),
    "attack": gettext_noop("attack scene"),
    "unknown": gettext_noop("unknown"),
}
INJURIES = {
    "emaciation": gettext_noop("emaciation"),
    "ligature": gettext_noop("ligature or strangulation marks"),
    "electrocution": gettext_noop("electrocution marks"),
    "eye": gettext_noop("eye injuries"),
    "blunt": gettext_noop("blunt-force bruising"),
    "cuts": gettext_noop("cuts"),
    "burns": gettext_noop("burns"),
    "restraint": gettext_noop("restraint marks"),
    "other": gettext_noop("other"),
}
STATES = {
    "claimed": gettext_noop("claimed"),
    "corroborated": gettext_noop("corroborated"),
    "confirmed": gettext_noop("confirmed"),
    "rejected": gettext_noop("rejected"),
}
NEAR_DUPLICATES = {
    "pending": gettext_noop("awaiting review"),
    "same": gettext_noop("same scene"),
    "different": gettext_noop("different"),
}
QUARANTINE = {
    "corrupt": gettext_noop("corrupt file"),
    "corrupt_image": gettext_noop("corrupt image"),
    "truncated": gettext_noop("cut short"),
    "empty": gettext_noop("empty file"),
    "not_a_file": gettext_noop("not a regular file"),
    "not_an_image": gettext_noop("not an image"),
    "symlink": gettext_noop("symbolic link"),
    "too_large": gettext_noop("too large"),
    "unreadable": gettext_noop("unreadable"),
    "unreadable_folder": gettext_noop("unreadable folder"),
    "zip_bomb": gettext_noop("zip bomb"),
    "zip_total_limit": gettext_noop("archive expansion limit reached"),
    "unsafe_zip_path": gettext_noop("path leaving the archive"),
    "decompression_bomb": gettext_noop("image too many pixels"),
    "read_error": gettext_noop("reading stopped"),
    "internal_error": gettext_noop("dalil failed on this file"),
}
PROGRESS = {
    "reports": gettext_noop("Missing-person reports"),
    "claimed": gettext_noop("Identifications proposed"),
    "corroborated": gettext_noop("Corroborated"),
    "confirmed": gettext_noop("Confirmed"),
}


def label(words: dict, code: str) -> str:
    """The translated word for a code; an unknown code as it is; no code: "not recorded"."""
    if not code:
        return _("not recorded")
    return _(words[code]) if code in words else code


def branch(code: str) -> str:
    return _("Branch %(number)s") % {"number": code} if code else _("not recorded")


def month(key: str) -> str:
    """'2012-05' as a reader sees it (ISO year-month in both languages: unambiguous, sorts, fits an axis)."""
    return key or _("no date")


def quarter(key: str) -> str:
    """'2012-Q2' -> "Q2 2012" / "الربع 2 من 2012"."""
    if not key:
        return _("no date")
    year, q = key.split("-Q")
    return _("Q%(quarter)s %(year)s") % {"quarter": q, "year": year}

# dalil.exports.profiles labels, as a report's title page names its reader.
PROFILES = [gettext_noop("Prosecutor"), gettext_noop("Partner organisation"), gettext_noop("Public")]
